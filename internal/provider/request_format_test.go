package provider

import (
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// configuredFormat runs Configure as configure does and returns the request
// format of the client it made, or its error diagnostics' texts.
func configuredFormat(t *testing.T, settings map[string]tftypes.Value) (mesibo.RequestFormat, string) {
	t.Helper()
	resp := configureResponse(t, settings)
	if resp.Diagnostics.HasError() {
		var texts []string
		for _, d := range resp.Diagnostics.Errors() {
			texts = append(texts, d.Summary()+": "+d.Detail())
		}
		return "", strings.Join(texts, "\n")
	}
	data, ok := resp.ResourceData.(*providerData)
	if !ok {
		t.Fatalf("resource data is %T", resp.ResourceData)
	}
	return data.client.RequestFormat(), ""
}

// TestConfigureRequestFormat: request_format wins, then
// MESIBO_REQUEST_FORMAT, then the endpoint's path (json for /backend and
// /backend/, form for anything else, Mesibo's default endpoint included).
// An environment variable that names no format is an error that names the
// variable and what it may be, and makes no client.
func TestConfigureRequestFormat(t *testing.T) {
	const backend, api = "https://api.mesibo.com/backend/", "https://api.mesibo.com/api.php"
	t.Setenv(envAppToken, "token")
	t.Setenv(envEndpoint, "")
	for _, c := range []struct {
		setting, env, endpoint string
		want                   mesibo.RequestFormat
	}{
		{"", "", "", mesibo.FormatForm},
		{"", "", api, mesibo.FormatForm},
		{"", "", backend, mesibo.FormatJSON},
		{"", "", "https://mesibo.example.com/backend", mesibo.FormatJSON},
		{"", "", "https://mesibo.example.com/backend/api.php", mesibo.FormatForm},
		{"", "json", api, mesibo.FormatJSON},
		{"", " json\n", api, mesibo.FormatJSON},
		{"", "form", backend, mesibo.FormatForm},
		{"json", "form", api, mesibo.FormatJSON},
		{"form", "json", backend, mesibo.FormatForm},
		{"form", "", backend, mesibo.FormatForm},
	} {
		t.Setenv(envRequestFormat, c.env)
		settings := map[string]tftypes.Value{}
		if c.setting != "" {
			settings["request_format"] = tfString(c.setting)
		}
		if c.endpoint != "" {
			settings["endpoint"] = tfString(c.endpoint)
		}
		got, errs := configuredFormat(t, settings)
		if errs != "" || got != c.want {
			t.Errorf("request_format %q, %s %q, endpoint %q: format %q (errors %q), want %q",
				c.setting, envRequestFormat, c.env, c.endpoint, got, errs, c.want)
		}
	}
	for _, bad := range []string{"JSON", "xml", "form,json"} {
		t.Setenv(envRequestFormat, bad)
		got, errs := configuredFormat(t, nil)
		for _, want := range []string{"Invalid Mesibo Provider Setting", "The " + envRequestFormat + " environment variable is " +
			fmt.Sprintf("%q", bad), `"form"`, `"json"`, "unset it"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s=%q: format %q, errors do not say %q:\n%s", envRequestFormat, bad, got, want, errs)
			}
		}
	}
}

// formatRecorder serves an emulator's JSON endpoint at any path and records
// the media type of every request that reaches it.
type formatRecorder struct {
	mu    sync.Mutex
	types []string
}

func (f *formatRecorder) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.types = nil
}

// sawJSON reports whether any request since the last reset had a JSON body,
// and how many requests there were.
func (f *formatRecorder) sawJSON() (json bool, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.types, "application/json"), len(f.types)
}

func newFormatRecorder(t *testing.T) (*formatRecorder, string, string) {
	t.Helper()
	token := randomHex(24)
	srv, err := emulator.New(emulator.Options{AppToken: token})
	if err != nil {
		t.Fatal(err)
	}
	rec := &formatRecorder{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		rec.mu.Lock()
		rec.types = append(rec.types, mt)
		rec.mu.Unlock()
		r.URL.Path = "/backend/" // the emulator reads both formats there
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return rec, hs.URL, token
}

// TestAccProvider_requestFormat: the format the provider writes follows
// request_format, then MESIBO_REQUEST_FORMAT, then the endpoint's path, as
// a server sees it. It cannot run in parallel: it changes the environment.
func TestAccProvider_requestFormat(t *testing.T) {
	rec, base, token := newFormatRecorder(t)
	step := func(path, setting, env string, wantJSON bool) resource.TestStep {
		extra := ""
		if setting != "" {
			extra = fmt.Sprintf("request_format = %q", setting)
		}
		return resource.TestStep{
			PreConfig: func() { t.Setenv(envRequestFormat, env); rec.reset() },
			Config: fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n  %s\n}\n", base+path, token, extra) +
				fmt.Sprintf("resource \"mesibo_group\" \"g\" {\n  name = %q\n}\n", "g-"+path+"-"+setting+"-"+env),
			Check: func(*terraform.State) error {
				json, n := rec.sawJSON()
				if n == 0 {
					return fmt.Errorf("no request reached the server")
				}
				if json != wantJSON {
					return fmt.Errorf("endpoint path %s, request_format %q, %s %q: JSON bodies sent: %v, want %v",
						path, setting, envRequestFormat, env, json, wantJSON)
				}
				return nil
			},
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step("/backend/", "", "", true),
			step("/api.php", "", "", false),
			step("/backend", "", "", true),
			step("/backend/", "form", "", false),
			step("/api.php", "json", "", true),
			step("/api.php", "", "json", true),
			step("/backend/", "", "form", false),
			step("/backend/", "json", "form", true),
		},
	})
}

// TestAccProvider_requestFormatValidation: a request_format that is not a
// format is refused at plan time with an error on the attribute that lists
// the formats, before any request.
func TestAccProvider_requestFormatValidation(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	var steps []resource.TestStep
	for _, v := range []string{"JSON", "xml", ""} {
		steps = append(steps, resource.TestStep{
			Config:      emu.providerBlock(fmt.Sprintf("request_format = %q", v)) + usersDataConfig,
			ExpectError: wrapped("Invalid Attribute Value Match", "request_format", `value must be one of: ["form" "json"]`),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := emu.Stats().Total(); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
}

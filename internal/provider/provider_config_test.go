package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

const usersDataConfig = `
data "mesibo_users" "all" {}
`

// TestAccProvider_missingToken cannot run in parallel: it changes the
// environment, which Go runs before any parallel test resumes.
func TestAccProvider_missingToken(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	t.Setenv(envAppToken, "")
	t.Setenv(envEndpoint, emu.endpoint)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      usersDataConfig,
				ExpectError: regexp.MustCompile(`(?s)Missing Mesibo App Token.*app_token.*MESIBO_APP_TOKEN`),
			},
		},
	})
	if n := len(emu.Stats().Requests); n != 0 {
		t.Errorf("requests reached the API without a token: %v", emu.Stats().Requests)
	}
}

// TestAccProvider_settingsFromEnvironment: with nothing in the provider
// block, the token and endpoint come from the environment.
func TestAccProvider_settingsFromEnvironment(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	t.Setenv(envAppToken, emu.token)
	t.Setenv(envEndpoint, emu.endpoint)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `provider "mesibo" {}` + usersDataConfig,
				Check: func(*terraform.State) error {
					if n := emu.Stats().Requests["usersget"]; n == 0 {
						return errors.New("no request reached the emulator named by " + envEndpoint)
					}
					return nil
				},
			},
		},
	})
}

func TestAccProvider_wrongToken(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `provider "mesibo" {
  endpoint  = "` + emu.endpoint + `"
  app_token = "not-the-token"
}` + usersDataConfig,
				ExpectError: regexp.MustCompile(`(?s)Unable to Read Mesibo Users.*refused the app token.*AUTHFAIL`),
			},
		},
	})
}

func TestAccProvider_plainHTTPRefused(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `provider "mesibo" {
  endpoint  = "http://mesibo.internal.example/api.php"
  app_token = "x"
}` + usersDataConfig,
				ExpectError: regexp.MustCompile(`(?s)Invalid Mesibo Endpoint.*not loopback.*allow_insecure_http`),
			},
		},
	})
}

// TestAccProvider_unknownToken: a token that is only known after apply is
// refused with an explanation at plan time, not a crash.
func TestAccProvider_unknownToken(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "terraform_data" "token" {
  input = "later"
}
provider "mesibo" {
  app_token = terraform_data.token.output
}
resource "mesibo_group" "g" {}
`,
				ExpectError: regexp.MustCompile(`(?s)Unknown Mesibo Provider Setting.*app_token is not known until apply`),
			},
		},
	})
}

// TestAccProvider_requestTimeout: an attempt that outlives
// request_timeout_seconds is reported as a timeout that names the setting,
// not as a cancelled operation.
func TestAccProvider_requestTimeout(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{Latency: 3 * time.Second})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: emu.providerBlock("request_timeout_seconds = 1\n  max_retries = 0") + usersDataConfig,
				ExpectError: regexp.MustCompile(`(?s)Unable to Read Mesibo Users.*did\s+not\s+answer\s+within\s+` +
					`request_timeout_seconds.*raise\s+request_timeout_seconds.*no\s+answer\s+within\s+1s`),
			},
		},
	})
}

// TestAccProvider_requestTimeoutOnCreateGroup: a groupadd that outlives
// request_timeout_seconds may have created a group, so it is not repeated;
// the error says so, and also which setting to raise.
func TestAccProvider_requestTimeoutOnCreateGroup(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{Latency: 3 * time.Second})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: emu.providerBlock("request_timeout_seconds = 1") + `
resource "mesibo_group" "g" {
  name = "ops"
}
`,
			ExpectError: wrapped("Mesibo Group May Have Been Created", `a group named "ops" may now exist`,
				"Mesibo did not answer within request_timeout_seconds", "raise request_timeout_seconds in the provider block",
				"no answer within 1s"),
		}},
	})
	if n := emu.Stats().Requests["groupadd"]; n != 1 {
		t.Errorf("groupadd was sent %d times, want once", n)
	}
}

// TestAccProvider_wrongEndpointPath: a groupadd refused with 404 (the
// endpoint's path is wrong) created nothing, and the error says so instead
// of warning that a group may have been created.
func TestAccProvider_wrongEndpointPath(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	wrong := strings.TrimSuffix(emu.endpoint, emulatorPath()) + "/api/v2"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`provider "mesibo" {
  endpoint  = %q
  app_token = %q
}
resource "mesibo_group" "g" {
  name = "ops"
}
`, wrong, emu.token),
				ExpectError: regexp.MustCompile(`(?s)Unable to Create Mesibo Group.*nothing\s+was\s+created.*` +
					`refused\s+the\s+request\s+with\s+HTTP\s+404.*check\s+the\s+endpoint`),
			},
		},
	})
	if n := len(emu.Snapshot().Groups); n != 0 {
		t.Errorf("%d groups exist", n)
	}
}

// TestAccProvider_endpointNotTLS: https:// to a plain-http port cannot
// work, so it fails after one attempt with advice to check the endpoint,
// instead of after the whole backoff as a network failure.
func TestAccProvider_endpointNotTLS(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	https := strings.Replace(emu.endpoint, "http://", "https://", 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`provider "mesibo" {
  endpoint  = %q
  app_token = %q
}
`, https, emu.token) + usersDataConfig,
				ExpectError: regexp.MustCompile(`(?s)Unable to Read Mesibo Users.*No\s+retry\s+can\s+cure\s+that.*` +
					`HTTP\s+response\s+to\s+HTTPS\s+client`),
			},
		},
	})
}

// TestAccProvider_maxRequestsPerSecondValidation: a rate outside 0.1 to
// 10000, one too large for a float64 included, is refused at plan time with
// an error on the attribute, before any request.
func TestAccProvider_maxRequestsPerSecondValidation(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	var steps []resource.TestStep
	// 1e400 is beyond a float64; 0.01 would hold a plan for minutes.
	for v, shown := range map[string]string{"0": "0", "-2": "-2", "0.01": "0.01", "0.09": "0.09", "1e400": "1e+400",
		"-1e400": "-1e+400", "10001": "10001"} {
		steps = append(steps, resource.TestStep{
			Config: emu.providerBlock("max_requests_per_second = "+v) + usersDataConfig,
			ExpectError: wrapped("Invalid Attribute Value", "max_requests_per_second = "+v,
				"max_requests_per_second must be between 0.1 and 10000 requests per second, got: "+shown,
				"a lower limit would hold a plan of a few resources for minutes", "Leave it out for no limit"),
		})
	}
	// The ends of the range are taken. They talk to an emulator of their
	// own, so that emu counts the requests of the refused values only.
	ends := newTestEmulator(t, emulator.Options{})
	for _, v := range []string{"0.1", "10000"} {
		steps = append(steps, resource.TestStep{Config: ends.providerBlock("max_requests_per_second = "+v) + usersDataConfig})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := emu.Stats().Total(); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
}

// TestAccProvider_maxRequestsPerSecondFromEnvironment cannot run in
// parallel: it changes the environment.
func TestAccProvider_maxRequestsPerSecondFromEnvironment(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	var got atomic.Value
	record := func(c *mesibo.Config) { got.Store(c.MaxRequestsPerSecond) }
	check := func(want float64) func(*terraform.State) error {
		return func(*terraform.State) error {
			if v, _ := got.Load().(float64); v != want {
				return fmt.Errorf("the client was configured with %v requests per second, want %v", v, want)
			}
			return nil
		}
	}
	setenv := func(v string) func() { return func() { t.Setenv(envMaxRequestsPerSecond, v) } }
	steps := []resource.TestStep{
		{PreConfig: setenv("7.5"), Config: emu.providerBlock("") + usersDataConfig, Check: check(7.5)},
		// The provider block wins over the environment.
		{Config: emu.providerBlock("max_requests_per_second = 0.5") + usersDataConfig, Check: check(0.5)},
	}
	for _, bad := range []string{"fast", "NaN", "Inf"} {
		steps = append(steps, resource.TestStep{
			PreConfig:   setenv(bad),
			Config:      emu.providerBlock("") + usersDataConfig,
			ExpectError: wrapped("Invalid Mesibo Provider Setting", envMaxRequestsPerSecond, "which is not a number"),
		})
	}
	for _, bad := range []string{"0", "-1", "0.01", "1e400", "20000"} {
		steps = append(steps, resource.TestStep{
			PreConfig: setenv(bad),
			Config:    emu.providerBlock("") + usersDataConfig,
			ExpectError: wrapped("Invalid Mesibo Provider Setting", "The "+envMaxRequestsPerSecond+" environment variable is "+bad,
				"must be between 0.1 and 10000"),
		})
	}
	// Empty is unset: no limit.
	steps = append(steps, resource.TestStep{PreConfig: setenv(""), Config: emu.providerBlock("") + usersDataConfig, Check: check(0)})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factoriesWith(record), Steps: steps})
}

// TestAccProvider_maxRequestsPerSecondHolds: with the setting, the
// emulator never sees more requests in a second than it allows, although
// Terraform reads the data sources in parallel.
func TestAccProvider_maxRequestsPerSecondHolds(t *testing.T) {
	const perSecond, sources = 4, 6
	config := func(e *testEmulator, extra string) string {
		return e.providerBlock(extra) + fmt.Sprintf(`
data "mesibo_users" "d" {
  count   = %d
  address = "nobody-${count.index}"
}
`, sources)
	}
	unlimited := newTestEmulator(t, emulator.Options{})
	limited := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(unlimited, "")},
			{Config: config(limited, fmt.Sprintf("max_requests_per_second = %d", perSecond))},
		},
	})
	u, l := unlimited.Stats(), limited.Stats()
	t.Logf("without a limit: %d requests, at most %d in one second; with %d per second: %d requests, at most %d in one second",
		u.Total(), u.PeakRequestsPerSecond, perSecond, l.Total(), l.PeakRequestsPerSecond)
	if total := l.Total(); total <= 2*perSecond {
		t.Fatalf("only %d requests were made: too few to tell", total)
	}
	// The limiter spaces requests evenly. Each Terraform command configures
	// the provider afresh, with a new limiter whose first request goes at
	// once, and requests may bunch a little on the way: allow two more.
	if l.PeakRequestsPerSecond > perSecond+2 {
		t.Errorf("the emulator saw %d requests within one second, the limit is %d", l.PeakRequestsPerSecond, perSecond)
	}
}

// TestAccProvider_throttledRetriesExhausted: when Mesibo (or a proxy) keeps
// answering 429 or 503 until the retries run out, the error says which
// settings slow the provider down or let it wait longer, for every kind of
// call: a read, and a message, which is retried only while it certainly was
// not processed.
func TestAccProvider_throttledRetriesExhausted(t *testing.T) {
	for _, fault := range []emulator.Fault{emulator.Fault503, emulator.Fault429} {
		t.Run(string(fault), func(t *testing.T) {
			emu := newTestEmulator(t, emulator.Options{FaultRate: 1, Faults: []emulator.Fault{fault}})
			settings := "max_retries = 1"
			throttled := []string{"HTTP 429 or 503", "on every attempt", "nothing was carried out",
				"lower max_requests_per_second", envMaxRequestsPerSecond, "raise max_retries", "(now 1)", "safe to repeat"}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factoriesWith(fastRetries),
				Steps: []resource.TestStep{
					{
						Config:      emu.providerBlock(settings) + usersDataConfig,
						ExpectError: wrapped(append([]string{"Unable to Read Mesibo Users"}, throttled...)...),
					},
					{
						Config: emu.providerBlock(settings) + `
resource "mesibo_message" "m" {
  from    = "bot@example.com"
  to      = "alice@example.com"
  message = "hi"
}
`,
						ExpectError: wrapped(append([]string{"Unable to Send Mesibo Message", "was not sent"}, throttled...)...),
					},
				},
			})
			if got := emu.Snapshot().Messages; len(got) != 0 {
				t.Errorf("messages were delivered: %v", got)
			}
		})
	}
}

// TestAccProvider_appTokenWhitespace: a token with whitespace around it, as
// file() reads it with its line break, is refused at plan time with an error
// that says so and where the token came from, without showing it; nothing is
// sent with it.
func TestAccProvider_appTokenWhitespace(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	block := func(token string) string {
		return fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n}\n", emu.endpoint, token)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: block(emu.token+"\n") + usersDataConfig,
				ExpectError: wrapped("Invalid Mesibo App Token", "The app token in app_token ends with a line break",
					"Mesibo app tokens contain no whitespace", `trimspace(file("token.txt"))`, "The token is not shown here"),
			},
			{
				Config:      block("  "+emu.token) + usersDataConfig,
				ExpectError: wrapped("Invalid Mesibo App Token", "The app token in app_token begins with a space or tab"),
			},
			{
				Config:      block(emu.token[:8]+" "+emu.token[8:]) + usersDataConfig,
				ExpectError: wrapped("Invalid Mesibo App Token", "The app token in app_token contains a space or tab"),
			},
			{
				Config:      block(" \t ") + usersDataConfig,
				ExpectError: wrapped("Invalid Mesibo App Token", "The app token in app_token is only whitespace"),
			},
		},
	})
	if n := emu.Stats().Total(); n != 0 {
		t.Errorf("%d requests reached the API with a token refused at plan time", n)
	}
}

// TestAccProvider_appTokenWhitespaceFromEnvironment cannot run in parallel:
// it changes the environment.
func TestAccProvider_appTokenWhitespaceFromEnvironment(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	t.Setenv(envEndpoint, emu.endpoint)
	t.Setenv(envAppToken, emu.token+"\r\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `provider "mesibo" {}` + usersDataConfig,
			ExpectError: wrapped("Invalid Mesibo App Token", "The app token in the "+envAppToken+" environment variable ends with a line break",
				"Mesibo app tokens contain no whitespace"),
		}},
	})
	if n := emu.Stats().Total(); n != 0 {
		t.Errorf("%d requests reached the API with a token refused at plan time", n)
	}
}

// TestAccProvider_endpointWithoutScheme: an endpoint written without
// https:// is refused with an error that says the scheme is missing and
// shows the endpoint with it.
func TestAccProvider_endpointWithoutScheme(t *testing.T) {
	var steps []resource.TestStep
	for endpoint, with := range map[string]string{
		"api.mesibo.com/api.php": "https://api.mesibo.com/api.php",
		"localhost:8080/api.php": "https://localhost:8080/api.php",
		"127.0.0.1:8080/api.php": "https://127.0.0.1:8080/api.php",
		"mesibo.example.com":     "https://mesibo.example.com",
	} {
		steps = append(steps, resource.TestStep{
			Config: fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = \"x\"\n}\n", endpoint) + usersDataConfig,
			ExpectError: wrapped("Invalid Mesibo Endpoint", "The endpoint from endpoint cannot be used",
				fmt.Sprintf("endpoint %q has no scheme", endpoint), fmt.Sprintf("write it as %q", with)),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccProvider_planWithoutRefresh: terraform plan -refresh=false reads
// no resource from Mesibo, but Terraform still reads the data sources, each
// with its usual calls; without data sources it makes no call at all. The
// README says so.
func TestAccProvider_planWithoutRefresh(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(nil) })
	resources := requiredProviders + e.providerBlock("") + messageUsers + `
resource "mesibo_group" "g" {
  name = "g"
}

resource "mesibo_group_membership" "g" {
  gid     = mesibo_group.g.gid
  members = [mesibo_user.alice.address]
}

resource "mesibo_message" "m" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = "hi"
}
`
	dataSources := `
data "mesibo_users" "all" {}

data "mesibo_user" "alice" {
  address = mesibo_user.alice.address
}

data "mesibo_group_members" "g" {
  gid = mesibo_group.g.gid
}
`
	callsOfPlan := func(step string, want map[string]int) {
		t.Helper()
		before := e.Stats()
		if diags := cli.planWith(ctx, tfexec.Refresh(false)); len(diags) != 0 {
			t.Errorf("%s: diagnostics %v", step, diags)
		}
		if got := e.callsSince(before); !maps.Equal(got, want) {
			t.Errorf("%s: terraform plan -refresh=false made the calls %v, want %v", step, got, want)
		}
	}
	cli.writeConfig(resources + dataSources)
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	// One usersget per user data source, one groupgetmembers for the group's.
	callsOfPlan("with data sources", map[string]int{"usersget": 2, "groupgetmembers": 1})
	cli.writeConfig(resources)
	callsOfPlan("without data sources", map[string]int{})
}

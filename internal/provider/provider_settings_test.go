package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configure runs the provider's Configure with the given settings (the
// others null), as Terraform does at plan time, and returns its diagnostics.
func configure(t *testing.T, settings map[string]tftypes.Value) diag.Diagnostics {
	t.Helper()
	return configureResponse(t, settings).Diagnostics
}

// configureResponse runs the provider's Configure with the given settings
// (the others null) and returns its whole response.
func configureResponse(t *testing.T, settings map[string]tftypes.Value) provider.ConfigureResponse {
	t.Helper()
	ctx := context.Background()
	p := &mesiboProvider{version: "test"}
	var sr provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sr)
	typ, ok := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatalf("the schema's type is %T", sr.Schema.Type().TerraformType(ctx))
	}
	vals := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(attrType, nil)
	}
	for name, v := range settings {
		if _, ok := vals[name]; !ok {
			t.Fatalf("no setting %q", name)
		}
		vals[name] = v
	}
	req := provider.ConfigureRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(typ, vals)}}
	var resp provider.ConfigureResponse
	p.Configure(ctx, req, &resp)
	return resp
}

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// TestConfigureTokenWhitespace: a token with whitespace is refused with an
// error on app_token that says where the whitespace is and where the token
// came from, and never shows the token, from the provider block or from
// MESIBO_APP_TOKEN.
func TestConfigureTokenWhitespace(t *testing.T) {
	const token = "b6f1c2d3e4f5a6b7c8d9"
	t.Setenv(envEndpoint, "")
	for _, fromEnv := range []bool{false, true} {
		for value, says := range map[string]string{
			token + "\n":                     "ends with a line break",
			token + "\r\n":                   "ends with a line break",
			token + "\r":                     "ends with a line break",
			token + " ":                      "ends with a space or tab",
			"\t" + token:                     "begins with a space or tab",
			token[:5] + " " + token[5:]:      "contains a space or tab",
			token[:5] + "\n" + token[5:]:     "contains a line break",
			token[:5] + "\u00a0" + token[5:]: "contains whitespace",
			" \n ":                           "is only whitespace",
		} {
			settings := map[string]tftypes.Value{"app_token": tfString(value)}
			source := "app_token"
			if fromEnv {
				t.Setenv(envAppToken, value)
				settings = nil
				source = "the " + envAppToken + " environment variable"
			}
			diags := configure(t, settings)
			if len(diags) != 1 || diags[0].Summary() != "Invalid Mesibo App Token" {
				t.Errorf("%q from %s: diagnostics %v", value, source, diags)
				continue
			}
			detail := diags[0].Detail()
			if want := "The app token in " + source + " " + says + "."; !strings.Contains(detail, want) {
				t.Errorf("%q: the detail does not say %q:\n%s", value, want, detail)
			}
			if strings.Contains(detail, strings.TrimSpace(value)) && strings.TrimSpace(value) != "" ||
				strings.Contains(detail, token[:5]) {
				t.Errorf("%q: the detail shows the token:\n%s", value, detail)
			}
		}
	}
	// A token without whitespace is taken.
	t.Setenv(envAppToken, "")
	if diags := configure(t, map[string]tftypes.Value{"app_token": tfString(token)}); diags.HasError() {
		t.Errorf("a clean token was refused: %v", diags)
	}
}

// TestConfigureEndpointAdvice: only an endpoint that allow_insecure_http
// would cure mentions it; a missing scheme is called that.
func TestConfigureEndpointAdvice(t *testing.T) {
	for endpoint, want := range map[string]string{
		"api.mesibo.com/api.php":       `has no scheme: write it as "https://api.mesibo.com/api.php"`,
		"ftp://api.mesibo.com/api.php": "Mesibo's own API is at https://api.mesibo.com/api.php",
		"http://mesibo.example.com/x":  "Set allow_insecure_http = true only for an on-premise server",
	} {
		diags := configure(t, map[string]tftypes.Value{"app_token": tfString("x"), "endpoint": tfString(endpoint)})
		if len(diags) != 1 || diags[0].Summary() != "Invalid Mesibo Endpoint" {
			t.Errorf("%q: diagnostics %v", endpoint, diags)
			continue
		}
		detail := diags[0].Detail()
		if !strings.Contains(detail, want) {
			t.Errorf("%q: the detail does not say %q:\n%s", endpoint, want, detail)
		}
		if mentions, insecure := strings.Contains(detail, "allow_insecure_http"), strings.HasPrefix(endpoint, "http://"); mentions != insecure {
			t.Errorf("%q: the detail mentions allow_insecure_http: %v, want %v:\n%s", endpoint, mentions, insecure, detail)
		}
	}
}

func TestRequestsPerSecondFromEnv(t *testing.T) {
	for raw, want := range map[string]float64{"": 0, "  ": 0, "5": 5, " 0.5 ": 0.5, "0.1": 0.1, "10000": 10000} {
		if got, err := requestsPerSecondFromEnv(raw); err != nil || got != want {
			t.Errorf("requestsPerSecondFromEnv(%q) = %v, %v; want %v", raw, got, err, want)
		}
	}
	for raw, says := range map[string]string{
		"fast": `is "fast", which is not a number`, "NaN": "not a number", "-Inf": "not a number",
		"0": "is 0: it must be between 0.1 and 10000", "0.01": "is 0.01: it must be between",
		"1e400": "is 1e400: it must be between", "1e-400": "is 1e-400: it must be between", "10000.5": "must be between",
	} {
		_, err := requestsPerSecondFromEnv(raw)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("requestsPerSecondFromEnv(%q): %v, want it to say %q", raw, err, says)
		}
		if inRange := errors.Is(err, errRequestRateRange); inRange != strings.Contains(says, "between") {
			t.Errorf("requestsPerSecondFromEnv(%q): errors.Is(err, errRequestRateRange) = %v", raw, inRange)
		}
	}
}

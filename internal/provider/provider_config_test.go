package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
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

// TestAccProvider_wrongEndpointPath: a groupadd refused with 404 (the
// endpoint's path is wrong) created nothing, and the error says so instead
// of warning that a group may have been created.
func TestAccProvider_wrongEndpointPath(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	wrong := strings.TrimSuffix(emu.endpoint, "/api.php") + "/api/v2"
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

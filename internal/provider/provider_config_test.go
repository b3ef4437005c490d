package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// TestAccProvider_maxRequestsPerSecondValidation: a rate that is not
// greater than 0 is refused at plan time, before any request.
func TestAccProvider_maxRequestsPerSecondValidation(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	var steps []resource.TestStep
	for _, v := range []string{"0", "-2"} {
		steps = append(steps, resource.TestStep{
			Config:      emu.providerBlock("max_requests_per_second = "+v) + usersDataConfig,
			ExpectError: regexp.MustCompile(`(?s)max_requests_per_second must be greater than 0`),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := totalRequests(emu.Stats()); n != 0 {
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
	for _, bad := range []string{"fast", "0", "-1", "NaN", "Inf"} {
		steps = append(steps, resource.TestStep{
			PreConfig: setenv(bad),
			Config:    emu.providerBlock("") + usersDataConfig,
			ExpectError: regexp.MustCompile(`(?s)Invalid Mesibo Provider Setting.*` + envMaxRequestsPerSecond +
				`.*(not\s+a\s+number|greater\s+than\s+0)`),
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
		totalRequests(u), u.PeakRequestsPerSecond, perSecond, totalRequests(l), l.PeakRequestsPerSecond)
	if total := totalRequests(l); total <= 2*perSecond {
		t.Fatalf("only %d requests were made: too few to tell", total)
	}
	// The limiter spaces requests evenly. Each Terraform command configures
	// the provider afresh, with a new limiter whose first request goes at
	// once, and requests may bunch a little on the way: allow two more.
	if l.PeakRequestsPerSecond > perSecond+2 {
		t.Errorf("the emulator saw %d requests within one second, the limit is %d", l.PeakRequestsPerSecond, perSecond)
	}
}

package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// Every request the provider sends names the provider's version and the
// version of the CLI that runs it, as other providers do, so that a Mesibo
// operator can tell which Terraform sent what.
func TestAccProvider_userAgentNamesTheTerraformVersion(t *testing.T) {
	cli := cliUnderTest(t)
	e := newTestEmulator(t, emulator.Options{})
	var mu sync.Mutex
	agents := map[string]bool{}
	recorder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.Header.Get("User-Agent")] = true
		mu.Unlock()
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(recorder.Close)

	// The factories serve the provider at version "test". Terraform tells
	// the provider its own version; OpenTofu tells providers the Terraform
	// version whose features it supports (1.13.0 for OpenTofu 1.12), never
	// its own.
	want := regexp.MustCompile("^" + regexp.QuoteMeta(fmt.Sprintf("terraform-provider-mesibo/test Terraform/%s (+https://www.terraform.io)", cli.Version)) + "$")
	if !cli.IsTerraform() {
		want = regexp.MustCompile(`^terraform-provider-mesibo/test Terraform/[0-9]+\.[0-9]+\.[0-9]+ \(\+https://www\.terraform\.io\)$`)
	}
	config := fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n}\n", recorder.URL+emulatorPath(), e.token) + `
resource "mesibo_user" "ua" {
  address = "user-agent@example.com"
  app_id  = "app"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				mu.Lock()
				defer mu.Unlock()
				if len(agents) != 1 {
					return fmt.Errorf("the requests' User-Agents were %v, want one", agents)
				}
				for agent := range agents {
					if !want.MatchString(agent) {
						return fmt.Errorf("the requests' User-Agent was %q, want %s", agent, want)
					}
				}
				return nil
			},
		}},
	})
}

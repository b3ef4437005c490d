package provider

import (
	"errors"
	"regexp"
	"testing"

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

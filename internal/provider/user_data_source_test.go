package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// TestAccUserDataSource: the data source finds a user by its exact address,
// not the users whose addresses merely start the same.
func TestAccUserDataSource(t *testing.T) {
	p := uniquePrefix()
	users := fmt.Sprintf(`
resource "mesibo_user" "ann" {
  address = "%[1]s-ann@example.com"
  app_id  = "com.example.chat"
  flag    = 4
  active  = false
}

# Would match "%[1]s-ann*" too.
resource "mesibo_user" "annie" {
  address = "%[1]s-ann@example.com.au"
  app_id  = "com.example.other"
}
`, p)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: users + `
data "mesibo_user" "ann" {
  address = mesibo_user.ann.address
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.mesibo_user.ann", tfjsonpath.New("uid"),
						"mesibo_user.ann", tfjsonpath.New("uid"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("address"), knownvalue.StringExact(p+"-ann@example.com")),
					statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("app_id"), knownvalue.StringExact("com.example.chat")),
					statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("flag"), knownvalue.Int64Exact(4)),
				},
			},
			{
				Config: users + fmt.Sprintf(`
data "mesibo_user" "nobody" {
  address    = "%s-nobody@example.com"
  depends_on = [mesibo_user.ann]
}
`, p),
				ExpectError: wrapped("Mesibo User Not Found", fmt.Sprintf(`No Mesibo user has exactly the address "%s-nobody@example.com"`, p),
					"Check the spelling"),
			},
		},
	})
}

// TestAccUserDataSource_badAddress: an address that is not exact is refused
// at plan time, before any call.
func TestAccUserDataSource_badAddress(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerBlock("") + `
data "mesibo_user" "bad" {
  address = "carol*"
}
`,
			ExpectError: wrapped("Invalid Mesibo Address", `address = "carol*"`,
				`Address "carol*" contains "*", which the API reads as a wildcard`),
		}},
	})
	if n := e.Stats().Total(); n != 0 {
		t.Errorf("an invalid address made %d API calls, want none", n)
	}
}

// TestAccUserDataSource_refusedLookup: a lookup that Mesibo refuses is an
// error that names the address and ends with Mesibo's answer, not a "not
// found"; once Mesibo answers, the user is found.
func TestAccUserDataSource_refusedLookup(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	config := e.providerBlock("max_retries = 1") + `
data "mesibo_user" "ann" {
  address = "ann@example.com"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					mustAddUsers(t, e.client(t), appUsers("app", "ann@example.com")...)
					rec.set(nil, refuseOps("usersget"))
				},
				Config: config,
				ExpectError: wrapped(summaryReadUser, `Could not look up user "ann@example.com".`, "Mesibo refused the request",
					"mesibo usersget failed: REFUSED"),
			},
			{
				PreConfig: func() { rec.set(nil, nil) },
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("app_id"), knownvalue.StringExact("app")),
				},
			},
		},
	})
}

// TestAccUserDataSource_exactOnCaseInsensitiveServer: against a server
// whose usersget matches without regard to case, the data source still
// returns only the user whose address is exactly the one asked for. Asked
// for another spelling, it is an error that names the spelling Mesibo has.
func TestAccUserDataSource_exactOnCaseInsensitiveServer(t *testing.T) {
	for _, match := range usersGetMatchers {
		t.Run(string(match), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{UsersGetMatch: match, UsersGetIgnoreCase: true})
			uids := mustAddUsers(t, e.client(t), appUsers("com.example.other", "Ann@Example.com", "ann.b@example.com")...)
			config := func(address string) string {
				return e.providerBlock("") + fmt.Sprintf("data \"mesibo_user\" \"ann\" {\n  address = %q\n}\n", address)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config("ann@example.com"),
						ExpectError: wrapped(summaryUserNotFound, `No Mesibo user has exactly the address "ann@example.com"`,
							"addresses are compared byte for byte", `Mesibo has "Ann@Example.com" (UID`,
							`which differs from "ann@example.com" only in case`, "matches addresses without regard to case",
							`To read that user, set address = "Ann@Example.com".`),
					},
					{
						Config: config("Ann@Example.com"),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("uid"), knownvalue.Int64Exact(uids["Ann@Example.com"].UID)),
							statecheck.ExpectKnownValue("data.mesibo_user.ann", tfjsonpath.New("address"), knownvalue.StringExact("Ann@Example.com")),
						},
					},
				},
			})
		})
	}
}

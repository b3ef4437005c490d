package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

func TestAccUsersDataSource(t *testing.T) {
	p := uniquePrefix()
	users := fmt.Sprintf(`
locals {
  names = ["ann", "ben", "cat"]
}
resource "mesibo_user" "u" {
  count   = length(local.names)
  address = "%s-${local.names[count.index]}@example.com"
  app_id  = "com.example.chat"
  name    = title(local.names[count.index])
  flag    = local.names[count.index] == "ben" ? 4 : 0
}
`, p)
	user := func(name string, flag int64) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"uid":     knownvalue.NotNull(),
			"address": knownvalue.StringExact(p + "-" + name + "@example.com"),
			"app_id":  knownvalue.StringExact("com.example.chat"),
			"name":    knownvalue.StringExact(strings.ToUpper(name[:1]) + name[1:]),
			"active":  knownvalue.Bool(true),
			"flag":    knownvalue.Int64Exact(flag),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: users + fmt.Sprintf(`
data "mesibo_users" "all" {
  address    = "%[1]s-*@example.com"
  depends_on = [mesibo_user.u]
}
data "mesibo_users" "one" {
  address    = "%[1]s-b*"
  depends_on = [mesibo_user.u]
}
data "mesibo_users" "two" {
  address    = "%[1]s-*"
  limit      = 2
  depends_on = [mesibo_user.u]
}
data "mesibo_users" "three" {
  address    = "%[1]s-*"
  limit      = 3
  depends_on = [mesibo_user.u]
}
data "mesibo_users" "none" {
  address    = "%[1]s-nobody"
  depends_on = [mesibo_user.u]
}
`, p),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.mesibo_users.all", tfjsonpath.New("users"),
						knownvalue.SetExact([]knownvalue.Check{user("ann", 0), user("ben", 4), user("cat", 0)})),
					statecheck.ExpectKnownValue("data.mesibo_users.all", tfjsonpath.New("limit"), knownvalue.Int64Exact(20)),
					statecheck.ExpectKnownValue("data.mesibo_users.one", tfjsonpath.New("users"),
						knownvalue.ListExact([]knownvalue.Check{user("ben", 4)})),
					statecheck.ExpectKnownValue("data.mesibo_users.two", tfjsonpath.New("users"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.mesibo_users.none", tfjsonpath.New("users"), knownvalue.ListSizeExact(0)),
					// Three users match: a limit of 2 may have cut the answer.
					statecheck.ExpectKnownValue("data.mesibo_users.all", tfjsonpath.New("truncated"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.mesibo_users.one", tfjsonpath.New("truncated"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.mesibo_users.two", tfjsonpath.New("truncated"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.mesibo_users.three", tfjsonpath.New("truncated"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.mesibo_users.three", tfjsonpath.New("users"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.mesibo_users.none", tfjsonpath.New("truncated"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

// TestAccUsersDataSource_serverMatcherDecides: the list is what Mesibo
// answers, as the docs say: a server that matches without regard to case
// lists another spelling of an address given without a wildcard, where the
// mesibo_user data source finds only the exact one.
func TestAccUsersDataSource_serverMatcherDecides(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{UsersGetIgnoreCase: true})
	uids := mustAddUsers(t, e.client(t), appUsers("com.example.other", "Alice@Example.com", "alice@example.com")...)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerBlock("") + `
data "mesibo_users" "alice" {
  address = "alice@example.com"
}
data "mesibo_user" "alice" {
  address = "alice@example.com"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.mesibo_users.alice", tfjsonpath.New("users").AtSliceIndex(0).AtMapKey("address"),
					knownvalue.StringExact("Alice@Example.com")),
				statecheck.ExpectKnownValue("data.mesibo_users.alice", tfjsonpath.New("users").AtSliceIndex(1).AtMapKey("address"),
					knownvalue.StringExact("alice@example.com")),
				statecheck.ExpectKnownValue("data.mesibo_user.alice", tfjsonpath.New("uid"), knownvalue.Int64Exact(uids["alice@example.com"].UID)),
			},
		}},
	})
}

package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The identity tests need a CLI that stores resource identities: Terraform
// 1.12 and later, OpenTofu 1.12 and later. The rest of the suite runs on older CLIs too, and checks
// there that every Create, Read and Update still sets an identity (the
// framework refuses one that does not, whatever the CLI).

// identityConfig declares a user, a group and a membership of the user.
func identityConfig(providerBlock, address string) string {
	return providerBlock + fmt.Sprintf(`
resource "mesibo_user" "test" {
  address = %q
  app_id  = "com.example.identity"
}

resource "mesibo_group" "test" {
  name = "identity"
}

resource "mesibo_group_membership" "test" {
  gid     = mesibo_group.test.gid
  members = [mesibo_user.test.address]
}
`, address)
}

// TestAccIdentity_createThenImportByIdentity: each resource records its
// identity when created, and an import block that gives that identity finds
// the same object: the user without planning a new access token, the group
// with its settings to apply (they cannot be read), the membership with
// nothing to change.
func TestAccIdentity_createThenImportByIdentity(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	address := uniquePrefix() + "@example.com"
	cfg := identityConfig(e.providerBlock(""), address)
	gidOfGroup := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliIdentity),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("mesibo_user.test", map[string]knownvalue.Check{
						"address": knownvalue.StringExact(address),
					}),
					statecheck.ExpectIdentityValueMatchesState("mesibo_group.test", tfjsonpath.New("gid")),
					statecheck.ExpectIdentityValueMatchesState("mesibo_group_membership.test", tfjsonpath.New("gid")),
					gidOfGroup.AddStateValue("mesibo_group.test", tfjsonpath.New("gid")),
					gidOfGroup.AddStateValue("mesibo_group_membership.test", tfjsonpath.New("gid")),
				},
			},
			{
				ResourceName:       "mesibo_user.test",
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true, // the token settings are adopted
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mesibo_user.test", plancheck.ResourceActionUpdate),
					// No new token: the user keeps the one its app uses.
					plancheck.ExpectKnownValue("mesibo_user.test", tfjsonpath.New("access_token"), knownvalue.Null()),
					plancheck.ExpectKnownValue("mesibo_user.test", tfjsonpath.New("app_id"), knownvalue.StringExact("com.example.identity")),
				}},
			},
			{
				ResourceName:       "mesibo_group.test",
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true, // the settings cannot be read back
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mesibo_group.test", plancheck.ResourceActionUpdate),
				}},
			},
			{
				ResourceName:    "mesibo_group_membership.test",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("mesibo_group_membership.test", tfjsonpath.New("members"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(address)})),
				}},
			},
		},
	})
}

// TestAccIdentity_importBlockAdoptsLiveObjects: users, groups and members
// made outside Terraform (by an app's backend, with live access tokens) are
// taken under management by import blocks that give their identities. The
// apply calls no useradd, so the user keeps its access token.
func TestAccIdentity_importBlockAdoptsLiveObjects(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliIdentity)
	e := newTestEmulator(t, emulator.Options{})
	address := uniquePrefix() + "@example.com"

	// What an app's backend made: a user with a live token, a group, a member.
	c := e.client(t)
	ctx := context.Background()
	u := mustAddUsers(t, c, appUsers("com.example.identity", address)...)[address]
	gid, err := c.AddGroup(ctx, mesibo.GroupRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMembers(ctx, gid, []string{address}); err != nil {
		t.Fatal(err)
	}
	before := e.Stats()

	cfg := identityConfig(e.providerBlock(""), address) + fmt.Sprintf(`
import {
  to       = mesibo_user.test
  identity = { address = %q }
}

import {
  to       = mesibo_group.test
  identity = { gid = %d }
}

import {
  to       = mesibo_group_membership.test
  identity = { gid = %d }
}
`, address, gid, gid)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliIdentity),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("mesibo_user.test", plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue("mesibo_user.test", tfjsonpath.New("access_token"), knownvalue.Null()),
				plancheck.ExpectResourceAction("mesibo_group.test", plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("mesibo_group_membership.test", plancheck.ResourceActionNoop),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity("mesibo_user.test", map[string]knownvalue.Check{"address": knownvalue.StringExact(address)}),
				statecheck.ExpectIdentity("mesibo_group.test", map[string]knownvalue.Check{"gid": knownvalue.Int64Exact(gid)}),
				statecheck.ExpectIdentity("mesibo_group_membership.test", map[string]knownvalue.Check{"gid": knownvalue.Int64Exact(gid)}),
				statecheck.ExpectKnownValue("mesibo_group.test", tfjsonpath.New("gid"), knownvalue.Int64Exact(gid)),
			},
			Check: func(*terraform.State) error {
				calls := e.callsSince(before)
				for _, op := range []string{"useradd", "groupadd", "groupeditmembers"} {
					if n := calls[op]; n != 0 {
						return fmt.Errorf("the apply called %s %d times, want none", op, n)
					}
				}
				snap := e.Snapshot()
				if len(snap.Users) != 1 || snap.Users[0].Token != u.Token {
					return fmt.Errorf("Mesibo holds users %+v, want the imported one with its token unchanged", snap.Users)
				}
				if len(snap.Groups) != 1 {
					return fmt.Errorf("Mesibo holds %d groups, want the 1 imported", len(snap.Groups))
				}
				return nil
			},
		}},
	})
}

// TestAccIdentity_badIdentityIsRefused: an import block whose identity names
// no valid object is refused before anything is changed, saying why.
func TestAccIdentity_badIdentityIsRefused(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	withImport := func(to, identity string) string {
		return identityConfig(e.providerBlock(""), "nobody@example.com") +
			fmt.Sprintf("\nimport {\n  to       = %s\n  identity = %s\n}\n", to, identity)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliIdentity),
		Steps: []resource.TestStep{
			{
				Config:      withImport("mesibo_user.test", `{ address = "a,b" }`),
				ExpectError: wrapped("Invalid Import ID", "The identity's address of mesibo_user is the user's address.", `Address "a,b" contains a comma`),
			},
			{
				Config:      withImport("mesibo_group.test", `{ gid = 0 }`),
				ExpectError: wrapped("Invalid Import ID", "mesibo_group: the identity's gid must be the group's GID, a positive whole number such as 5001, not 0."),
			},
			{
				Config:      withImport("mesibo_group_membership.test", `{ gid = -3 }`),
				ExpectError: wrapped("Invalid Import ID", "mesibo_group_membership: the identity's gid must be the group's GID"),
			},
			{
				Config: withImport("mesibo_user.test", `{ address = "nobody@example.com" }`),
				ExpectError: wrapped("Mesibo User Not Found", `No Mesibo user has exactly the address "nobody@example.com"`,
					"There is nothing to import"),
			},
		},
	})
	if n := e.Stats().Requests; n["useradd"]+n["groupadd"]+n["groupeditmembers"] != 0 {
		t.Errorf("refused imports changed Mesibo: %v", n)
	}
}

// TestAccIdentity_stateWithoutIdentities: a state written before the
// provider had identities (or by a CLI that does not keep them) gets them
// from the first refresh, from an apply that skips the refresh, and from a
// refresh that finds the objects deleted outside Terraform, which removes
// them from state instead of failing with "Missing Resource Identity After
// Read".
func TestAccIdentity_stateWithoutIdentities(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliIdentity)
	e := newTestEmulator(t, emulator.Options{})
	address := uniquePrefix() + "@example.com"
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	// changed changes each of the three resources.
	cfg := func(changed bool) string {
		hcl := requiredProviders + identityConfig(e.providerBlock(""), address)
		if changed {
			hcl = strings.NewReplacer(`app_id  = "com.example.identity"`, "app_id  = \"com.example.identity\"\n  flag    = 1",
				`name = "identity"`, `name = "renamed"`,
				"members = [mesibo_user.test.address]", "members   = [mesibo_user.test.address]\n  exclusive = true").Replace(hcl)
		}
		return hcl
	}
	ctx := context.Background()
	cli.writeConfig(cfg(false))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	cli.expectIdentities("after create", address)

	// A refresh: every Read, the one that finds nothing changed included.
	cli.stripIdentities()
	if r := cli.apply(ctx, tfexec.Refresh(true), tfexec.RefreshOnly(true)); r.err != nil {
		t.Fatalf("refresh of a state without identities: %v%s", r.err, r.summary())
	}
	cli.expectIdentities("after a refresh", address)

	// An update of each without a refresh: Update sets them. (Terraform calls
	// no provider for a resource that does not change, so a resource left as
	// it is would keep no identity until the next refresh.)
	cli.stripIdentities()
	cli.writeConfig(cfg(true))
	if r := cli.apply(ctx, tfexec.Refresh(false)); r.err != nil {
		t.Fatalf("update of a state without identities: %v%s", r.err, r.summary())
	}
	cli.expectIdentities("after an update with -refresh=false", address)

	// Deleted outside Terraform: the refresh forgets them, and the apply
	// creates them anew.
	cli.stripIdentities()
	c := e.client(t)
	st := cli.state()
	uid := stateNumber(t, st.managed("mesibo_user")[0]["uid"])
	gid := stateNumber(t, st.managed("mesibo_group")[0]["gid"])
	if err := c.DeleteUser(ctx, uid); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGroup(ctx, gid); err != nil {
		t.Fatal(err)
	}
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply after the objects were deleted outside Terraform: %v%s", r.err, r.summary())
	}
	cli.expectIdentities("after re-creating what was deleted", address)
	if newGID := stateNumber(t, cli.state().managed("mesibo_group")[0]["gid"]); newGID == gid {
		t.Errorf("the group was not created anew: gid %d", newGID)
	}
	cli.planIsEmpty(ctx)
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
}

// stateNumber is a whole number read from a state file.
func stateNumber(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("the state holds %v (%T), want a number", v, v)
	}
	return int64(f)
}

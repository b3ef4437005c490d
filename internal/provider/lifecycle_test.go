package provider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// The tests of what the resource pages say about Terraform's lifecycle
// settings: what a destroyed user loses (and so what prevent_destroy
// guards), and how to stop managing users, groups and memberships without
// deleting them: removed blocks, and lifecycle { destroy = false }.

// TestAccUser_destroyDeletesItsMemberships: destroying a user deletes it
// from Mesibo and from every group it was in, the groups no configuration
// manages included, and a user created again for the same address is a new
// user, with a new UID and a new access token: what prevent_destroy guards.
func TestAccUser_destroyDeletesItsMemberships(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	withAlice := e.providerBlock("") + `
resource "mesibo_user" "alice" {
  address = "alice@example.com"
  app_id  = "com.example.chat"
}
`
	var uid int64
	var token string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: withAlice,
				Check: func(*terraform.State) error {
					uid, token, _ = e.userToken("alice@example.com")
					// Alice's apps put her in two groups.
					e.mustAddGroup(t, "Sales", "alice@example.com", "bob@example.com")
					e.mustAddGroup(t, "Support", "alice@example.com")
					return nil
				},
			},
			{
				Config: e.providerBlock(""),
				Check: func(s *terraform.State) error {
					if _, _, ok := e.userToken("alice@example.com"); ok {
						return fmt.Errorf("alice is still a user after her resource was destroyed")
					}
					return e.groupsHold(map[string][]string{"Sales": {"bob@example.com"}, "Support": {}})(s)
				},
			},
			{
				Config: withAlice,
				Check: func(s *terraform.State) error {
					newUID, newToken, _ := e.userToken("alice@example.com")
					if newUID == uid || newToken == token {
						return fmt.Errorf("alice created again has UID %d (was %d) and the same token: %v, want both new", newUID, uid, newToken == token)
					}
					return e.groupsHold(map[string][]string{"Sales": {"bob@example.com"}, "Support": {}})(s)
				},
			},
		},
	})
}

// TestAccLifecycle_preventDestroy: prevent_destroy refuses every plan that
// would delete a user or a group (a replacement, terraform destroy) before
// any call, but not the removal of their resource blocks, which deletes
// them.
func TestAccLifecycle_preventDestroy(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	cfg := func(address string) string {
		return e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_user" "alice" {
  address = %q
  app_id  = "com.example.chat"

  lifecycle {
    prevent_destroy = true
  }
}

resource "mesibo_group" "support" {
  name = "Support"

  lifecycle {
    prevent_destroy = true
  }
}
`, address)
	}
	var mark emulator.Stats
	// Terraform says "Instance cannot be destroyed", OpenTofu "Resource
	// instance cannot be destroyed".
	cannotDestroy := regexp.MustCompile(`(Instance|Resource instance) cannot be destroyed`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("alice@example.com"), Check: func(*terraform.State) error { mark = e.Stats(); return nil }},
			{
				// A new address replaces the user: refused.
				Config:      cfg("alice@example.org"),
				ExpectError: cannotDestroy,
			},
			{
				Config:      cfg("alice@example.com"),
				Destroy:     true,
				ExpectError: cannotDestroy,
			},
			{
				// The resource blocks gone, prevent_destroy is gone with
				// them.
				Config: e.providerBlock(""),
				PreConfig: func() {
					if err := e.noDeleteCallsSince(mark); err != nil {
						t.Errorf("the refused plans: %v", err)
					}
					if _, _, ok := e.userToken("alice@example.com"); !ok || len(e.Snapshot().Groups) != 1 {
						t.Error("alice or the group was deleted although prevent_destroy refused it")
					}
				},
				Check: func(*terraform.State) error {
					if snap := e.Snapshot(); len(snap.Users)+len(snap.Groups) != 0 {
						return fmt.Errorf("Mesibo still holds %+v after the resource blocks were removed", snap)
					}
					return nil
				},
			},
		},
	})
}

// hclStrings writes values as the elements of an HCL list: "a", "b".
func hclStrings(values ...string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, ", ")
}

// expectForget is a plan check that the plan forgets each resource (removes
// it from the state without deleting it), which plancheck has no action for.
type expectForget []string

func (f expectForget) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, addr := range f {
		i := slices.IndexFunc(req.Plan.ResourceChanges, func(rc *tfjson.ResourceChange) bool { return rc.Address == addr })
		switch {
		case i < 0:
			resp.Error = fmt.Errorf("the plan has no change for %s, want it forgotten", addr)
		case !req.Plan.ResourceChanges[i].Change.Actions.Forget():
			resp.Error = fmt.Errorf("the plan %v %s, want it forgotten", req.Plan.ResourceChanges[i].Change.Actions, addr)
		default:
			continue
		}
		return
	}
}

// keptObjects declares alice, a group and its membership of alice, as a
// configuration that then stops managing them would have.
func keptObjects(providerBlock, lifecycle string) string {
	return providerBlock + fmt.Sprintf(`
resource "mesibo_user" "alice" {
  address = "alice@example.com"
  app_id  = "com.example.chat"
  %[1]s
}

resource "mesibo_group" "support" {
  name = "Support"
  %[1]s
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [mesibo_user.alice.address, "bob@example.com"]
  %[1]s
}
`, lifecycle)
}

// removedAll stops managing what keptObjects declares, without deleting it.
const removedAll = `
removed {
  from = mesibo_user.alice

  lifecycle {
    destroy = false
  }
}

removed {
  from = mesibo_group.support

  lifecycle {
    destroy = false
  }
}

removed {
  from = mesibo_group_membership.support

  lifecycle {
    destroy = false
  }
}
`

// keptAsTheyWere checks that Mesibo still holds what keptObjects created,
// with alice's token of before.
func (e *testEmulator) keptAsTheyWere(token string) error {
	_, now, ok := e.userToken("alice@example.com")
	if !ok || now != token {
		return fmt.Errorf("alice is gone or has a new token (user there: %v)", ok)
	}
	return e.groupsHold(map[string][]string{"Support": {"alice@example.com", "bob@example.com"}})(nil)
}

// TestAccLifecycle_removedBlocks: removed blocks with destroy = false stop
// managing a user, a group and a membership: the plan forgets them, the
// apply makes no call that deletes anything, and Mesibo keeps them as they
// were (the user with its token, the group with its members).
func TestAccLifecycle_removedBlocks(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	var mark emulator.Stats
	var token string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliRemoved),
		Steps: []resource.TestStep{
			{
				Config: keptObjects(e.providerBlock(""), ""),
				Check: func(*terraform.State) error {
					mark = e.Stats()
					_, token, _ = e.userToken("alice@example.com")
					return nil
				},
			},
			{
				Config: e.providerBlock("") + removedAll,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectForget{"mesibo_user.alice", "mesibo_group.support", "mesibo_group_membership.support"},
				}},
				Check: func(s *terraform.State) error {
					if n := len(s.RootModule().Resources); n != 0 {
						return fmt.Errorf("the state still holds %d resources", n)
					}
					if err := e.noDeleteCallsSince(mark); err != nil {
						return err
					}
					return e.keptAsTheyWere(token)
				},
			},
		},
	})
}

// TestAccLifecycle_destroyFalse: with lifecycle { destroy = false }
// (Terraform 1.16, OpenTofu 1.12), what would delete a user, a group or a
// membership forgets it instead, and Mesibo keeps it: an instance dropped
// from for_each, terraform destroy, and a replacement, which creates the
// new object and leaves the old one. Removing the resource blocks is where
// the CLIs differ: OpenTofu keeps destroy = false in the state and forgets
// the objects, Terraform deletes them.
func TestAccLifecycle_destroyFalse(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliLifecycleDestroy)
	cli := cliUnderTest(t)
	e := newTestEmulator(t, emulator.Options{})
	tf := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	ctx := context.Background()
	cfg := func(users ...string) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_user" "team" {
  for_each = toset([%s])

  address = each.key
  app_id  = "com.example.chat"

  lifecycle {
    destroy = false
  }
}
`, hclStrings(users...)) + keptObjects("", "lifecycle {\n    destroy = false\n  }")
	}

	tf.writeConfig(cfg("carol@example.com", "dave@example.com"))
	tf.init(ctx)
	if r := tf.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	_, token, _ := e.userToken("alice@example.com")
	_, daveToken, _ := e.userToken("dave@example.com")
	mark := e.Stats()

	// Dave dropped from for_each: forgotten, not deleted.
	tf.writeConfig(cfg("carol@example.com"))
	if r := tf.apply(ctx); r.err != nil {
		t.Fatalf("apply without dave: %v%s", r.err, r.summary())
	}
	if _, inState := tf.instanceStatus()[`mesibo_user.team["dave@example.com"]`]; inState {
		t.Error("dave is still in the state")
	}
	if _, now, ok := e.userToken("dave@example.com"); !ok || now != daveToken {
		t.Errorf("dave was deleted or re-tokened (user there: %v)", ok)
	}

	// A replacement (a new address) creates the new user and forgets the
	// old one, which stays in Mesibo.
	tf.writeConfig(strings.ReplaceAll(cfg("carol@example.com"), `"carol@example.com"`, `"carol@example.org"`))
	if r := tf.apply(ctx); r.err != nil {
		t.Fatalf("apply that replaces carol: %v%s", r.err, r.summary())
	}
	for _, a := range []string{"carol@example.com", "carol@example.org"} {
		if _, _, ok := e.userToken(a); !ok {
			t.Errorf("%s is not a user after the replacement", a)
		}
	}

	// So does a replaced group: the old one stays, with its members.
	if r := tf.apply(ctx, tfexec.Replace("mesibo_group.support")); r.err != nil {
		t.Fatalf("apply -replace of the group: %v%s", r.err, r.summary())
	}
	if groups := e.Snapshot().Groups; len(groups) != 2 || !slices.Equal(groups[0].Members, groups[1].Members) {
		t.Errorf("Mesibo holds groups %+v, want the old and the new Support with the same members", groups)
	}
	for _, op := range []string{"userdel", "groupdel"} {
		if n := e.callsSince(mark)[op]; n != 0 {
			t.Errorf("the replacements called %s %d times, want none", op, n)
		}
	}
	mark = e.Stats() // the new membership added members

	// terraform destroy forgets everything.
	r := tf.destroy(ctx)
	if cli.IsOpenTofu() {
		// OpenTofu fails a destroy that forgot objects (unless
		// -suppress-forget-errors), and says so.
		if r.err == nil {
			t.Errorf("tofu destroy that forgot everything succeeded, want its error")
		}
	} else if r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
	if n := len(tf.state().Resources); n != 0 {
		t.Errorf("the state holds %d resources after destroy", n)
	}
	if err := e.noDeleteCallsSince(mark); err != nil {
		t.Error(err)
	}
	if err := e.keptAsTheyWere(token); err != nil {
		t.Error(err)
	}

	// Removing the resource blocks: OpenTofu remembers destroy = false from
	// the state, Terraform does not.
	tf.writeConfig(requiredProviders + e.providerBlock("") + `
resource "mesibo_user" "erin" {
  address = "erin@example.com"
  app_id  = "com.example.chat"

  lifecycle {
    destroy = false
  }
}

resource "mesibo_group" "sales" {
  name = "Sales"

  lifecycle {
    destroy = false
  }
}

resource "mesibo_group_membership" "sales" {
  gid     = mesibo_group.sales.gid
  members = [mesibo_user.erin.address]

  lifecycle {
    destroy = false
  }
}
`)
	if r := tf.apply(ctx); r.err != nil {
		t.Fatalf("create erin and sales: %v%s", r.err, r.summary())
	}
	mark = e.Stats()
	tf.writeConfig(requiredProviders + e.providerBlock(""))
	if r := tf.apply(ctx); r.err != nil {
		t.Fatalf("apply without their blocks: %v%s", r.err, r.summary())
	}
	if cli.IsOpenTofu() {
		if err := e.noDeleteCallsSince(mark); err != nil {
			t.Errorf("on %s: %v", cli, err)
		}
	} else {
		want := map[string]int{"userdel": 1, "groupdel": 1, "groupeditmembers": 1}
		for op, n := range want {
			if got := e.callsSince(mark)[op]; got != n {
				t.Errorf("on %s, removing the blocks called %s %d times, want %d", cli, op, got, n)
			}
		}
	}
}

// TestAccImport_blocksInModule: import blocks inside a module (Terraform
// 1.16) adopt a group and its membership for each instance of the module,
// without creating anything: the module of examples/import-group-module,
// called with for_each as the import guide shows.
func TestAccImport_blocksInModule(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliModuleImport)
	module, err := os.ReadFile(filepath.Join("..", "..", "examples", "import-group-module", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEmulator(t, emulator.Options{})
	sales := e.mustAddGroup(t, "Sales", "alice@example.com", "bob@example.com")
	support := e.mustAddGroup(t, "Support", "carol@example.com")
	mark := e.Stats()

	tf := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(tf.dir, "modules", "existing-group"), 0o700); err != nil {
		t.Fatal(err)
	}
	tf.writeFile("modules/existing-group/main.tf", string(module))
	tf.writeConfig(requiredProviders + e.providerBlock("") + fmt.Sprintf(`
module "group" {
  source   = "./modules/existing-group"
  for_each = {
    sales   = { gid = %d, name = "Sales", flag = 2, members = ["alice@example.com", "bob@example.com"] }
    support = { gid = %d, name = "Support", members = ["carol@example.com"] }
  }

  gid     = each.value.gid
  name    = each.value.name
  flag    = try(each.value.flag, 0)
  members = each.value.members
}
`, sales, support))
	tf.init(ctx)
	if r := tf.apply(ctx); r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	if n := e.callsSince(mark)["groupadd"]; n != 0 {
		t.Errorf("the imports called groupadd %d times, want none", n)
	}
	if err := e.noDeleteCallsSince(mark); err != nil {
		t.Error(err)
	}
	got := map[string]int64{}
	for _, g := range tf.state().managed("mesibo_group") {
		got[fmt.Sprint(g["name"])] = stateNumber(t, g["gid"])
	}
	if want := map[string]int64{"Sales": sales, "Support": support}; !maps.Equal(got, want) {
		t.Errorf("the state holds groups %v, want %v", got, want)
	}
	groups := e.Snapshot().Groups
	if len(groups) != 2 || groups[0].Flag != 2 || groups[1].Flag != 0 {
		t.Errorf("Mesibo holds groups %+v, want the 2 imported, Sales with flag 2", groups)
	}
	if n := len(tf.state().managed("mesibo_group_membership")); n != 2 {
		t.Errorf("the state holds %d memberships, want the 2 imported", n)
	}
	tf.planIsEmpty(ctx)
}

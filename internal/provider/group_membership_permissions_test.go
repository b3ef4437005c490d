package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// permissionsConfig declares a group with a membership "editors" of
// editors, with editorPerms as its permissions block ("" for none), and a
// membership "readers" of readers with readerPerms.
func permissionsConfig(editors, editorPerms, readers, readerPerms string) string {
	block := func(p string) string {
		if p == "" {
			return ""
		}
		return "permissions = " + p
	}
	return fmt.Sprintf(`
resource "mesibo_group" "test" {
  name = "permissions"
}
resource "mesibo_group_membership" "editors" {
  gid     = mesibo_group.test.gid
  members = %s
  %s
}
resource "mesibo_group_membership" "readers" {
  gid     = mesibo_group.test.gid
  members = %s
  %s
}
`, editors, block(editorPerms), readers, block(readerPerms))
}

// permissionsAre checks, in the emulator, the permissions of each member.
func permissionsAre(e *testEmulator, want map[string]emulator.StatePermissions) func(*terraform.State) error {
	return func(s *terraform.State) error {
		gid := groupGID(s)
		for _, g := range e.Snapshot().Groups {
			if g.GID != gid {
				continue
			}
			for member, w := range want {
				if !containsString(g.Members, member) {
					return fmt.Errorf("%s is not a member of group %d", member, gid)
				}
				if got := g.MemberPermissions(member); got != w {
					return fmt.Errorf("%s has permissions %+v, want %+v", member, got, w)
				}
			}
			return nil
		}
		return fmt.Errorf("group %d not found", gid)
	}
}

// groupMembersAre checks, in the emulator, that the test group's members
// are exactly want, in order.
func groupMembersAre(e *testEmulator, want ...string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		gid := groupGID(s)
		for _, g := range e.Snapshot().Groups {
			if g.GID == gid {
				got := slices.Sorted(slices.Values(g.Members))
				if !slices.Equal(got, want) {
					return fmt.Errorf("group %d has members %q, want %q", gid, got, want)
				}
				return nil
			}
		}
		return fmt.Errorf("group %d not found", gid)
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var (
	allPerms    = emulator.StatePermissions{Send: true, Receive: true, Publish: true, Subscribe: true, List: true}
	noSendPerms = emulator.StatePermissions{Receive: true, Publish: true, Subscribe: true, List: true}
	readOnly    = emulator.StatePermissions{Receive: true, Publish: true, Subscribe: true}
)

// TestAccGroupMembership_permissions, in both request formats: only editors
// send, modelled as two memberships; the permissions reach Mesibo; a change
// adds the members again in place with the new flags and removes nobody;
// permissions changed outside Terraform are drift that apply puts back; a
// membership without permissions sends and reads none; one address in two
// memberships with different permissions is an error naming both, before
// any call.
func TestAccGroupMembership_permissions(t *testing.T) {
	for _, format := range requestFormats {
		t.Run(string(format), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{}).inFormat(format)
			var gid lastGID
			var mark emulator.Stats
			markStats := func() { mark = e.Stats() }
			noRemovals := func(*terraform.State) error {
				// groupgetmembers and groupeditmembers add: no removal means
				// every member is still there, which permissionsAre checks.
				if n := e.Stats().Since(mark).Requests["groupeditmembers"]; n == 0 {
					return fmt.Errorf("no groupeditmembers request was made")
				}
				return nil
			}
			readers := `["c@x", "d@x"]`
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: e.providerBlock("") + permissionsConfig(`["a@x", "b@x"]`, "{}", readers, "{ send = false }"),
						Check: resource.ComposeTestCheckFunc(gid.record,
							permissionsAre(e, map[string]emulator.StatePermissions{
								"a@x": allPerms, "b@x": allPerms, "c@x": noSendPerms, "d@x": noSendPerms})),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("mesibo_group_membership.editors", tfjsonpath.New("permissions"),
								knownvalue.ObjectExact(map[string]knownvalue.Check{"send": knownvalue.Bool(true),
									"receive": knownvalue.Bool(true), "publish": knownvalue.Bool(true),
									"subscribe": knownvalue.Bool(true), "list": knownvalue.Bool(true)})),
							statecheck.ExpectKnownValue("mesibo_group_membership.readers", tfjsonpath.New("permissions").AtMapKey("send"),
								knownvalue.Bool(false)),
						},
					},
					{
						// A change: in place, every listed member again, nobody removed.
						PreConfig: markStats,
						Config:    e.providerBlock("") + permissionsConfig(`["a@x", "b@x"]`, "{}", readers, "{\n send = false\n list = false\n}"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("mesibo_group_membership.readers", plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction("mesibo_group_membership.editors", plancheck.ResourceActionNoop),
						}},
						Check: resource.ComposeTestCheckFunc(noRemovals, groupMembersAre(e, "a@x", "b@x", "c@x", "d@x"),
							permissionsAre(e, map[string]emulator.StatePermissions{
								"a@x": allPerms, "b@x": allPerms, "c@x": readOnly, "d@x": readOnly})),
					},
					{
						// Permissions changed outside Terraform: drift, put back.
						PreConfig: func() {
							if err := e.client(t).AddGroupMembersWithPermissions(context.Background(), gid.gid, []string{"d@x"},
								mesibo.AllPermissions); err != nil {
								t.Fatal(err)
							}
						},
						Config: e.providerBlock("") + permissionsConfig(`["a@x", "b@x"]`, "{}", readers, "{\n send = false\n list = false\n}"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("mesibo_group_membership.readers", plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction("mesibo_group_membership.editors", plancheck.ResourceActionNoop),
						}},
						Check: permissionsAre(e, map[string]emulator.StatePermissions{
							"a@x": allPerms, "b@x": allPerms, "c@x": readOnly, "d@x": readOnly}),
					},
					{
						// Without permissions, none are sent and none are read:
						// those set outside stay, and the plan is empty.
						Config: e.providerBlock("") + permissionsConfig(`["a@x", "b@x"]`, "", readers, "{\n send = false\n list = false\n}"),
						Check: resource.ComposeTestCheckFunc(func(*terraform.State) error {
							return e.client(t).AddGroupMembersWithPermissions(context.Background(), gid.gid, []string{"a@x"}, mesibo.Permissions{List: true})
						}),
					},
					{
						Config:   e.providerBlock("") + permissionsConfig(`["a@x", "b@x"]`, "", readers, "{\n send = false\n list = false\n}"),
						PlanOnly: true,
						Check: permissionsAre(e, map[string]emulator.StatePermissions{
							"a@x": {List: true}, "b@x": allPerms, "c@x": readOnly}),
					},
					{
						// One address, two memberships, different permissions.
						PreConfig: markStats,
						Config:    e.providerBlock("") + permissionsConfig(`["a@x", "b@x", "c@x"]`, "{}", readers, "{ send = false }"),
						ExpectError: regexp.MustCompile(`(?s)Mesibo Group Member Listed by Two Memberships.*address "c@x".*` +
							`The\s+two\s+give\s+them\s+different\s+permissions:\s+this\s+one\s+gives\s+` +
							`(every\s+permission;\s+the\s+other\s+gives\s+every\s+permission\s+but\s+send\.|` +
							`every\s+permission\s+but\s+send;\s+the\s+other\s+gives\s+every\s+permission\.).*` +
							`members\s+with\s+other\s+permissions\s+go\s+in\s+a\s+membership\s+of\s+their\s+own`),
					},
					{
						PreConfig: func() {
							if n := e.Stats().Since(mark).Requests["groupeditmembers"]; n != 0 {
								t.Errorf("the refused plan sent %d groupeditmembers requests", n)
							}
						},
						Config:   e.providerBlock("") + permissionsConfig(`["a@x", "b@x"]`, "", readers, "{\n send = false\n list = false\n}"),
						PlanOnly: true,
					},
				},
			})
		})
	}
}

// TestAccGroupMembership_permissionsNotReported: where groupgetmembers
// does not report permissions, the permissions in state are kept (no drift
// the provider cannot see, no endless diff), and a change still sends them.
func TestAccGroupMembership_permissionsNotReported(t *testing.T) {
	for _, format := range requestFormats {
		t.Run(string(format), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{OmitMemberPermissions: true}).inFormat(format)
			var gid lastGID
			config := func(perms string) string {
				return e.providerBlock("") + permissionsConfig(`["a@x"]`, "", `["c@x"]`, perms)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config("{ send = false }"),
						Check: resource.ComposeTestCheckFunc(gid.record,
							permissionsAre(e, map[string]emulator.StatePermissions{"c@x": noSendPerms})),
					},
					{
						PreConfig: func() {
							if err := e.client(t).AddGroupMembersWithPermissions(context.Background(), gid.gid, []string{"c@x"},
								mesibo.AllPermissions); err != nil {
								t.Fatal(err)
							}
						},
						Config:   config("{ send = false }"),
						PlanOnly: true,
					},
					{
						Config: config("{\n send = false\n list = false\n}"),
						Check:  permissionsAre(e, map[string]emulator.StatePermissions{"c@x": readOnly}),
					},
				},
			})
		})
	}
}

// TestPermissionsRead: null permissions read nothing; a listed member whose
// reported permissions differ is drift (the first by address); members not
// listed, and members whose permissions are not reported, are none.
func TestPermissionsRead(t *testing.T) {
	ctx := context.Background()
	noSend := mesibo.Permissions{Receive: true, Publish: true, Subscribe: true, List: true}
	noList := mesibo.Permissions{Send: true, Receive: true, Publish: true, Subscribe: true}
	all := mesibo.AllPermissions
	state := permissionsObject(&noSend)
	listed := []string{"a", "b", "c"}

	for name, c := range map[string]struct {
		inState *mesibo.Permissions
		present []mesibo.Member
		want    *mesibo.Permissions
	}{
		"null reads nothing":      {nil, []mesibo.Member{{Address: "a", Permissions: &all}}, nil},
		"same":                    {&noSend, []mesibo.Member{{Address: "a", Permissions: &noSend}}, &noSend},
		"not reported":            {&noSend, []mesibo.Member{{Address: "a"}, {Address: "b"}}, &noSend},
		"not listed":              {&noSend, []mesibo.Member{{Address: "z", Permissions: &all}}, &noSend},
		"drift, first by address": {&noSend, []mesibo.Member{{Address: "c", Permissions: &all}, {Address: "b", Permissions: &noList}}, &noList},
	} {
		in := permissionsObject(c.inState)
		got := permissionsFrom(permissionsRead(ctx, in, listed, c.present))
		if !samePermissions(got, c.want) {
			t.Errorf("%s: read %+v, want %+v", name, got, c.want)
		}
	}
	if got := permissionsFrom(state); got == nil || *got != noSend {
		t.Errorf("permissionsFrom(permissionsObject(p)) = %+v, want %+v", got, noSend)
	}
}

func TestDescribePermissions(t *testing.T) {
	for want, p := range map[string]*mesibo.Permissions{
		"no permission flags (Mesibo's defaults)": nil,
		"every permission":                        &mesibo.AllPermissions,
		"every permission but send, list":         {Receive: true, Publish: true, Subscribe: true},
		"no permission":                           {},
	} {
		if got := describePermissions(p); got != want {
			t.Errorf("describePermissions(%+v) = %q, want %q", p, got, want)
		}
	}
}

package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

const membershipRes = "mesibo_group_membership.test"

// membershipConfig declares a group and, unless members is nil, its membership.
func membershipConfig(members []string, exclusive bool) string {
	cfg := `
resource "mesibo_group" "test" {
  name = "membership test"
}
`
	if members == nil {
		return cfg
	}
	quoted := make([]string, len(members))
	for i, m := range members {
		quoted[i] = strconv.Quote(m)
	}
	return cfg + fmt.Sprintf(`
resource "mesibo_group_membership" "test" {
  gid       = mesibo_group.test.gid
  members   = [%s]
  exclusive = %t
}
`, strings.Join(quoted, ", "), exclusive)
}

func addresses(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s-m%02d", prefix, i))
	}
	return out
}

// groupGID reads the test group's GID from state.
func groupGID(s *terraform.State) int64 {
	gid, _ := strconv.ParseInt(s.RootModule().Resources["mesibo_group.test"].Primary.ID, 10, 64)
	return gid
}

// lastGID remembers the test group's GID for PreConfig functions, which get
// no state.
type lastGID struct{ gid int64 }

func (l *lastGID) record(s *terraform.State) error {
	l.gid = groupGID(s)
	return nil
}

func editOutside(t *testing.T, l *lastGID, add, remove []string) func() {
	return func() {
		c := testAccClient(t)
		if len(add) > 0 {
			if err := c.AddGroupMembers(context.Background(), l.gid, add); err != nil {
				t.Fatal(err)
			}
		}
		if len(remove) > 0 {
			if err := c.RemoveGroupMembers(context.Background(), l.gid, remove); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestAccGroupMembership_additive: the resource manages only its members;
// members added by others stay, and listed members removed by others come back.
func TestAccGroupMembership_additive(t *testing.T) {
	p := uniquePrefix()
	a, b, c, outsider := p+"-a", p+"-b", p+"-c", p+"-outsider"
	var l lastGID
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: membershipConfig(nil, false),
				Check:  l.record,
			},
			{
				// A member added by an app before Terraform manages the group.
				PreConfig: editOutside(t, &l, []string{outsider}, nil),
				Config:    membershipConfig([]string{a, b, c}, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(membershipRes, tfjsonpath.New("members"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(a), knownvalue.StringExact(b), knownvalue.StringExact(c)})),
					statecheck.ExpectKnownValue(membershipRes, tfjsonpath.New("exclusive"), knownvalue.Bool(false)),
				},
				Check: membersAre(t, a, b, c, outsider),
			},
			{
				// Someone removes b: that is drift, and apply adds b back; the
				// outsider is left alone.
				PreConfig: editOutside(t, &l, nil, []string{b}),
				Config:    membershipConfig([]string{a, b, c}, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionUpdate)},
				},
				Check: membersAre(t, a, b, c, outsider),
			},
			{
				// Changing the list adds and removes only what changed.
				Config: membershipConfig([]string{a, c, p + "-d"}, false),
				Check:  membersAre(t, a, c, p+"-d", outsider),
			},
			{
				ResourceName:      membershipRes,
				ImportState:       true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return strconv.FormatInt(groupGID(s), 10), nil },
				// Import reads every current member, the outsider included.
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d states", len(states))
					}
					attrs := states[0].Attributes
					if attrs["members.#"] != "4" || attrs["exclusive"] != "false" {
						return fmt.Errorf("imported members.# = %s, exclusive = %s; want 4 and false", attrs["members.#"], attrs["exclusive"])
					}
					return nil
				},
			},
			{
				// Removing the membership removes its members and no others.
				Config: membershipConfig(nil, false),
				Check:  membersAre(t, outsider),
			},
		},
	})
}

// TestAccGroupMembership_exclusive: the resource owns the whole list.
func TestAccGroupMembership_exclusive(t *testing.T) {
	p := uniquePrefix()
	a, b, pre, outsider := p+"-a", p+"-b", p+"-pre", p+"-outsider"
	var l lastGID
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: membershipConfig(nil, false),
				Check:  l.record,
			},
			{
				// Created exclusive: a member already there stays until a plan
				// shows it as drift...
				PreConfig:          editOutside(t, &l, []string{pre}, nil),
				Config:             membershipConfig([]string{a, b}, true),
				ExpectNonEmptyPlan: true,
				Check:              membersAre(t, a, b, pre),
			},
			{
				// ...and the apply of that plan removes it.
				Config: membershipConfig([]string{a, b}, true),
				Check:  membersAre(t, a, b),
			},
			{
				// A member added outside Terraform is drift.
				PreConfig: editOutside(t, &l, []string{outsider}, nil),
				Config:    membershipConfig([]string{a, b}, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionUpdate)},
				},
				Check: membersAre(t, a, b),
			},
			{
				// Dropping exclusive stops the removals...
				Config: membershipConfig([]string{a, b}, false),
			},
			{
				PreConfig: editOutside(t, &l, []string{outsider}, nil),
				Config:    membershipConfig([]string{a, b}, false),
				Check:     membersAre(t, a, b, outsider),
			},
			{
				// ...and turning it on again removes what the plan shows, b, and
				// leaves the outsider to the next plan, which shows it as drift.
				Config:             membershipConfig([]string{a}, true),
				ExpectNonEmptyPlan: true,
				Check:              membersAre(t, a, outsider),
			},
			{
				Config: membershipConfig([]string{a}, true),
				Check:  membersAre(t, a),
			},
		},
	})
}

// TestAccGroupMembership_sizes applies memberships around the 20-member cap
// of groupgetmembers and checks, inside the emulator, that exactly the
// declared members are there and that no plan shows phantom changes.
func TestAccGroupMembership_sizes(t *testing.T) {
	for _, n := range []int{19, 20, 21, 41} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			emu := newTestEmulator(t, emulator.Options{})
			p := "size"
			initial := addresses(p, 1, n)
			// Drop the first three and add two, across the cap.
			changed := append(addresses(p, 4, n), addresses(p, n+1, n+2)...)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: emu.providerBlock("") + membershipConfig(initial, false),
						Check:  emu.membersAre(initial),
					},
					{
						Config: emu.providerBlock("") + membershipConfig(changed, false),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionUpdate)},
						},
						Check: emu.membersAre(changed),
					},
					{
						Config: emu.providerBlock("") + membershipConfig(changed, true),
						Check:  emu.membersAre(changed),
					},
					{
						// A refresh of a large group keeps every member it cannot see.
						RefreshState: true,
						Check:        resource.TestCheckResourceAttr(membershipRes, "members.#", strconv.Itoa(len(changed))),
					},
				},
			})
		})
	}
}

// TestAccGroupMembership_unknownGroup: a membership of a group that does not
// exist fails at apply, even when it lists no members to add.
func TestAccGroupMembership_unknownGroup(t *testing.T) {
	steps := []resource.TestStep{}
	for _, members := range []string{`[]`, `["someone"]`} {
		for _, exclusive := range []bool{false, true} {
			steps = append(steps, resource.TestStep{
				Config: fmt.Sprintf(`
resource "mesibo_group_membership" "test" {
  gid       = 987654321
  members   = %s
  exclusive = %t
}
`, members, exclusive),
				ExpectError: wrapped("Unable to Create Mesibo Group Membership", "Group 987654321 does not exist in Mesibo",
					"or gid does not name a group. Nothing was changed.", "set gid to the GID of an existing group", "NOGROUP"),
			})
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

func TestReconcileMembers(t *testing.T) {
	listed := []string{"a", "b", "c"}
	tests := []struct {
		name      string
		importing bool
		state     []string
		present   []string
		exclusive bool
		truncated bool
		want      []string
		note      readNote
	}{
		{name: "complete, all there", state: listed, present: []string{"a", "b", "c", "x"}, want: listed, note: readNote{unlisted: []string{"x"}}},
		{name: "complete, one removed outside", state: listed, present: []string{"a", "c"}, want: []string{"a", "c"}, note: readNote{missing: 1}},
		{name: "complete, exclusive, outsider is drift", state: listed, present: []string{"a", "b", "c", "x"}, exclusive: true,
			want: []string{"a", "b", "c", "x"}, note: readNote{unlisted: []string{"x"}}},
		{name: "truncated, unseen members are kept", state: listed, present: []string{"a", "x"}, truncated: true,
			want: listed, note: readNote{unconfirmed: 2, unlisted: []string{"x"}}},
		{name: "truncated, exclusive, seen outsiders are drift, unseen members kept", state: listed, present: []string{"a", "x"},
			exclusive: true, truncated: true, want: []string{"a", "b", "c", "x"}, note: readNote{unconfirmed: 2, unlisted: []string{"x"}}},
		{name: "import takes what is there", importing: true, present: []string{"x", "y"}, want: []string{"x", "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note := reconcileMembers(tt.importing, tt.state, tt.present, tt.exclusive, tt.truncated)
			if !slices.Equal(slices.Sorted(slices.Values(got)), tt.want) || fmt.Sprintf("%+v", note) != fmt.Sprintf("%+v", tt.note) {
				t.Errorf("got %v %+v, want %v %+v", got, note, tt.want, tt.note)
			}
		})
	}
}

// twoMemberships declares a group and two additive memberships of it, a and
// b; a nil list gives the membership count = 0, so that it is destroyed
// while a depends_on can still name it. dependsOn ("a" or "b") makes that
// one wait for the other, so that Terraform applies the other first, also
// when one of them is being destroyed.
func twoMemberships(e *testEmulator, a, b []string, dependsOn string) string {
	cfg := e.providerBlock("") + "resource \"mesibo_group\" \"g\" {\n  name = \"two memberships\"\n}\n"
	for _, m := range []struct {
		name    string
		members []string
	}{{"a", a}, {"b", b}} {
		count := 1
		if m.members == nil {
			count = 0
		}
		dep := ""
		if dependsOn == m.name {
			other := map[string]string{"a": "b", "b": "a"}[m.name]
			dep = "\n  depends_on = [mesibo_group_membership." + other + "]"
		}
		quoted := make([]string, len(m.members))
		for i, s := range m.members {
			quoted[i] = strconv.Quote(s)
		}
		// Destroying a resource comes before the changes of those that
		// depend on it, unless it is created before it is destroyed.
		if dependsOn == "b" && m.name == "a" {
			dep += "\n  lifecycle {\n    create_before_destroy = true\n  }"
		}
		cfg += fmt.Sprintf("resource \"mesibo_group_membership\" %q {\n  count   = %d\n  gid     = mesibo_group.g.gid\n  members = [%s]%s\n}\n",
			m.name, count, strings.Join(quoted, ", "), dep)
	}
	return cfg
}

// refusedSteps checks that a step whose plan fails sends nothing to Mesibo:
// terraform-plugin-testing runs no Check after an expected error, so the step
// after it checks.
type refusedSteps struct {
	t       *testing.T
	rec     *apiRecorder
	pending bool
}

func refusedPlans(t *testing.T, rec *apiRecorder) *refusedSteps { return &refusedSteps{t: t, rec: rec} }

// refused is the PreConfig of a step whose plan must fail.
func (r *refusedSteps) refused() {
	r.rec.reset()
	r.pending = true
}

// next is the PreConfig of every other step.
func (r *refusedSteps) next() {
	if r.pending {
		if err := r.rec.editsAre()(nil); err != nil {
			r.t.Errorf("a refused plan changed Mesibo: %v", err)
		}
		r.pending = false
	}
	r.rec.reset()
}

// TestAccGroupMembership_moveBetweenResources moves members between two
// membership resources of one group, and shrinks or destroys one of two that
// list the same member, in one apply each. depends_on forces the order in
// which Terraform applies the two, so that each order runs every time; the
// requests that reached Mesibo show the order. Every step must leave exactly
// the declared members in the group, with nothing left for the next plan.
func TestAccGroupMembership_moveBetweenResources(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	refused := refusedPlans(t, rec)
	step := func(a, b []string, dependsOn string, members []string, edits ...string) resource.TestStep {
		return resource.TestStep{
			PreConfig: refused.next,
			Config:    twoMemberships(emu, a, b, dependsOn),
			Check:     resource.ComposeAggregateTestCheckFunc(emu.membersAre(members), rec.editsAre(edits...)),
		}
	}
	l := func(s ...string) []string { return s }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: recordedProvider(rec),
		Steps: []resource.TestStep{
			step(l("u1", "u2", "u4"), l("u3"), "b", l("u1", "u2", "u3", "u4"), "add u1,u2,u4", "add u3"),
			// Move u2 and u4 from a to b: b's additions (no-ops) first, then
			// a's removals, which must not take them out of the group.
			step(l("u1"), l("u2", "u3", "u4"), "a", l("u1", "u2", "u3", "u4"), "add u2,u4"),
			// Move them back, a's additions first, then b's removals.
			step(l("u1", "u2", "u4"), l("u3"), "b", l("u1", "u2", "u3", "u4"), "add u2,u4"),
			// The same moves in the other order: removals first.
			step(l("u1"), l("u2", "u3", "u4"), "b", l("u1", "u2", "u3", "u4"), "remove u2,u4", "add u2,u4"),
			step(l("u1", "u2", "u4"), l("u3"), "a", l("u1", "u2", "u3", "u4"), "remove u2,u4", "add u2,u4"),
			// Both list u2: the plan fails, and nothing reaches Mesibo.
			{
				PreConfig:   refused.refused,
				Config:      twoMemberships(emu, l("u1", "u2"), l("u2", "u3"), "b"),
				ExpectError: wrapped(summaryMemberTwoOwners, `both list address "u2" of group`),
			},
			// Destroying a while its members move to b, in each order.
			step(nil, l("u1", "u2", "u3", "u4"), "a", l("u1", "u2", "u3", "u4"), "remove u1,u2,u4", "add u1,u2,u4"),
			step(l("u1", "u2", "u4"), l("u3"), "b", l("u1", "u2", "u3", "u4"), "add u1,u2,u4"),
			step(nil, l("u1", "u2", "u3", "u4"), "b", l("u1", "u2", "u3", "u4"), "add u1,u2,u4"),
		},
	})
}

// TestAccGroupMembership_nullMember: a null among the members (an optional
// variable left unset) is refused at plan time, and nothing reaches Mesibo.
func TestAccGroupMembership_nullMember(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesWith(routeTo(e)),
		Steps: []resource.TestStep{{
			Config: e.providerBlock("") + `
variable "optional_member" {
  type    = string
  default = null
}

resource "mesibo_group" "test" {
  name = "never created"
}

resource "mesibo_group_membership" "test" {
  gid     = mesibo_group.test.gid
  members = ["alice", var.optional_member]
}
`,
			ExpectError: wrapped("Null Set Value", "members", "This attribute contains a null value"),
		}},
	})
	if st := e.Stats(); st.Total() != 0 {
		t.Errorf("the configuration was refused, but %d requests reached Mesibo: %v", st.Total(), st.Requests)
	}
}

// TestAccGroupMembership_stalePlanAndWarnings drives the Terraform CLI as a
// pipeline does: a saved plan is applied after its groups were deleted
// outside Terraform. Every operation that finds its group gone says so, and
// what the next apply does; the next apply does it. It also checks the
// warnings the user sees: two memberships listing one address, and an
// exclusive membership of a group too large to list.
func TestAccGroupMembership_stalePlanAndWarnings(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	outside := e.client(t)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	write := func(body string) { cli.writeConfig(requiredProviders + e.providerBlock("") + body) }
	groups := `
resource "mesibo_group" "g" {
  name = %q
}

resource "mesibo_group" "h" {
  name = "h"
}
`
	before := fmt.Sprintf(groups, "g") + `
resource "mesibo_group_membership" "a" {
  gid     = mesibo_group.g.gid
  members = ["u1", "u2"]
}

resource "mesibo_group_membership" "d" {
  gid     = mesibo_group.h.gid
  members = ["u5"]
}
`
	// a gains a member, c is new, d becomes exclusive.
	after := fmt.Sprintf(groups, "g") + `
resource "mesibo_group_membership" "a" {
  gid     = mesibo_group.g.gid
  members = ["u1", "u2", "u3"]
}

resource "mesibo_group_membership" "c" {
  gid     = mesibo_group.g.gid
  members = ["u4"]
}

resource "mesibo_group_membership" "d" {
  gid       = mesibo_group.h.gid
  members   = ["u5"]
  exclusive = true
}
`
	write(before)
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("first apply: %v%s", r.err, r.summary())
	}
	deleteGroups := func() {
		t.Helper()
		for _, g := range e.Snapshot().Groups {
			if err := outside.DeleteGroup(ctx, g.GID); err != nil {
				t.Fatal(err)
			}
		}
	}
	groupsAre := func(step string, want ...[]string) {
		t.Helper()
		var got [][]string
		for _, g := range e.Snapshot().Groups {
			got = append(got, slices.Sorted(slices.Values(g.Members)))
		}
		slices.SortFunc(got, func(a, b []string) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: the groups' members are %v, want %v", step, got, want)
		}
	}

	// The memberships' plan is saved; then the groups are deleted.
	write(after)
	cli.savePlan(ctx, "memberships.tfplan")
	deleteGroups()
	r := cli.apply(ctx, tfexec.DirOrPlan("memberships.tfplan"))
	if r.err == nil {
		t.Fatal("applying the stale plan succeeded")
	}
	gone := []string{"no longer exists in Mesibo: it was deleted outside Terraform after the plan was made",
		"nothing was changed", "Run terraform apply again: its refresh drops this membership from state",
		"that apply also creates the group anew, and then this membership with all its members",
		"otherwise set gid to the GID of an existing group first", "NOGROUP"}
	diagnosticsAre(t, "stale membership plan", r.errors(), map[string][]string{
		"error|" + summaryUpdateMember + "|mesibo_group_membership.a": gone,
		"error|" + summaryUpdateMember + "|mesibo_group_membership.d": gone,
		"error|" + summaryCreateMember + "|mesibo_group_membership.c": {"does not exist in Mesibo: either it was deleted " +
			"outside Terraform after the plan was made, or gid does not name a group", "Nothing was changed",
			"run terraform apply again: its refresh notices that the group is gone, and it creates the group anew and " +
				"then this membership with all its members", "NOGROUP"},
	})
	// What the errors promise: the next apply converges.
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply after the stale plan: %v%s", r.err, r.summary())
	}
	groupsAre("after the stale membership plan", []string{"u1", "u2", "u3", "u4"}, []string{"u5"})
	cli.planIsEmpty(ctx)

	// The same for a group whose change was planned.
	write(fmt.Sprintf(groups, "g renamed") + after[len(fmt.Sprintf(groups, "g")):])
	cli.savePlan(ctx, "group.tfplan")
	deleteGroups()
	r = cli.apply(ctx, tfexec.DirOrPlan("group.tfplan"))
	diagnosticsAre(t, "stale group plan", r.errors(), map[string][]string{
		"error|" + summaryUpdateGroup + "|mesibo_group.g": {"Group", "no longer exists in Mesibo: it was deleted outside " +
			"Terraform after the plan was made", "nothing was changed", "Run terraform apply again: its refresh drops the " +
			"group from state, and it creates the group anew, with a new GID", "memberships whose gid refers to this " +
			"group are then created in the new group", "NOGROUP"},
	})
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply after the stale group plan: %v%s", r.err, r.summary())
	}
	groupsAre("after the stale group plan", []string{"u1", "u2", "u3", "u4"}, []string{"u5"})
	cli.planIsEmpty(ctx)

	// Warnings: d lists 21 members, more than Mesibo lists, and becomes
	// exclusive.
	many := make([]string, 21)
	for i := range many {
		many[i] = strconv.Quote(fmt.Sprintf("m%02d", i+1))
	}
	warned := func(exclusive bool) string {
		return fmt.Sprintf(groups, "g renamed") + `
resource "mesibo_group_membership" "a" {
  gid     = mesibo_group.g.gid
  members = ["u1", "u2", "u3"]
}

resource "mesibo_group_membership" "b" {
  gid        = mesibo_group.g.gid
  members    = ["u6"]
  depends_on = [mesibo_group_membership.a]
}

resource "mesibo_group_membership" "d" {
  gid       = mesibo_group.h.gid
  members   = [` + strings.Join(many, ", ") + `]
  exclusive = ` + strconv.FormatBool(exclusive) + `
}
`
	}
	notChecked := []string{"at least 20 members", "members that are not listed in exclusive mode may remain"}
	write(warned(false))
	r = cli.apply(ctx)
	if r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	diagnosticsAre(t, "apply, additive", r.diags, nil)
	// The plan that makes d exclusive reads the group's members and cannot
	// see them all; so does every refresh from then on.
	write(warned(true))
	diagnosticsAre(t, "plan, becoming exclusive", cli.planDiagnostics(ctx), map[string][]string{
		"warning|" + summaryMembersNotChecked + "|mesibo_group_membership.d": notChecked,
	})
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	diagnosticsAre(t, "plan", cli.planDiagnostics(ctx), map[string][]string{
		"warning|" + summaryMembersNotChecked + "|mesibo_group_membership.d": notChecked,
	})
}

// TestAccGroupMembership_editsAndFailures checks what each change sends to
// Mesibo, that a failed removal leaves state true to what was done, and that
// a group deleted outside Terraform is no error for a refresh or a destroy.
func TestAccGroupMembership_editsAndFailures(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	outside := emu.client(t)
	config := func(members ...string) string { return emu.providerBlock("") + membershipConfig(members, false) }
	isRemoval := func(op string, form url.Values) bool { return op == "groupeditmembers" && form.Get("delete") == "1" }
	// deleteGroupFirst deletes the group just before the first removal of
	// members reaches Mesibo.
	deleteGroupFirst := func() {
		var once sync.Once
		rec.set(func(op string, form url.Values) {
			if isRemoval(op, form) {
				once.Do(func() {
					gid, _ := strconv.ParseInt(form.Get("gid"), 10, 64)
					if err := outside.DeleteGroup(context.Background(), gid); err != nil {
						t.Error(err)
					}
				})
			}
		}, nil)
	}
	var l lastGID
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: recordedProvider(rec),
		Steps: []resource.TestStep{
			{
				Config: config("a", "b", "c"),
				Check:  resource.ComposeAggregateTestCheckFunc(emu.membersAre([]string{"a", "b", "c"}), rec.editsAre("add a,b,c"), l.record),
			},
			{
				// Only the difference is sent.
				PreConfig: rec.reset,
				Config:    config("a", "c", "d"),
				Check:     resource.ComposeAggregateTestCheckFunc(emu.membersAre([]string{"a", "c", "d"}), rec.editsAre("add d", "remove b")),
			},
			{
				// The group is deleted outside Terraform: the refresh drops the
				// membership, and the apply creates both again.
				PreConfig: func() {
					if err := outside.DeleteGroup(context.Background(), l.gid); err != nil {
						t.Fatal(err)
					}
					rec.reset()
				},
				Config: config("a", "c", "d"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(emu.membersAre([]string{"a", "c", "d"}), rec.editsAre("add a,c,d")),
			},
			{
				// Mesibo refuses the removal: the addition is done, and state
				// says so.
				PreConfig: func() {
					rec.reset()
					rec.set(nil, isRemoval)
				},
				Config:      config("a", "e"),
				ExpectError: wrapped(summaryUpdateMember, "Could not remove members from group", "REFUSED"),
			},
			{
				// So going back to the old list removes what was added.
				PreConfig: func() {
					rec.set(nil, nil)
					rec.reset()
				},
				Config: config("a", "c", "d"),
				Check:  resource.ComposeAggregateTestCheckFunc(emu.membersAre([]string{"a", "c", "d"}), rec.editsAre("remove e")),
			},
			{
				// The group is deleted while the membership and the group are
				// being destroyed: neither is an error.
				PreConfig: deleteGroupFirst,
				Config:    emu.providerBlock(""),
				Check: func(*terraform.State) error {
					if groups := emu.Snapshot().Groups; len(groups) != 0 {
						return fmt.Errorf("the emulator still holds %v", groups)
					}
					return nil
				},
			},
		},
	})
}

// TestAccGroupMembership_createAndExclusiveNextToOthers: a membership
// created, or destroyed, after another membership of the group changed in
// the same apply leaves that one's members in the group; an exclusive
// membership next to another is refused by the plan. depends_on makes
// Terraform apply b first.
func TestAccGroupMembership_createAndExclusiveNextToOthers(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	refused := refusedPlans(t, rec)
	step := func(a, b []string, members []string, edits ...string) resource.TestStep {
		return resource.TestStep{
			PreConfig: refused.next,
			Config:    twoMemberships(emu, a, b, "a"),
			Check:     resource.ComposeAggregateTestCheckFunc(emu.membersAre(members), rec.editsAre(edits...)),
		}
	}
	exclusiveStep := func(a, b []string, members []string, edits ...string) resource.TestStep {
		s := step(a, b, members, edits...)
		s.Config = strings.Replace(s.Config, `resource "mesibo_group_membership" "a" {`,
			"resource \"mesibo_group_membership\" \"a\" {\n  exclusive = true", 1)
		s.ExpectError = wrapped(summaryExclusiveShared, "both manage the members of group", "one of the two is exclusive")
		s.PreConfig = refused.refused
		return s
	}
	l := func(s ...string) []string { return s }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: recordedProvider(rec),
		Steps: []resource.TestStep{
			step(l("u1", "u2"), nil, l("u1", "u2"), "add u1,u2"),
			// b is created with u2, then a drops u2.
			step(l("u1"), l("u2"), l("u1", "u2"), "add u2"),
			// An exclusive membership next to another one of its group: the
			// plan fails, and nothing reaches Mesibo.
			exclusiveStep(l("u1"), l("u2", "u3"), l("u1", "u2")),
			// a is destroyed, before b adds u3.
			step(nil, l("u2", "u3"), l("u2", "u3"), "remove u1", "add u3"),
			// a is created exclusive next to b: refused too.
			exclusiveStep(l("u1"), l("u2", "u3"), l("u2", "u3")),
		},
	})
}

// TestAccGroupMembership_replacedUser: replacing a member's user deletes it,
// and userdel takes it out of its groups. With replace_triggered_by, as the
// resource page shows, the membership is replaced too and the same apply
// adds the new user to the group: nothing is left for the next plan.
func TestAccGroupMembership_replacedUser(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	cfg := emu.providerBlock("") + `
resource "mesibo_user" "alice" {
  address = "alice"
  app_id  = "app"
}

resource "mesibo_user" "bob" {
  address = "bob"
  app_id  = "app"
}

# terraform-plugin-testing taints only numbered instances: count, not for_each.
resource "mesibo_user" "agent" {
  count   = 2
  address = "agent${count.index + 1}"
  app_id  = "app"
}

resource "mesibo_group" "test" {
  name = "replaced users"
}

resource "mesibo_group_membership" "test" {
  gid     = mesibo_group.test.gid
  members = [mesibo_user.alice.address, mesibo_user.bob.address]

  lifecycle {
    replace_triggered_by = [mesibo_user.alice.id, mesibo_user.bob.id]
  }
}

resource "mesibo_group_membership" "agents" {
  gid     = mesibo_group.test.gid
  members = [for u in mesibo_user.agent : u.address]

  lifecycle {
    replace_triggered_by = [mesibo_user.agent]
  }
}
`
	all := []string{"agent1", "agent2", "alice", "bob"}
	replaced := func(user, membership string) resource.TestStep {
		return resource.TestStep{
			Config: cfg,
			Taint:  []string{user},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(user, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(membership, plancheck.ResourceActionReplace),
				},
			},
			Check: emu.membersAre(all),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: emu.membersAre(all)},
			replaced("mesibo_user.alice", "mesibo_group_membership.test"),
			replaced("mesibo_user.agent[1]", "mesibo_group_membership.agents"),
			{
				// A change that does not replace a user leaves its membership alone.
				Config: strings.Replace(cfg, `address = "bob"
  app_id  = "app"`, `address = "bob"
  app_id  = "app"
  flag    = 1`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("mesibo_group_membership.test", plancheck.ResourceActionNoop)},
				},
				Check: emu.membersAre(all),
			},
		},
	})
}

package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// TestAccGroupMembership_removesOnlyWhatItDeclared: an exclusive membership
// records the members it finds but does not list as drift, and the apply
// that follows removes them. Every other removal takes away only what the
// membership itself declared at its last apply, whatever state Terraform
// hands the provider: a destroy or a replacement after a refresh that
// recorded drift (which every CLI but Terraform 1.11 hands to Delete, and
// Terraform 1.11 too after apply -refresh-only), turning exclusive off, and
// turning it on, whose removals wait for the plan that shows them.
func TestAccGroupMembership_removesOnlyWhatItDeclared(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	cfg := func(group string, exclusive bool, members ...string) string {
		count := 1
		if members == nil {
			count = 0
		}
		quoted := make([]string, len(members))
		for i, m := range members {
			quoted[i] = strconv.Quote(m)
		}
		return emu.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group" "g" {
  name = "g"
}

resource "mesibo_group" "h" {
  name = "h"
}

resource "mesibo_group_membership" "a" {
  count     = %d
  gid       = mesibo_group.%s.gid
  members   = [%s]
  exclusive = %t
}
`, count, group, strings.Join(quoted, ", "), exclusive)
	}
	// refreshAfter refreshes the state after an app added members outside
	// Terraform: a's state records them as drift.
	refreshAfter := func(added func(), drift string) resource.TestStep {
		return resource.TestStep{
			PreConfig: added, RefreshState: true, ExpectNonEmptyPlan: true,
			Check: resource.TestCheckTypeSetElemAttr("mesibo_group_membership.a.0", "members.*", drift),
		}
	}
	step := func(config string, groups map[string][]string, edits ...string) resource.TestStep {
		return resource.TestStep{
			PreConfig: rec.reset,
			Config:    config,
			Check:     resource.ComposeAggregateTestCheckFunc(emu.groupsHold(groups), rec.editsAre(edits...)),
		}
	}
	const a = "mesibo_group_membership.a[0]"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: recordedProvider(rec),
		Steps: []resource.TestStep{
			step(cfg("g", true, "u1"), map[string][]string{"g": {"u1"}}, "add u1"),
			refreshAfter(func() { emu.mustAddMembers(t, "g", "s1") }, "s1"),
			// Moving to another group replaces the membership: the old one
			// takes away u1, not the s1 it found.
			step(cfg("h", true, "u1"), map[string][]string{"g": {"s1"}, "h": {"u1"}}, "remove u1", "add u1"),
			refreshAfter(func() { emu.mustAddMembers(t, "h", "s2") }, "s2"),
			// Turning exclusive off keeps s2, which the plan, made while it
			// was on, shows as drift.
			step(cfg("h", false, "u1", "u3"), map[string][]string{"h": {"s2", "u1", "u3"}}, "add u3"),
			// Turning it on removes nothing the plan does not show: s2
			// waits for the next plan, which shows it going.
			{
				PreConfig: rec.reset,
				Config:    cfg("h", true, "u1", "u3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(a, plancheck.ResourceActionUpdate),
						membersChange(a, []string{"s2", "u1", "u3"}, []string{"u1", "u3"}),
					},
				},
				ExpectNonEmptyPlan: true,
				Check:              resource.ComposeAggregateTestCheckFunc(emu.groupsHold(map[string][]string{"h": {"s2", "u1", "u3"}}), rec.editsAre()),
			},
			step(cfg("h", true, "u1", "u3"), map[string][]string{"h": {"u1", "u3"}}, "remove s2"),
			// Destroying it after a refresh that recorded s3 takes away
			// only u1 and u3.
			refreshAfter(func() { emu.mustAddMembers(t, "h", "s3") }, "s3"),
			step(cfg("h", true), map[string][]string{"g": {"s1"}, "h": {"s3"}}, "remove u1,u3"),
		},
	})
}

// membersChange checks that the plan changes the members of the resource at
// address from before to after.
func membersChange(address string, before, after []string) plancheck.PlanCheck {
	return membersChangeCheck{address: address, before: before, after: after}
}

type membersChangeCheck struct {
	address       string
	before, after []string
}

func (c membersChangeCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		before, after := memberStrings(rc.Change.Before), memberStrings(rc.Change.After)
		if !slices.Equal(before, c.before) || !slices.Equal(after, c.after) {
			resp.Error = fmt.Errorf("%s: members planned from %v to %v, want from %v to %v", c.address, before, after, c.before, c.after)
		}
		return
	}
	resp.Error = fmt.Errorf("%s: not in the plan", c.address)
}

// memberStrings returns the sorted members of a planned object.
func memberStrings(object any) []string {
	m, _ := object.(map[string]any)
	list, _ := m["members"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// TestAccGroupMembership_exclusiveNamesWhatItRemovesLater drives the CLI to
// see the warnings: the plan that creates an exclusive membership of a group
// that has other members, or turns exclusive on, names them and says that
// its apply leaves them; the next plan shows them as drift, and its apply
// removes them.
func TestAccGroupMembership_exclusiveNamesWhatItRemovesLater(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	created, switched := e.mustAddGroup(t, "created", "s1", "s2"), e.mustAddGroup(t, "switched", "t1")
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	write := func(switchedExclusive bool) {
		cli.writeConfig(requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid       = %d
  members   = ["u1"]
  exclusive = true
}

resource "mesibo_group_membership" "b" {
  gid       = %d
  members   = ["v1"]
  exclusive = %t
}
`, created, switched, switchedExclusive))
	}
	apply := func(step string, groups map[string][]string) {
		t.Helper()
		if r := cli.apply(ctx); r.err != nil {
			t.Fatalf("%s: %v%s", step, r.err, r.summary())
		}
		if err := e.groupsHold(groups)(nil); err != nil {
			t.Errorf("%s: %v", step, err)
		}
	}
	later := func(gid int64, quoted string) []string {
		return []string{fmt.Sprintf("This exclusive membership of group %d owns the group's whole member list. "+
			"It does not list %s, which group %d has now.", gid, quoted, gid),
			"This apply adds the listed members and removes no other: the next plan shows the members that are not " +
				"listed as drift, and its apply removes them."}
	}

	write(false)
	cli.init(ctx)
	diagnosticsAre(t, "plan creating an exclusive membership", cli.planDiagnostics(ctx), map[string][]string{
		"warning|" + summaryExclusiveRemovesLater + "|mesibo_group_membership.a": later(created, `addresses "s1", "s2"`),
	})
	apply("creating the memberships", map[string][]string{"created": {"s1", "s2", "u1"}, "switched": {"t1", "v1"}})
	// The next plan shows s1 and s2 as drift, without a warning.
	diagnosticsAre(t, "plan after creating", cli.planDiagnostics(ctx), nil)
	apply("removing the drift", map[string][]string{"created": {"u1"}, "switched": {"t1", "v1"}})
	cli.planIsEmpty(ctx)

	write(true)
	diagnosticsAre(t, "plan turning exclusive on", cli.planDiagnostics(ctx), map[string][]string{
		"warning|" + summaryExclusiveRemovesLater + "|mesibo_group_membership.b": later(switched, `address "t1"`),
	})
	apply("turning exclusive on", map[string][]string{"created": {"u1"}, "switched": {"t1", "v1"}})
	apply("removing the drift", map[string][]string{"created": {"u1"}, "switched": {"v1"}})
	cli.planIsEmpty(ctx)
}

// TestAccGroupMembership_exclusiveAfterImport: an imported membership holds
// every member the group had, so the plan that makes it exclusive with a
// shorter list shows the others as removed, and its apply removes them; the
// warning names only members the plan does not show, here none.
func TestAccGroupMembership_exclusiveAfterImport(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	name := "imported"
	gid := e.mustAddGroup(t, name, "u1", "x1", "x2")
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	write := func(exclusive bool, extra string) {
		cli.writeConfig(requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid       = %d
  members   = ["u1"]
  exclusive = %t
}
%s`, gid, exclusive, extra))
	}
	write(true, fmt.Sprintf("\nimport {\n  to = mesibo_group_membership.a\n  id = \"%d\"\n}\n", gid))
	cli.init(ctx)
	diagnosticsAre(t, "plan importing it exclusive", cli.planDiagnostics(ctx), nil)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{name: {"u1"}})(nil); err != nil {
		t.Error(err)
	}
	cli.planIsEmpty(ctx)
}

// TestAccGroupMembership_updateClearsRecordedDrift: the apply that removes
// the drift an exclusive membership's refresh recorded leaves a state and a
// declaration that hold only what the configuration lists. The commands that
// follow run with -refresh=false, so that no refresh can mend what the
// Update left: when an app adds the removed member back, an apply of the
// same configuration changes nothing, and a destroy takes away only the
// listed members.
func TestAccGroupMembership_updateClearsRecordedDrift(t *testing.T) {
	testAccGate(t)
	e := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	cli := newTFCLI(t, func() *mesiboProvider {
		return testProvider(func(c *mesibo.Config) {
			fastRetries(c)
			c.HTTPClient = &http.Client{Transport: rec}
		})
	})
	ctx := context.Background()
	// The group is the app's, so that the destroy leaves it to be looked at.
	gid := e.mustAddGroup(t, "g")
	cfg := func(members ...string) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid       = %d
  members   = [%s]
  exclusive = true
}
`, gid, hclStrings(members...))
	}
	run := func(step string, r cliResult, groups map[string][]string, edits ...string) {
		t.Helper()
		if r.err != nil {
			t.Fatalf("%s: %v%s", step, r.err, r.summary())
		}
		if err := e.groupsHold(groups)(nil); err != nil {
			t.Errorf("%s: %v", step, err)
		}
		if err := rec.editsAre(edits...)(nil); err != nil {
			t.Errorf("%s: %v", step, err)
		}
		rec.reset()
	}
	cli.writeConfig(cfg("u1"))
	cli.init(ctx)
	run("create", cli.apply(ctx), map[string][]string{"g": {"u1"}}, "add u1")

	// An app adds s1; a refresh records it as drift.
	e.mustAddMembers(t, "g", "s1")
	run("refresh", cli.apply(ctx, tfexec.RefreshOnly(true)), map[string][]string{"g": {"s1", "u1"}})
	if got := memberStrings(cli.state().managed("mesibo_group_membership")[0]); !slices.Equal(got, []string{"s1", "u1"}) {
		t.Fatalf("after the refresh, the state holds members %v, want the drift s1 recorded", got)
	}

	// The Update adds u2 and removes the drift.
	cli.writeConfig(cfg("u1", "u2"))
	run("update", cli.apply(ctx), map[string][]string{"g": {"u1", "u2"}}, "add u2", "remove s1")

	// The app adds s1 back, and nothing refreshes.
	e.mustAddMembers(t, "g", "s1")
	rec.reset()
	run("apply -refresh=false", cli.apply(ctx, tfexec.Refresh(false)), map[string][]string{"g": {"s1", "u1", "u2"}})
	run("destroy -refresh=false", cli.destroy(ctx, tfexec.Refresh(false)), map[string][]string{"g": {"s1"}}, "remove u1,u2")
}

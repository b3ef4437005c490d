package provider

import (
	"context"
	"net/url"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// TestAccGroupMembership_refusedCalls: a refresh, a create or a destroy of a
// membership whose call Mesibo refuses is an error that names the group and
// ends with Mesibo's answer; what was done stays done, and the next apply
// finishes the rest. A membership with no members is destroyed without a call.
func TestAccGroupMembership_refusedCalls(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	outside := emu.client(t)
	config := func(members []string, exclusive bool) string {
		return emu.providerBlock("max_retries = 1") + membershipConfig(members, exclusive)
	}
	refuseAfterPlan := func(ops ...string) plancheck.PlanCheck {
		return userPlanCheckFunc(func() { rec.set(nil, refuseOps(ops...)) })
	}
	isRemoval := func(op string, form url.Values) bool { return op == "groupeditmembers" && form.Get("delete") == "1" }
	refuseRemovalsAfterPlan := userPlanCheckFunc(func() { rec.set(nil, isRemoval) })
	healed := func() {
		rec.set(nil, nil)
		rec.reset()
	}
	l := func(s ...string) []string { return s }
	var group lastGID
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		Steps: []resource.TestStep{
			{
				Config: config(l("a", "b"), false),
				Check:  resource.ComposeAggregateTestCheckFunc(emu.membersAre(l("a", "b")), group.record),
			},
			{
				// The refresh cannot list the members. (The group's own refresh,
				// which asks for one member, is answered.)
				PreConfig: func() {
					rec.set(nil, func(op string, form url.Values) bool {
						return op == "groupgetmembers" && form.Get("count") != "1"
					})
				},
				Config:      config(l("a", "b"), false),
				ExpectError: wrapped(summaryReadMember, "Could not read the members of group", "mesibo groupgetmembers failed: REFUSED"),
			},
			{
				// Destroying the membership: the removal is refused, so the
				// members and the membership's state stay.
				PreConfig:   func() { rec.set(nil, isRemoval) },
				Config:      config(nil, false),
				ExpectError: wrapped(summaryDeleteMember, "Could not remove members from group", "mesibo groupeditmembers failed: REFUSED"),
			},
			{
				PreConfig: healed,
				Config:    config(nil, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionDestroy)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(emu.membersAre(nil), rec.editsAre("remove a,b")),
			},
			{
				// An exclusive membership is created in a group that has a
				// member it does not list; adding the listed ones fails
				// after the plan: nothing changes.
				PreConfig: func() {
					if err := outside.AddGroupMembers(context.Background(), group.gid, []string{"x"}); err != nil {
						t.Fatal(err)
					}
					rec.reset()
				},
				Config: config(l("a", "b"), true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{refuseAfterPlan("groupeditmembers")},
				},
				ExpectError: wrapped(summaryCreateMember, "Could not add members to group", "mesibo groupeditmembers failed: REFUSED"),
			},
			{
				// The membership was not recorded: the next apply creates it,
				// and leaves the unlisted member to the plan after it.
				PreConfig: func() {
					if err := emu.membersAre(l("x"))(nil); err != nil {
						t.Error(err)
					}
					healed()
				},
				Config: config(l("a", "b"), true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionCreate)},
				},
				ExpectNonEmptyPlan: true,
				Check:              resource.ComposeAggregateTestCheckFunc(emu.membersAre(l("a", "b", "x")), rec.editsAre("add a,b")),
			},
			{
				// Removing the unlisted member, which the plan shows, fails.
				PreConfig: rec.reset,
				Config:    config(l("a", "b"), true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{refuseRemovalsAfterPlan},
				},
				ExpectError: wrapped(summaryUpdateMember, "Could not remove members from group", "mesibo groupeditmembers failed: REFUSED"),
			},
			{
				PreConfig: func() {
					if err := emu.membersAre(l("a", "b", "x"))(nil); err != nil {
						t.Error(err)
					}
					healed()
				},
				Config: config(l("a", "b"), true),
				Check:  resource.ComposeAggregateTestCheckFunc(emu.membersAre(l("a", "b")), rec.editsAre("remove x")),
			},
			{
				PreConfig: rec.reset,
				Config:    config([]string{}, true),
				Check:     resource.ComposeAggregateTestCheckFunc(emu.membersAre(nil), rec.editsAre("remove a,b")),
			},
			{
				// A membership with no members is destroyed without a call.
				PreConfig: rec.reset,
				Config:    config(nil, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(membershipRes, plancheck.ResourceActionDestroy)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(emu.membersAre(nil), rec.editsAre()),
			},
		},
	})
}

package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// TestAccGroup_refusedCalls: a refresh, an update or a delete that Mesibo
// refuses is an error that names the group and ends with Mesibo's answer; it
// changes neither the group nor its state, so the next apply does it.
func TestAccGroup_refusedCalls(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	const res = "mesibo_group.test"
	config := func(name string) string {
		return e.providerBlock("max_retries = 1") + groupConfig(fmt.Sprintf("name = %q", name))
	}
	groupIs := func(name string) func(*terraform.State) error {
		return func(*terraform.State) error {
			groups := e.Snapshot().Groups
			if len(groups) != 1 || groups[0].Name != name {
				return fmt.Errorf("Mesibo holds groups %+v, want one named %q", groups, name)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		CheckDestroy: func(*terraform.State) error {
			if groups := e.Snapshot().Groups; len(groups) != 0 {
				return fmt.Errorf("Mesibo still holds groups %+v", groups)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: config("support"), Check: groupIs("support")},
			{
				PreConfig: func() { rec.set(nil, refuseOps("groupgetmembers")) },
				Config:    config("support"),
				ExpectError: wrapped(summaryReadGroup, "Could not check that group", "exists.",
					"Mesibo refused the request", "mesibo groupgetmembers failed: REFUSED"),
			},
			{
				PreConfig:   func() { rec.set(nil, refuseOps("groupset")) },
				Config:      config("help desk"),
				ExpectError: wrapped(summaryUpdateGroup, "Could not change group", "mesibo groupset failed: REFUSED"),
			},
			{
				// The rename was not recorded: the next apply makes it.
				PreConfig: func() {
					rec.set(nil, nil)
					if err := groupIs("support")(nil); err != nil {
						t.Error(err)
					}
				},
				Config: config("help desk"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				Check: groupIs("help desk"),
			},
			{
				PreConfig:   func() { rec.set(nil, refuseOps("groupdel")) },
				Config:      config("help desk"),
				Destroy:     true,
				ExpectError: wrapped(summaryDeleteGroup, "Could not delete group", "mesibo groupdel failed: REFUSED"),
			},
			{
				// The group and its state stay; the destroy at the end of the
				// test deletes it.
				PreConfig: func() { rec.set(nil, nil) },
				Config:    config("help desk"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionNoop)},
				},
				Check: groupIs("help desk"),
			},
		},
	})
}

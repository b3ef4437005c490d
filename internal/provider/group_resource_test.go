package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

func groupConfig(body string) string {
	return fmt.Sprintf(`
resource "mesibo_group" "test" {
  %s
}
`, body)
}

func TestAccGroup_lifecycle(t *testing.T) {
	res := "mesibo_group.test"
	name := uniquePrefix() + " ops"
	sameGID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: groupConfig(fmt.Sprintf("name = %q", name)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("flag"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("expiry_seconds"), knownvalue.Int64Exact(31536000)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("expiry_extension_seconds"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("active"), knownvalue.Bool(true)),
					sameGID.AddStateValue(res, tfjsonpath.New("gid")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(res, "id", res, "gid"),
					checkGroupExists(t, res),
				),
			},
			{
				Config: groupConfig(fmt.Sprintf(`
  name                     = %q
  flag                     = 2
  expiry_seconds           = 86400
  expiry_extension_seconds = 3600
  active                   = false`, name+" renamed")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameGID.AddStateValue(res, tfjsonpath.New("gid")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("flag"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("active"), knownvalue.Bool(false)),
				},
			},
			{
				// The API cannot read a group's attributes back: import gives the
				// GID, and the attributes stay for the next apply to set.
				ResourceName:            res,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"name", "flag", "expiry_seconds", "expiry_extension_seconds", "active"},
			},
		},
	})
}

// TestAccGroup_attributesReachMesibo checks, inside the emulator, that what
// the configuration says is what groupadd and groupset sent, including a
// name removed from the configuration.
func TestAccGroup_attributesReachMesibo(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	res := "mesibo_group.test"
	groupIs := func(want emulator.StateGroup) func(*terraform.State) error {
		return func(s *terraform.State) error {
			groups := emu.Snapshot().Groups
			if len(groups) != 1 {
				return fmt.Errorf("the emulator holds %d groups, want 1", len(groups))
			}
			got := groups[0]
			got.Members, want.GID = nil, got.GID
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("group in Mesibo is %+v, want %+v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: emu.providerBlock("") + groupConfig(`
  name = "support"
  flag = 2`),
				Check: groupIs(emulator.StateGroup{Name: "support", Flag: 2, Expiry: 31536000, ExpiryExt: 0, Active: true}),
			},
			{
				Config: emu.providerBlock("") + groupConfig(`
  expiry_seconds           = 600
  expiry_extension_seconds = 60
  active                   = false`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				Check: groupIs(emulator.StateGroup{Name: "", Flag: 0, Expiry: 600, ExpiryExt: 60, Active: false}),
			},
		},
	})
}

// A group deleted outside Terraform is created anew by the next apply. When
// it is deleted after a plan that changes it (a saved plan gone stale), the
// apply fails saying so, changes nothing, and the apply after that creates
// the group again.
func TestAccGroup_deletedOutsideTerraform(t *testing.T) {
	res := "mesibo_group.test"
	differentGID := statecheck.CompareValue(compare.ValuesDiffer())
	var gid int64
	recordGID := func(s *terraform.State) error {
		var err error
		gid, err = strconv.ParseInt(s.RootModule().Resources[res].Primary.ID, 10, 64)
		return err
	}
	deleteGroup := func() {
		if err := testAccClient(t).DeleteGroup(context.Background(), gid); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            groupConfig(`name = "gone soon"`),
				ConfigStateChecks: []statecheck.StateCheck{differentGID.AddStateValue(res, tfjsonpath.New("gid"))},
				Check:             recordGID,
			},
			{
				PreConfig: deleteGroup,
				Config:    groupConfig(`name = "gone soon"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{differentGID.AddStateValue(res, tfjsonpath.New("gid"))},
				Check:             recordGID,
			},
			{
				// Planned as a rename; the group is deleted before the apply.
				Config: groupConfig(`name = "renamed"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						userPlanCheckFunc(deleteGroup),
					},
				},
				ExpectError: wrapped(summaryUpdateGroup, "Group", "no longer exists in Mesibo: it was deleted outside "+
					"Terraform after the plan was made", "nothing was changed", "Run terraform apply again"),
			},
			{
				Config: groupConfig(`name = "renamed"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					differentGID.AddStateValue(res, tfjsonpath.New("gid")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("name"), knownvalue.StringExact("renamed")),
				},
			},
		},
	})
}

func TestAccGroup_importErrors(t *testing.T) {
	steps := []resource.TestStep{}
	for _, id := range []string{"abc", "0", "-5", "12x"} {
		steps = append(steps, resource.TestStep{
			Config:        groupConfig(`name = "x"`),
			ResourceName:  "mesibo_group.test",
			ImportState:   true,
			ImportStateId: id,
			ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*GID, a positive whole number`),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:        groupConfig(`name = "x"`),
		ResourceName:  "mesibo_group.test",
		ImportState:   true,
		ImportStateId: "987654321",
		ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
	})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

func checkGroupExists(t *testing.T, res string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		gid, err := strconv.ParseInt(s.RootModule().Resources[res].Primary.ID, 10, 64)
		if err != nil {
			return err
		}
		_, err = testAccClient(t).GetGroupMembers(context.Background(), gid, 1)
		return err
	}
}

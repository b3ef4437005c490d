package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

const groupMembersData = "data.mesibo_group_members.test"

// TestAccGroupMembersDataSource: the members of a group, users with their
// uid and other addresses without one.
func TestAccGroupMembersDataSource(t *testing.T) {
	p := uniquePrefix()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "mesibo_user" "agent" {
  address = "%[1]s-agent"
  app_id  = "com.example.chat"
}

resource "mesibo_group" "test" {
  name = "members data source"
}

resource "mesibo_group_membership" "test" {
  gid     = mesibo_group.test.gid
  members = [mesibo_user.agent.address]
}

resource "mesibo_group" "empty" {
  name = "no members"
}

data "mesibo_group_members" "test" {
  gid = mesibo_group_membership.test.gid
}

data "mesibo_group_members" "empty" {
  gid = mesibo_group.empty.gid
}
`, p),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(groupMembersData, tfjsonpath.New("members"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"uid":     knownvalue.NotNull(),
							"address": knownvalue.StringExact(p + "-agent"),
						}),
					})),
					statecheck.CompareValuePairs(groupMembersData, tfjsonpath.New("members").AtSliceIndex(0).AtMapKey("uid"),
						"mesibo_user.agent", tfjsonpath.New("uid"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(groupMembersData, tfjsonpath.New("truncated"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.mesibo_group_members.empty", tfjsonpath.New("members"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.mesibo_group_members.empty", tfjsonpath.New("truncated"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

// TestAccGroupMembersDataSource_truncated: Mesibo lists at most 20 members,
// so 20 or more may be an incomplete list; 19 is certainly complete.
func TestAccGroupMembersDataSource_truncated(t *testing.T) {
	for _, n := range []int{19, 20, 21} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{})
			members := addresses("member", 1, n)
			quoted := make([]string, n)
			for i, m := range members {
				quoted[i] = strconv.Quote(m)
			}
			listed := make([]knownvalue.Check, min(n, 20))
			for i := range listed {
				// Addresses that are not users' have no uid.
				listed[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
					"uid": knownvalue.Null(), "address": knownvalue.StringExact(members[i]),
				})
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group" "test" {}

resource "mesibo_group_membership" "test" {
  gid     = mesibo_group.test.gid
  members = [%s]
}

data "mesibo_group_members" "test" {
  gid = mesibo_group_membership.test.gid
}
`, strings.Join(quoted, ", ")),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(groupMembersData, tfjsonpath.New("members"), knownvalue.ListExact(listed)),
						statecheck.ExpectKnownValue(groupMembersData, tfjsonpath.New("truncated"), knownvalue.Bool(n >= 20)),
					},
				}},
			})
		})
	}
}

// TestAccGroupMembersDataSource_unknownGroup: a group that does not exist is
// an error that names it.
func TestAccGroupMembersDataSource_unknownGroup(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
data "mesibo_group_members" "test" {
  gid = 987654321
}
`,
			ExpectError: wrapped("Mesibo Group Not Found", "No Mesibo group has the GID 987654321"),
		}},
	})
}

// TestAccGroupMembersDataSource_refusedListing: a listing that Mesibo refuses
// is an error that names the group and ends with Mesibo's answer, not a "not
// found".
func TestAccGroupMembersDataSource_refusedListing(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		Steps: []resource.TestStep{{
			PreConfig: func() { rec.set(nil, refuseOps("groupgetmembers")) },
			Config: e.providerBlock("max_retries = 1") + `
data "mesibo_group_members" "test" {
  gid = 987654321
}
`,
			ExpectError: wrapped(summaryReadGroupMembers, "Could not list the members of group 987654321.",
				"Mesibo refused the request", "mesibo groupgetmembers failed: REFUSED"),
		}},
	})
}

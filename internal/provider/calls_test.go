package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// TestAccCalls_noWastedCalls counts, inside the emulator, the API calls each
// Terraform operation makes: creating a user is at most the lookup, useradd
// and one userset; a refresh is one call per resource; an apply with nothing
// to change writes nothing.
func TestAccCalls_noWastedCalls(t *testing.T) {
	emu := newTestEmulator(t, emulator.Options{})
	cfg := emu.providerBlock("") + `
resource "mesibo_user" "flagged" {
  address = "flagged"
  app_id  = "app"
  flag    = 2
}
resource "mesibo_user" "plain" {
  address = "plain"
  app_id  = "app"
}
resource "mesibo_group" "g" {
  name = "g"
}
resource "mesibo_group_membership" "m" {
  gid     = mesibo_group.g.gid
  members = [mesibo_user.flagged.address, mesibo_user.plain.address]
}
`
	var before emulator.Stats
	mark := func() { before = emu.Stats() }
	expectDelta := func(want map[string]int) func(*terraform.State) error { return emu.apiCallsSince(&before, want) }
	oneRefresh := map[string]int{"usersget": 2, "groupgetmembers": 2}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: mark,
				Config:    cfg,
				// Per user: the lookup and useradd; userset only for the flag.
				// The group: groupadd; the membership: one groupeditmembers.
				Check: expectDelta(map[string]int{"usersget": 2, "useradd": 2, "userset": 1, "groupadd": 1, "groupeditmembers": 1}),
			},
			{
				PreConfig: mark,
				Config:    cfg,
				Check:     expectDelta(oneRefresh),
			},
			{
				PreConfig:    mark,
				RefreshState: true,
				Check:        expectDelta(oneRefresh),
			},
		},
	})
}

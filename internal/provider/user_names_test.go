package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

const namedUsersConfig = `
data "mesibo_user" "named" {
  address = "named@example.com"
}
data "mesibo_users" "all" {
  address = "named@*"
}
`

// TestAccUserDataSources_name: both data sources show the name Mesibo
// answers, in both formats, and null where Mesibo answers none.
func TestAccUserDataSources_name(t *testing.T) {
	for _, format := range requestFormats {
		for _, omit := range []bool{false, true} {
			name := string(format)
			if omit {
				name += "/names-not-reported"
			}
			t.Run(name, func(t *testing.T) {
				e := newTestEmulator(t, emulator.Options{OmitUserNames: omit}).inFormat(format)
				display := "Named Person"
				if _, err := e.client(t).AddUser(context.Background(), mesibo.AddUserRequest{
					Address: "named@example.com", AppID: "app", Name: &display}); err != nil {
					t.Fatal(err)
				}
				var want knownvalue.Check = knownvalue.StringExact(display)
				if omit {
					want = knownvalue.Null()
				}
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					Steps: []resource.TestStep{{
						Config: e.providerBlock("") + namedUsersConfig,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("data.mesibo_user.named", tfjsonpath.New("name"), want),
							statecheck.ExpectKnownValue("data.mesibo_users.all", tfjsonpath.New("users").AtSliceIndex(0).AtMapKey("name"), want),
						},
					}},
				})
			})
		}
	}
}

// TestOneRowPerUser: a user with rows for several app IDs is listed once,
// by its first row, in its place; other users are untouched.
func TestOneRowPerUser(t *testing.T) {
	users := []mesibo.User{
		{UID: 1, Address: "a", AppID: "app1"}, {UID: 2, Address: "b", AppID: "app1"},
		{UID: 1, Address: "a", AppID: "app2"}, {UID: 3, Address: "A", AppID: "app1"}, {UID: 2, Address: "b", AppID: "app3"},
	}
	got := oneRowPerUser(users)
	want := []mesibo.User{users[0], users[1], users[3]}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Address != want[i].Address || got[i].AppID != want[i].AppID {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

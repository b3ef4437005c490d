package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// A refresh takes into state what Mesibo reports about a user: a flag,
// active setting or app_id changed outside Terraform shows in the plan, and
// apply sets it back (a new app_id with a new access token, as any app_id
// change). Without such a change the plan is empty.
func TestAccUser_refreshSeesChangesOutsideTerraform(t *testing.T) {
	e := newUserEmulator(t)
	const address = "refreshed@example.com"
	const res = "mesibo_user.test"
	config := e.providerBlock("") + userConfig(address, `app_id = "com.example.chat"
  flag   = 3`)
	var token string
	configured := func(u *emulator.StateUser) error {
		if u.Flag != 3 || !u.Active || u.AppID != "com.example.chat" {
			return fmt.Errorf("Mesibo has flag %d, active %v, app_id %q; want 3, true, com.example.chat", u.Flag, u.Active, u.AppID)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: e.expectUser(res, address, func(u *emulator.StateUser) error {
					token = u.Token
					return configured(u)
				}),
			},
			{
				// Nothing changed: the refresh keeps the state, and the plan is empty.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				PreConfig: func() {
					flag, active := int64(5), false
					u := e.user(address)
					if err := e.client.SetUser(context.Background(), mesibo.SetUserRequest{UID: u.UID, Flag: &flag, Active: &active}); err != nil {
						t.Fatalf("changing the user outside Terraform: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("flag"), knownvalue.Int64Exact(3)),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("active"), knownvalue.Bool(true)),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.NotNull()),
					},
				},
				Check: e.expectUser(res, address, func(u *emulator.StateUser) error {
					if u.Token != token {
						return fmt.Errorf("setting flag and active back issued a new access token")
					}
					return configured(u)
				}),
			},
			{
				PreConfig: func() {
					mustAddUsers(e.t, e.client, mesibo.AddUserRequest{Address: address, AppID: "com.example.other"})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("app_id"), knownvalue.StringExact("com.example.chat")),
						plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("app_id"), knownvalue.StringExact("com.example.chat")),
				},
				Check: e.expectUser(res, address, configured),
			},
		},
	})
}

// TestAccUser_replacedOutsideTerraformWarns: the refresh that finds a user
// replaced outside Terraform (see TestAccUser_replacedOutsideTerraform for
// what the apply then does) says so with a warning on the resource that
// names both UIDs, and changes nothing in Mesibo: the new user is not
// Terraform's.
func TestAccUser_replacedOutsideTerraformWarns(t *testing.T) {
	testAccGate(t)
	e := newUserEmulator(t)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	ctx := context.Background()
	const address = "replaced@example.com"
	cli.writeConfig(requiredProviders + e.providerBlock("") + userConfig(address, `app_id = "com.example.chat"`))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	old := e.user(address)
	e.mustDeleteUser(address)
	replacement := mustAddUsers(e.t, e.client, mesibo.AddUserRequest{Address: address, AppID: "com.example.other"})[address]
	if replacement.UID == old.UID {
		t.Fatalf("the new user has the old UID %d", old.UID)
	}
	before := e.Stats()

	r := cli.plan(ctx)
	var replaced []uiDiagnostic
	for _, d := range r.warnings() {
		if d.Summary == summaryUserReplaced {
			replaced = append(replaced, d)
		}
	}
	want := fmt.Sprintf("Address %q now belongs to UID %d, not UID %d as Terraform recorded.", address, replacement.UID, old.UID)
	if len(replaced) != 1 || replaced[0].Address != "mesibo_user.test" || !strings.Contains(replaced[0].Detail, want) {
		t.Fatalf("want one warning %q on mesibo_user.test saying %q, got: %v", summaryUserReplaced, want, r.diags)
	}
	noChanges(t, "the plan", e.testEmulator, before)
	if u := e.user(address); u == nil || u.UID != replacement.UID || u.AppID != "com.example.other" {
		t.Errorf("the new user is now %+v, want it untouched (UID %d, app com.example.other)", u, replacement.UID)
	}
}

package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

func userConfig(address, body string) string {
	return fmt.Sprintf(`
resource "mesibo_user" "test" {
  address = %q
  %s
}
`, address, body)
}

func TestAccUser_lifecycle(t *testing.T) {
	address := uniquePrefix() + "-alice@example.com"
	res := "mesibo_user.test"
	sameToken := statecheck.CompareValue(compare.ValuesSame())
	sameUID := statecheck.CompareValue(compare.ValuesSame())
	newToken := statecheck.CompareValue(compare.ValuesDiffer())

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: userConfig(address, `app_id = "com.example.chat"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("address"), knownvalue.StringExact(address)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("uid"), knownvalue.Int64Func(func(v int64) error {
						if v <= 0 {
							return fmt.Errorf("uid %d is not positive", v)
						}
						return nil
					})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("token_expiry_minutes"), knownvalue.Int64Exact(525600)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("flag"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("max_groups"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.NotNull()),
					statecheck.ExpectSensitiveValue(res, tfjsonpath.New("access_token")),
					sameToken.AddStateValue(res, tfjsonpath.New("access_token")),
					sameUID.AddStateValue(res, tfjsonpath.New("uid")),
					newToken.AddStateValue(res, tfjsonpath.New("access_token")),
				},
			},
			{
				// flag and active change in place with userset: same token, and the
				// plan shows the token as known.
				Config: userConfig(address, `
  app_id = "com.example.chat"
  flag   = 3
  active = false`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.NotNull()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("flag"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("active"), knownvalue.Bool(false)),
					sameToken.AddStateValue(res, tfjsonpath.New("access_token")),
					sameUID.AddStateValue(res, tfjsonpath.New("uid")),
				},
				Check: checkUserInMesibo(t, address, func(u *mesibo.User) error {
					if u.Flag == nil || *u.Flag != 3 || u.Active == nil || *u.Active {
						return fmt.Errorf("Mesibo has flag %v active %v, want 3 and false", deref(u.Flag), deref(u.Active))
					}
					return nil
				}),
			},
			{
				// app_id changes issue a new token in place, keeping the uid.
				Config: userConfig(address, `
  app_id = "com.example.chat.v2"
  flag   = 3
  active = false`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					newToken.AddStateValue(res, tfjsonpath.New("access_token")),
					sameUID.AddStateValue(res, tfjsonpath.New("uid")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("app_id"), knownvalue.StringExact("com.example.chat.v2")),
				},
			},
			{
				// So do token_expiry_minutes, max_groups and the rotation triggers.
				Config: userConfig(address, `
  app_id               = "com.example.chat.v2"
  flag                 = 3
  active               = false
  token_expiry_minutes = 60
  max_groups           = 5
  token_rotation_triggers = {
    rotated = "2026-11"
  }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					newToken.AddStateValue(res, tfjsonpath.New("access_token")),
					sameUID.AddStateValue(res, tfjsonpath.New("uid")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("max_groups"), knownvalue.Int64Exact(5)),
				},
			},
			{
				ResourceName:      res,
				ImportState:       true,
				ImportStateId:     address,
				ImportStateVerify: true,
				// Mesibo cannot give back the token or the settings that only
				// useradd takes; everything it can give back must match.
				ImportStateVerifyIgnore: []string{"access_token", "token_expiry_minutes", "max_groups", "token_rotation_triggers"},
			},
		},
	})
}

func TestAccUser_replaceOnAddressChange(t *testing.T) {
	prefix := uniquePrefix()
	res := "mesibo_user.test"
	differentUID := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            userConfig(prefix+"-old", `app_id = "app"`),
				ConfigStateChecks: []statecheck.StateCheck{differentUID.AddStateValue(res, tfjsonpath.New("uid"))},
			},
			{
				Config: userConfig(prefix+"-new", `app_id = "app"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{differentUID.AddStateValue(res, tfjsonpath.New("uid"))},
				Check: func(*terraform.State) error {
					if _, err := testAccClient(t).FindUser(context.Background(), prefix+"-old"); err == nil {
						return fmt.Errorf("the old user %s-old still exists after replacement", prefix)
					}
					return nil
				},
			},
		},
	})
}

func TestAccUser_deletedOutsideTerraform(t *testing.T) {
	address := uniquePrefix() + "-bob"
	res := "mesibo_user.test"
	differentUID := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            userConfig(address, `app_id = "app"`),
				ConfigStateChecks: []statecheck.StateCheck{differentUID.AddStateValue(res, tfjsonpath.New("uid"))},
			},
			{
				// Someone deletes the user; the refresh notices and apply creates it again.
				PreConfig: func() { deleteUserOutside(t, address) },
				Config:    userConfig(address, `app_id = "app"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{differentUID.AddStateValue(res, tfjsonpath.New("uid"))},
			},
		},
	})
}

func TestAccUser_refusesToAdoptExistingAddress(t *testing.T) {
	address := uniquePrefix() + "-carol"
	c := testAccClient(t)
	existing, err := c.AddUser(context.Background(), mesibo.AddUserRequest{Address: address, AppID: "other-app"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteUser(context.Background(), existing.UID) })

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      userConfig(address, `app_id = "app"`),
				ExpectError: regexp.MustCompile(`(?s)Mesibo User Already Exists.*terraform import mesibo_user\.<name>`),
			},
		},
	})
	// The existing user was left alone: same uid, its token not replaced by
	// one the provider asked for (AppID unchanged).
	u, err := c.FindUser(context.Background(), address)
	if err != nil {
		t.Fatalf("the existing user is gone: %v", err)
	}
	if u.UID != existing.UID || (u.AppID != "" && u.AppID != "other-app") {
		t.Errorf("the existing user was changed: uid %d app %q, want uid %d app other-app", u.UID, u.AppID, existing.UID)
	}
}

func TestAccUser_importUnknownAddress(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:        userConfig(uniquePrefix()+"-nobody", `app_id = "app"`),
				ResourceName:  "mesibo_user.test",
				ImportState:   true,
				ImportStateId: uniquePrefix() + "-nobody",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
			{
				Config:        userConfig("x", `app_id = "app"`),
				ResourceName:  "mesibo_user.test",
				ImportState:   true,
				ImportStateId: "a*b",
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*wildcard`),
			},
		},
	})
}

// checkUserInMesibo looks the user up with the API and applies check.
func checkUserInMesibo(t *testing.T, address string, check func(*mesibo.User) error) func(*terraform.State) error {
	return func(*terraform.State) error {
		u, err := testAccClient(t).FindUser(context.Background(), address)
		if err != nil {
			return err
		}
		return check(u)
	}
}

func deleteUserOutside(t *testing.T, address string) {
	t.Helper()
	c := testAccClient(t)
	u, err := c.FindUser(context.Background(), address)
	if err != nil {
		t.Fatalf("looking up %s: %v", address, err)
	}
	if err := c.DeleteUser(context.Background(), u.UID); err != nil {
		t.Fatalf("deleting %s: %v", address, err)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
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
				PreConfig: func() { mustDeleteUser(t, testAccClient(t), address) },
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
	testAccGate(t)
	address := uniquePrefix() + "-carol"
	var existing *mesibo.User
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { existing = mustAddUsers(t, testAccClient(t), appUsers("other-app", address)...)[address] },
				Config:      userConfig(address, `app_id = "app"`),
				ExpectError: regexp.MustCompile(`(?s)Mesibo User Already Exists.*terraform import mesibo_user\.<name>`),
			},
		},
	})
	expectLeftAlone(t, existing)
}

// A user deleted and created again outside Terraform, at the same address,
// is another user: the refresh notices the new UID and forgets the old user,
// and the apply refuses to take the new one over.
func TestAccUser_replacedOutsideTerraform(t *testing.T) {
	address := uniquePrefix() + "-dave"
	res := "mesibo_user.test"
	var replacement *mesibo.User
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: userConfig(address, `app_id = "app"`)},
			{
				PreConfig: func() {
					mustDeleteUser(t, testAccClient(t), address)
					replacement = mustAddUsers(t, testAccClient(t), appUsers("other-app", address)...)[address]
				},
				Config: userConfig(address, `app_id = "app"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
				},
				ExpectError: regexp.MustCompile(`(?s)Mesibo User Already Exists.*terraform import mesibo_user\.<name>`),
			},
		},
	})
	expectLeftAlone(t, replacement)
}

// expectLeftAlone checks that a user created outside Terraform is as it
// was: same UID, and its token not replaced by one the provider asked for
// (same app).
func expectLeftAlone(t *testing.T, want *mesibo.User) {
	t.Helper()
	u, err := testAccClient(t).FindUser(context.Background(), want.Address)
	if err != nil {
		t.Fatalf("the user created outside Terraform is gone: %v", err)
	}
	if u.UID != want.UID || (u.AppID != "" && u.AppID != want.AppID) {
		t.Errorf("the user created outside Terraform was changed: uid %d app %q, want uid %d app %q", u.UID, u.AppID, want.UID, want.AppID)
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
				ExpectError: wrapped(summaryUserNotFound, "No Mesibo user has exactly the address", "-nobody",
					"There is nothing to import: check the spelling, or let terraform apply create the user."),
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

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func (e *userEmulator) useradds() int { return e.Stats().Requests["useradd"] }

// expectUser checks the emulator's record of the user at address against
// the state of res: same UID and access token, and whatever check says.
func (e *userEmulator) expectUser(res, address string, check func(u *emulator.StateUser) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		u := e.user(address)
		if u == nil {
			return fmt.Errorf("Mesibo has no user %s", address)
		}
		rs, ok := s.RootModule().Resources[res]
		if !ok {
			return fmt.Errorf("%s is not in state", res)
		}
		if got := rs.Primary.Attributes["uid"]; got != strconv.FormatInt(u.UID, 10) {
			return fmt.Errorf("state has UID %s, Mesibo has %d", got, u.UID)
		}
		if got, ok := rs.Primary.Attributes["access_token"]; ok && got != "" && got != u.Token {
			return fmt.Errorf("the access token in state is not the one Mesibo holds")
		}
		if check != nil {
			return check(u)
		}
		return nil
	}
}

// userPlanCheckFunc runs between the plan and its apply: what happens there
// happens after the plan was made, as with a saved plan applied later.
type userPlanCheckFunc func()

func (f userPlanCheckFunc) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	f()
}

// A user created outside Terraform and imported keeps its access token: the
// first apply adopts the configured token settings, which Mesibo cannot
// report, without useradd. A settings change after that issues a token as
// usual. Here with terraform import; the next test uses import blocks.
func TestAccUser_importAdoptsTokenSettings(t *testing.T) {
	e := newUserEmulator(t)
	const address = "imported@example.com"
	const res = "mesibo_user.test"
	config := func(maxGroups int) string {
		return e.providerBlock("") + userConfig(address, fmt.Sprintf(`app_id               = "com.example.chat"
  token_expiry_minutes = 43200
  max_groups           = %d`, maxGroups))
	}
	var outside *mesibo.User
	var before int
	mark := func() { before = e.useradds() }
	useraddsSinceMark := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := e.useradds() - before; got != want {
				return fmt.Errorf("%d useradd calls reached Mesibo, want %d", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					expiry, groups := int64(43200), int64(7)
					outside = mustAddUsers(e.t, e.client, mesibo.AddUserRequest{Address: address, AppID: "com.example.chat",
						ExpiryMinutes: &expiry, MaxGroups: &groups})[address]
				},
				Config:             config(7),
				ResourceName:       res,
				ImportState:        true,
				ImportStateId:      address,
				ImportStatePersist: true,
			},
			{
				// The plan shows the settings being recorded and the token
				// staying as it is (null in state, not known after apply).
				PreConfig: mark,
				Config:    config(7),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.Null()),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("token_expiry_minutes"), knownvalue.Int64Exact(43200)),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("max_groups"), knownvalue.Int64Exact(7)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("token_expiry_minutes"), knownvalue.Int64Exact(43200)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("max_groups"), knownvalue.Int64Exact(7)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					useraddsSinceMark(0),
					e.expectUser(res, address, func(u *emulator.StateUser) error {
						if u.Token != outside.Token || u.Expiry != 43200 || u.Groups != 7 {
							return fmt.Errorf("Mesibo's user changed: token replaced %v, expiry %d, groups %d",
								u.Token != outside.Token, u.Expiry, u.Groups)
						}
						return nil
					}),
				),
			},
			{
				// From then on a settings change issues a new token.
				PreConfig: mark,
				Config:    config(8),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token"))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.NotNull()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					useraddsSinceMark(1),
					e.expectUser(res, address, func(u *emulator.StateUser) error {
						if u.Token == outside.Token || u.Groups != 8 || u.UID != outside.UID {
							return fmt.Errorf("after max_groups 7 -> 8: token replaced %v, groups %d, uid %d (was %d)",
								u.Token != outside.Token, u.Groups, u.UID, outside.UID)
						}
						return nil
					}),
				),
			},
		},
	})
}

// The same with import blocks, for two more cases: token_rotation_triggers
// configured from the start are adopted too, and an app_id that differs
// from the one Mesibo reports is a real change that issues a token.
func TestAccUser_importBlockAdoptsTokenSettings(t *testing.T) {
	e := newUserEmulator(t)
	const kept, moved = "kept@example.com", "moved@example.com"
	config := func(rotated string) string {
		return e.providerBlock("") + fmt.Sprintf(`
import {
  to = mesibo_user.kept
  id = %[1]q
}
import {
  to = mesibo_user.moved
  id = %[2]q
}
resource "mesibo_user" "kept" {
  address = %[1]q
  app_id  = "com.example.chat"
  token_rotation_triggers = {
    rotated = %[3]q
  }
}
resource "mesibo_user" "moved" {
  address = %[2]q
  app_id  = "com.example.chat.v2"
}
`, kept, moved, rotated)
	}
	var keptOutside, movedOutside *mesibo.User
	var before int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					keptOutside = mustAddUsers(e.t, e.client, mesibo.AddUserRequest{Address: kept, AppID: "com.example.chat"})[kept]
					movedOutside = mustAddUsers(e.t, e.client, mesibo.AddUserRequest{Address: moved, AppID: "com.example.chat"})[moved]
					before = e.useradds()
				},
				Config: config("2026-01"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("mesibo_user.kept", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("mesibo_user.kept", tfjsonpath.New("access_token"), knownvalue.Null()),
						plancheck.ExpectUnknownValue("mesibo_user.moved", tfjsonpath.New("access_token")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("mesibo_user.kept", tfjsonpath.New("token_rotation_triggers"),
						knownvalue.MapExact(map[string]knownvalue.Check{"rotated": knownvalue.StringExact("2026-01")})),
					statecheck.ExpectKnownValue("mesibo_user.kept", tfjsonpath.New("access_token"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if got := e.useradds() - before; got != 1 {
							return fmt.Errorf("%d useradd calls reached Mesibo, want 1 (for the moved app)", got)
						}
						return nil
					},
					e.expectUser("mesibo_user.kept", kept, func(u *emulator.StateUser) error {
						if u.Token != keptOutside.Token {
							return fmt.Errorf("the kept user's access token was replaced")
						}
						return nil
					}),
					e.expectUser("mesibo_user.moved", moved, func(u *emulator.StateUser) error {
						if u.Token == movedOutside.Token || u.AppID != "com.example.chat.v2" || u.UID != movedOutside.UID {
							return fmt.Errorf("the moved user has app %q uid %d (was %d), token replaced %v",
								u.AppID, u.UID, movedOutside.UID, u.Token != movedOutside.Token)
						}
						return nil
					}),
				),
			},
			{
				// Changing the adopted triggers rotates the token.
				PreConfig: func() { before = e.useradds() },
				Config:    config("2026-02"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue("mesibo_user.kept", tfjsonpath.New("access_token")),
						plancheck.ExpectResourceAction("mesibo_user.moved", plancheck.ResourceActionNoop),
					},
				},
				Check: e.expectUser("mesibo_user.kept", kept, func(u *emulator.StateUser) error {
					if got := e.useradds() - before; got != 1 || u.Token == keptOutside.Token {
						return fmt.Errorf("after a trigger change: %d useradd calls, token replaced %v; want 1 and true",
							got, u.Token != keptOutside.Token)
					}
					return nil
				}),
			},
		},
	})
}

// An update never creates a user. When the user was deleted after the plan
// was made (a saved plan, or -refresh=false), rotating its token, or
// changing its flag, fails with an error that says so, leaves nothing
// behind, and the next apply converges by creating the user anew. The same
// when the user is deleted between the provider's lookup and its useradd:
// the user that useradd then creates is deleted again.
func TestAccUser_updateAfterDeletionOutsideTerraform(t *testing.T) {
	e := newUserEmulator(t)
	const address = "gone@example.com"
	const res = "mesibo_user.test"

	// A proxy in front of the emulator that, once armed, deletes the user
	// just before the next useradd reaches Mesibo.
	var deleteBeforeUseradd atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form := requestForm(body)
		if form.Get("op") == "useradd" && deleteBeforeUseradd.CompareAndSwap(true, false) {
			e.mustDeleteUser(address)
		}
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	providerBlock := fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n}\n", proxy.URL+emulatorPath(), e.token)
	config := func(rotated string, flag int) string {
		return providerBlock + userConfig(address, fmt.Sprintf(`app_id = "app"
  flag   = %d
  token_rotation_triggers = {
    rotated = %q
  }`, flag, rotated))
	}

	var before int
	mark := func() { before = e.useradds() }
	noUserLeft := func() {
		if u := e.user(address); u != nil {
			t.Errorf("a failed update left user %s behind (UID %d)", address, u.UID)
		}
	}
	deleteAfterPlan := userPlanCheckFunc(func() { e.mustDeleteUser(address) })
	recreated := resource.TestStep{
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
		},
		Check: e.expectUser(res, address, nil),
	}
	step := func(s resource.TestStep, preConfig func(), cfg string) resource.TestStep {
		s.PreConfig, s.Config = preConfig, cfg
		return s
	}
	goneError := func(extra ...string) *regexp.Regexp {
		return wrapped(append([]string{summaryUpdateUser, `User "gone@example.com" (UID`,
			"no longer exists in Mesibo: it was deleted outside Terraform after the plan was made"}, extra...)...)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("1", 0)},
			{
				// A rotation planned, the user deleted before the apply:
				// no useradd, nothing created.
				PreConfig: mark,
				Config:    config("2", 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token")), deleteAfterPlan},
				},
				ExpectError: goneError("Run terraform apply again: it will create the user anew", `user "gone@example.com": not found`),
			},
			step(recreated, func() {
				if n := e.useradds() - before; n != 0 {
					t.Errorf("the stale rotation sent %d useradd calls, want 0", n)
				}
				noUserLeft()
			}, config("2", 0)),
			{
				// Deleted between the lookup and useradd: the user useradd
				// created is deleted again.
				PreConfig:   func() { deleteBeforeUseradd.Store(true) },
				Config:      config("3", 0),
				ExpectError: goneError("useradd created a new user for the address instead", "was deleted again; nothing was left behind", "Run terraform apply again: it will create the user anew"),
			},
			step(recreated, noUserLeft, config("3", 0)),
			{
				// A flag change (userset) on a user deleted after the plan.
				Config: config("3", 4),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{deleteAfterPlan},
				},
				ExpectError: goneError("Run terraform apply again: it will create the user anew", "NOUSER"),
			},
			step(recreated, noUserLeft, config("3", 4)),
		},
	})
}

// Each setting that only useradd takes reaches Mesibo, and changing it alone
// issues a new token (keeping the UID); flag and active change in place with
// userset and keep the token.
func TestAccUser_eachTokenSettingReachesMesibo(t *testing.T) {
	e := newUserEmulator(t)
	const address = "settings@example.com"
	const res = "mesibo_user.test"
	type settings struct {
		appID          string
		expiry, groups int64
		rotated        string
		flag           int64
		active         bool
		rotates        bool // whether going to these settings issues a token
	}
	config := func(s settings) string {
		return e.providerBlock("") + userConfig(address, fmt.Sprintf(`app_id               = %q
  token_expiry_minutes = %d
  max_groups           = %d
  flag                 = %d
  active               = %t
  token_rotation_triggers = {
    rotated = %q
  }`, s.appID, s.expiry, s.groups, s.flag, s.active, s.rotated))
	}
	var uid int64
	var token string
	var useradds int
	stepTo := func(s settings) resource.TestStep {
		tokenPlan := plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token"))
		if !s.rotates {
			tokenPlan = plancheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.NotNull())
		}
		return resource.TestStep{
			PreConfig: func() { useradds = e.useradds() },
			Config:    config(s),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{tokenPlan},
			},
			Check: e.expectUser(res, address, func(u *emulator.StateUser) error {
				got := settings{appID: u.AppID, expiry: u.Expiry, groups: u.Groups, flag: u.Flag, active: u.Active}
				want := s
				want.rotated, want.rotates = "", false
				if got != want {
					return fmt.Errorf("Mesibo has %+v, want %+v", got, want)
				}
				calls := e.useradds() - useradds
				switch {
				case uid != 0 && u.UID != uid:
					return fmt.Errorf("the UID changed from %d to %d", uid, u.UID)
				case s.rotates && (calls != 1 || u.Token == token):
					return fmt.Errorf("%d useradd calls, token replaced %v: want one call and a new token", calls, u.Token != token)
				case !s.rotates && (calls != 0 || u.Token != token):
					return fmt.Errorf("%d useradd calls, token replaced %v: want none and the same token", calls, u.Token != token)
				}
				uid, token = u.UID, u.Token
				return nil
			}),
		}
	}
	first := settings{appID: "com.example.chat", expiry: 60, groups: 5, rotated: "1", active: true}
	steps := []resource.TestStep{{
		Config: config(first),
		Check: e.expectUser(res, address, func(u *emulator.StateUser) error {
			if u.AppID != first.appID || u.Expiry != first.expiry || u.Groups != first.groups {
				return fmt.Errorf("Mesibo has app %q expiry %d groups %d, want %q, %d and %d",
					u.AppID, u.Expiry, u.Groups, first.appID, first.expiry, first.groups)
			}
			uid, token = u.UID, u.Token
			return nil
		}),
	}}
	s := first
	for _, change := range []func(*settings){
		func(s *settings) { s.appID = "com.example.chat.v2" },
		func(s *settings) { s.expiry = 120 },
		func(s *settings) { s.groups = 6 },
		func(s *settings) { s.rotated = "2" },
		// Both in one step: either one issuing a token fails it.
		func(s *settings) { s.flag, s.active, s.rotates = 3, false, false },
	} {
		s.rotates = true
		change(&s)
		steps = append(steps, stepTo(s))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

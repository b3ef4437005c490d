package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
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

// namedUserConfig declares user "named@example.com" of app appID, with
// nameLine ("" for no name).
func namedUserConfig(appID, nameLine string) string {
	return fmt.Sprintf(`
resource "mesibo_user" "test" {
  address = "named@example.com"
  app_id  = %q
  %s
}
`, appID, nameLine)
}

// stateUser returns the emulator's user named@example.com.
func stateUser(e *testEmulator) (emulator.StateUser, error) {
	for _, u := range e.Snapshot().Users {
		if u.Address == "named@example.com" {
			return u, nil
		}
	}
	return emulator.StateUser{}, fmt.Errorf("no user named@example.com")
}

// nameIs checks the user's name in the emulator.
func nameIs(e *testEmulator, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		u, err := stateUser(e)
		if err != nil {
			return err
		}
		if u.Name != want {
			return fmt.Errorf("the user's name is %q, want %q", u.Name, want)
		}
		return nil
	}
}

// TestAccUser_name, in both formats: the name is sent with useradd; a
// rename in JSON keeps the access token (useradd without a token object),
// in form issues a new one, which the plan shows; a name changed outside
// Terraform is drift that apply puts back; removing name sends nothing.
func TestAccUser_name(t *testing.T) {
	for _, format := range requestFormats {
		t.Run(string(format), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{}).inFormat(format)
			const res = "mesibo_user.test"
			var token string
			keepToken := func(s *terraform.State) error {
				token = s.RootModule().Resources[res].Primary.Attributes["access_token"]
				return nil
			}
			tokenKept := func(want bool) resource.TestCheckFunc {
				return func(s *terraform.State) error {
					got := s.RootModule().Resources[res].Primary.Attributes["access_token"]
					u, err := stateUser(e)
					if err != nil {
						return err
					}
					if got != u.Token {
						return fmt.Errorf("the access token in state is not the user's token in Mesibo")
					}
					if (got == token) != want {
						return fmt.Errorf("access token kept: %v, want %v", got == token, want)
					}
					return nil
				}
			}
			renameCheck := plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token"))
			if format == mesibo.FormatJSON {
				renameCheck = tokenKnownInPlan{res}
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: e.providerBlock("") + namedUserConfig("app", `name = "Alice"`),
						Check:  resource.ComposeTestCheckFunc(keepToken, nameIs(e, "Alice"), resource.TestCheckResourceAttr(res, "name", "Alice")),
					},
					{
						Config: e.providerBlock("") + namedUserConfig("app", `name = "Alicia"`),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate), renameCheck,
						}},
						Check: resource.ComposeTestCheckFunc(nameIs(e, "Alicia"), tokenKept(format == mesibo.FormatJSON), keepToken),
					},
					{
						// Renamed outside Terraform: drift, put back.
						PreConfig: func() {
							c := e.client(t)
							err := c.SetUserName(context.Background(), "named@example.com", "Someone Else")
							if errors.Is(err, mesibo.ErrUnsupported) { // form: only useradd, which re-tokens
								_, err = c.AddUser(context.Background(), mesibo.AddUserRequest{
									Address: "named@example.com", AppID: "app", Name: ptr("Someone Else")})
							}
							if err != nil {
								t.Fatal(err)
							}
						},
						Config: e.providerBlock("") + namedUserConfig("app", `name = "Alicia"`),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						}},
						Check: nameIs(e, "Alicia"),
					},
					{
						// Without name, the name stays in Mesibo and nothing is sent.
						PreConfig: keepTokenFromEmulator(t, e, &token),
						Config:    e.providerBlock("") + namedUserConfig("app", ""),
						Check:     resource.ComposeTestCheckFunc(nameIs(e, "Alicia"), tokenKept(true), resource.TestCheckNoResourceAttr(res, "name")),
					},
				},
			})
		})
	}
}

// keepTokenFromEmulator records the user's token in Mesibo in token.
func keepTokenFromEmulator(t *testing.T, e *testEmulator, token *string) func() {
	return func() {
		u, err := stateUser(e)
		if err != nil {
			t.Fatal(err)
		}
		*token = u.Token
	}
}

func ptr[T any](v T) *T { return &v }

// TestAccUser_nameNotReported: where usersget answers no name (a server
// that keeps no names) or an empty one, the name in state is kept: a rename
// outside Terraform is not seen, and the plan stays empty, so no apply sets
// the name again (in the form format, with a new token).
func TestAccUser_nameNotReported(t *testing.T) {
	for _, c := range []struct {
		name    string
		opts    emulator.Options
		outside string // the name set outside Terraform
		check   func(*testEmulator) resource.TestCheckFunc
	}{
		{"no names in usersget", emulator.Options{OmitUserNames: true}, "Someone Else", nil},
		{"an empty name", emulator.Options{}, "", func(e *testEmulator) resource.TestCheckFunc { return nameIs(e, "") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEmulator(t, c.opts)
			outside := resource.TestStep{
				PreConfig: func() {
					if _, err := e.client(t).AddUser(context.Background(), mesibo.AddUserRequest{
						Address: "named@example.com", AppID: "app", Name: ptr(c.outside)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:   e.providerBlock("") + namedUserConfig("app", `name = "Alice"`),
				PlanOnly: true,
			}
			if c.check != nil {
				outside.Check = c.check(e)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: e.providerBlock("") + namedUserConfig("app", `name = "Alice"`), Check: nameIs(e, "Alice")},
					outside,
				},
			})
		})
	}
}

// TestAccUser_tokensForSeveralApps, in both formats: a user with access
// tokens for several app IDs is read by the row of its own app_id, so the
// rows of other apps are no drift, whichever comes first.
func TestAccUser_tokensForSeveralApps(t *testing.T) {
	for _, format := range requestFormats {
		t.Run(string(format), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{TokenPerApp: true}).inFormat(format)
			addToken := func(appID string) func() {
				return func() {
					if _, err := e.client(t).AddUser(context.Background(), mesibo.AddUserRequest{
						Address: "named@example.com", AppID: appID}); err != nil {
						t.Fatal(err)
					}
				}
			}
			const res = "mesibo_user.test"
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: e.providerBlock("") + namedUserConfig("app-a", "")},
					{
						// Another app's token, added outside: usersget answers
						// a row for each; this user's row is still the first.
						PreConfig: addToken("app-b"),
						Config:    e.providerBlock("") + namedUserConfig("app-a", ""),
						PlanOnly:  true,
					},
					{
						// The resource moves to app-b: its row is now the second.
						Config: e.providerBlock("") + namedUserConfig("app-b", ""),
						Check: resource.ComposeTestCheckFunc(resource.TestCheckResourceAttr(res, "app_id", "app-b"),
							func(s *terraform.State) error {
								u, err := stateUser(e)
								if err != nil {
									return err
								}
								for _, o := range u.OtherApps {
									if o.AppID == "app-b" && o.Token == s.RootModule().Resources[res].Primary.Attributes["access_token"] {
										return nil
									}
								}
								return fmt.Errorf("the access token in state is not the user's token for app-b: %+v", u)
							}),
					},
					{
						PreConfig: addToken("app-c"),
						Config:    e.providerBlock("") + namedUserConfig("app-b", ""),
						PlanOnly:  true,
					},
				},
			})
		})
	}
}

// tokenKnownInPlan checks that the plan keeps a user's access_token known:
// the value itself is sensitive, and left out of the plan's JSON.
type tokenKnownInPlan struct{ address string }

func (c tokenKnownInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		if unknown, ok := rc.Change.AfterUnknown.(map[string]any); ok && unknown["access_token"] == true {
			resp.Error = fmt.Errorf("the plan shows %s.access_token as known after apply", c.address)
		}
		return
	}
	resp.Error = fmt.Errorf("no change of %s in the plan", c.address)
}

// TestAccUser_importWithName, in both formats: the first apply after an
// import that sets a name keeps the user's token in JSON, and in form
// issues a new one, which its plan shows.
func TestAccUser_importWithName(t *testing.T) {
	for _, format := range requestFormats {
		t.Run(string(format), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{}).inFormat(format)
			const res = "mesibo_user.test"
			var outside *mesibo.User
			tokenCheck := plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token"))
			if format == mesibo.FormatJSON {
				tokenCheck = plancheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.Null())
			}
			config := e.providerBlock("") + namedUserConfig("app", `name = "Zed"`)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						PreConfig: func() {
							u, err := e.client(t).AddUser(context.Background(), mesibo.AddUserRequest{Address: "named@example.com", AppID: "app"})
							if err != nil {
								t.Fatal(err)
							}
							outside = u
						},
						Config:             config,
						ResourceName:       res,
						ImportState:        true,
						ImportStateId:      "named@example.com",
						ImportStatePersist: true,
					},
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate), tokenCheck,
						}},
						Check: resource.ComposeTestCheckFunc(nameIs(e, "Zed"), func(*terraform.State) error {
							u, err := stateUser(e)
							if err != nil {
								return err
							}
							if kept := u.Token == outside.Token; kept != (format == mesibo.FormatJSON) {
								return fmt.Errorf("the user's token kept: %v", kept)
							}
							return nil
						}),
					},
				},
			})
		})
	}
}

// TestImportedUserWarning: the first plan after an import that sets a name
// warns of a new access token in the form format only; without a name, or
// in JSON, the token settings are adopted as before.
func TestImportedUserWarning(t *testing.T) {
	state := userResourceModel{Address: types.StringValue("a@x"), UID: types.Int64Value(7),
		AppID: types.StringValue("app"), Name: types.StringNull(), TokenExpiryMinutes: wholeNumberNull()}
	plan := state
	plan.TokenExpiryMinutes = wholeNumberValue(60)
	named := plan
	named.Name = types.StringValue("Zed")
	for _, c := range []struct {
		plan   userResourceModel
		format mesibo.RequestFormat
		want   string
	}{
		{plan, mesibo.FormatForm, summaryUserTokenSettingsAdopted},
		{named, mesibo.FormatJSON, summaryUserTokenSettingsAdopted},
		{named, mesibo.FormatForm, summaryUserTokenReissued},
		{named, "", summaryUserTokenReissued},
	} {
		summary, detail := importedUserWarning(c.plan, state, c.format)
		if summary != c.want {
			t.Errorf("name %s, format %q: %q, want %q", c.plan.Name, c.format, summary, c.want)
		}
		if summary == summaryUserTokenReissued && !strings.Contains(detail, `the configuration sets its name`) {
			t.Errorf("the warning does not say why:\n%s", detail)
		}
	}
}

// TestAccUser_renameAgainstChangesOutside: a rename in the JSON format is a
// useradd, an upsert by address, so it must never create a user that was
// deleted after the plan, nor touch a user created outside Terraform at its
// address; and when a call fails the error says which one, and the next
// apply finishes the rename.
func TestAccUser_renameAgainstChangesOutside(t *testing.T) {
	base := newTestEmulator(t, emulator.Options{}).inFormat(mesibo.FormatJSON)
	e := &userEmulator{testEmulator: base, t: t, client: base.client(t)}
	rec := &apiRecorder{}
	const address = "named@example.com"
	config := func(name string) string {
		return e.providerBlock("max_retries = 1") + namedUserConfig("app", fmt.Sprintf("name = %q", name))
	}
	afterPlan := func(f func()) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{userPlanCheckFunc(f)}}
	}
	var outside *mesibo.User
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		Steps: []resource.TestStep{
			{Config: config("One"), Check: nameIs(e.testEmulator, "One")},
			{
				// Deleted after the plan: the rename creates nothing.
				Config:           config("Two"),
				ConfigPlanChecks: afterPlan(func() { e.mustDeleteUser(address) }),
				ExpectError:      wrapped(summaryUpdateUser, `User "named@example.com" (UID`, "no longer exists in Mesibo"),
			},
			{
				PreConfig: func() {
					if u := e.user(address); u != nil {
						t.Errorf("the failed rename created user %s (UID %d)", address, u.UID)
					}
				},
				Config: config("Two"),
				Check:  nameIs(e.testEmulator, "Two"),
			},
			{
				// Replaced outside Terraform after the plan: the other user is
				// left alone.
				Config: config("Three"),
				ConfigPlanChecks: afterPlan(func() {
					e.mustDeleteUser(address)
					outside = mustAddUsers(t, e.client, mesibo.AddUserRequest{Address: address, AppID: "app"})[address]
				}),
				ExpectError: wrapped(summaryUpdateUser, "Its address now belongs to another user (UID",
					"created outside Terraform, which this apply left alone"),
			},
			{
				PreConfig: func() {
					u := e.user(address)
					if u == nil || u.UID != outside.UID || u.Token != outside.Token || u.Name != "" {
						t.Errorf("the user created outside Terraform was changed: %+v, was UID %d", u, outside.UID)
					}
					e.mustDeleteUser(address)
				},
				Config: config("Three"),
				Check:  nameIs(e.testEmulator, "Three"),
			},
			{
				// The lookup before the rename fails: nothing is sent.
				Config:           config("Four"),
				ConfigPlanChecks: afterPlan(func() { rec.set(nil, refuseOps("usersget")) }),
				ExpectError: wrapped(summaryUpdateUser,
					`Could not check that user "named@example.com" still exists before changing its name.`, "REFUSED"),
				Check: nameIs(e.testEmulator, "Three"),
			},
			{
				// The rename itself is refused.
				PreConfig:        func() { heal(rec, e.testEmulator) },
				Config:           config("Four"),
				ConfigPlanChecks: afterPlan(func() { rec.set(nil, refuseOps("useradd")) }),
				ExpectError:      wrapped(summaryUpdateUser, `Could not change the name of user "named@example.com".`, "REFUSED"),
			},
			{
				// The next apply renames.
				PreConfig: func() { heal(rec, e.testEmulator) },
				Config:    config("Four"),
				Check:     nameIs(e.testEmulator, "Four"),
			},
		},
	})
}

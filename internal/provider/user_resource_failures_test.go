package provider

import (
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The tests in this file make single API calls fail, the way a flaky proxy
// or a refusing server would, and check what the user is told, that nothing
// is left behind in Mesibo that the next apply would refuse to adopt, that
// state says what was done, and that the next apply converges.

// noUser fails the test when Mesibo has a user at address.
func (e *userEmulator) noUser(address string) {
	e.t.Helper()
	if u := e.user(address); u != nil {
		e.t.Errorf("a failed apply left user %s behind (UID %d)", address, u.UID)
	}
}

// A create that fails half-way deletes what it created, and says so; when it
// cannot, it says what is left and how to adopt or remove it.
func TestAccUser_failedCreate(t *testing.T) {
	e := newUserEmulator(t)
	rec := &apiRecorder{}
	const address = "half@example.com"
	const res = "mesibo_user.test"
	config := e.providerBlock("max_retries = 2") + userConfig(address, `app_id = "app"
  flag   = 3`)
	importHint := "terraform import mesibo_user.<name> " + address

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		CheckDestroy: func(*terraform.State) error {
			if u := e.user(address); u != nil {
				return fmt.Errorf("user %s (UID %d) still exists", address, u.UID)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// useradd is carried out but its answer is lost: the user it
				// may have created is found and deleted.
				PreConfig:   func() { rec.set(loseAnswers(e.testEmulator, "useradd"), nil) },
				Config:      config,
				ExpectError: wrapped(summaryCreateUser, `Mesibo did not confirm the creation of user "half@example.com".`, "The half-created user (UID", "was deleted again; nothing was left behind.", "HTTP 502"),
			},
			{
				// The same, and the lookup that would find the user fails too:
				// the error says the user may exist, and what to do about it.
				PreConfig: func() {
					e.noUser(address)
					var added atomic.Bool
					lose := loseAnswers(e.testEmulator, "useradd")
					rec.set(func(op string, form url.Values) {
						lose(op, form)
						if op == "useradd" {
							added.Store(true)
						}
					}, func(op string, _ url.Values) bool { return op == "usersget" && added.Load() })
				},
				Config: config,
				ExpectError: wrapped(summaryCreateUser, `Mesibo did not confirm the creation of user "half@example.com".`,
					"The user may exist in Mesibo now; if the next apply reports that it already exists, delete it or import it with "+importHint, "HTTP 502"),
			},
			{
				// It does exist: deleted as the error advised. Now useradd
				// works but the flag cannot be set: the new user is deleted.
				PreConfig: func() {
					if e.user(address) == nil {
						t.Errorf("the user the error said may exist does not")
					} else {
						e.mustDeleteUser(address)
					}
					heal(rec, e.testEmulator)
					rec.set(nil, refuseOps("userset"))
				},
				Config: config,
				ExpectError: wrapped(summaryCreateUser, `User "half@example.com" was created (UID`, "but its flag could not be set.",
					"The half-created user (UID", "was deleted again; nothing was left behind.", "REFUSED"),
			},
			{
				// The flag cannot be set and the user cannot be deleted: the
				// error says what is left.
				PreConfig: func() {
					e.noUser(address)
					rec.set(nil, refuseOps("userset", "userdel"))
				},
				Config: config,
				ExpectError: wrapped(summaryCreateUser, "but its flag could not be set.", "Deleting the half-created user (UID",
					"failed too", "delete it or import it with "+importHint, "REFUSED"),
			},
			{
				// Once the stray user is deleted, the apply creates the user.
				PreConfig: func() {
					if e.user(address) == nil {
						t.Errorf("the user the error said is left does not exist")
					} else {
						e.mustDeleteUser(address)
					}
					heal(rec, e.testEmulator)
				},
				Config: config,
				Check: e.expectUser(res, address, func(u *emulator.StateUser) error {
					if u.Flag != 3 {
						return fmt.Errorf("Mesibo has flag %d, want 3", u.Flag)
					}
					return nil
				}),
			},
		},
	})
}

// An update whose calls fail leaves state true to what was done: a new token
// that was issued is kept even when the flag could not be set, so the next
// apply sets only the flag; a refresh or a check that fails changes nothing.
func TestAccUser_failedUpdate(t *testing.T) {
	e := newUserEmulator(t)
	rec := &apiRecorder{}
	const address = "update@example.com"
	const res = "mesibo_user.test"
	config := func(rotated string, flag int) string {
		return e.providerBlock("max_retries = 2") + userConfig(address, fmt.Sprintf(`app_id = "app"
  flag   = %d
  token_rotation_triggers = {
    rotated = %q
  }`, flag, rotated))
	}
	var useradds int
	mark := func() { useradds = e.useradds() }
	useraddsSinceMark := func(want int) error {
		if got := e.useradds() - useradds; got != want {
			return fmt.Errorf("%d useradd calls reached Mesibo, want %d", got, want)
		}
		return nil
	}
	var token string
	keepToken := func(*terraform.State) error {
		if u := e.user(address); u != nil {
			token = u.Token
		}
		return nil
	}
	refuseAfterPlan := func(ops ...string) plancheck.PlanCheck {
		return userPlanCheckFunc(func() { rec.set(nil, refuseOps(ops...)) })
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		Steps: []resource.TestStep{
			{Config: config("1", 0), Check: keepToken},
			{
				// The refresh cannot look the user up.
				PreConfig:   func() { rec.set(nil, refuseOps("usersget")) },
				Config:      config("1", 0),
				ExpectError: wrapped(summaryReadUser, `Could not look up user "update@example.com".`, "REFUSED"),
			},
			{
				// A new token is issued, then the flag cannot be set.
				PreConfig: func() {
					heal(rec, e.testEmulator)
					rec.set(nil, refuseOps("userset"))
				},
				Config:      config("2", 4),
				ExpectError: wrapped(summaryUpdateUser, `Could not change the flag or active setting of user "update@example.com".`, "REFUSED"),
			},
			{
				// State kept the new token: the next apply only sets the flag.
				PreConfig: func() {
					heal(rec, e.testEmulator)
					mark()
				},
				Config: config("2", 4),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("access_token"), knownvalue.NotNull()),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.expectUser(res, address, func(u *emulator.StateUser) error {
						if err := useraddsSinceMark(0); err != nil {
							return err
						}
						if u.Flag != 4 || u.Token == token {
							return fmt.Errorf("Mesibo has flag %d, token replaced %v: want 4 and true", u.Flag, u.Token != token)
						}
						return nil
					}),
					keepToken),
			},
			{
				// The lookup before a rotation fails after the plan: no useradd.
				PreConfig: mark,
				Config:    config("3", 4),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{refuseAfterPlan("usersget")},
				},
				ExpectError: wrapped(summaryUpdateUser, `Could not check that user "update@example.com" still exists before issuing it a new access token.`, "REFUSED"),
			},
			{
				// Nothing changed: the next apply rotates the token.
				PreConfig: func() {
					if err := useraddsSinceMark(0); err != nil {
						t.Error(err)
					}
					heal(rec, e.testEmulator)
				},
				Config: config("3", 4),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token"))},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.expectUser(res, address, func(u *emulator.StateUser) error {
						if u.Token == token {
							return fmt.Errorf("the access token was not replaced")
						}
						return nil
					}),
					keepToken),
			},
		},
	})
}

// A user replaced outside Terraform after the plan, or a useradd whose answer
// is lost, never ends with a user the next apply refuses to adopt without
// the error saying so, and never with a token in state that Mesibo does not
// hold.
func TestAccUser_rotationAgainstChangesOutside(t *testing.T) {
	e := newUserEmulator(t)
	rec := &apiRecorder{}
	const address = "rotate@example.com"
	const res = "mesibo_user.test"
	config := func(rotated string) string {
		return e.providerBlock("max_retries = 2") + userConfig(address, fmt.Sprintf(`app_id = "app"
  token_rotation_triggers = {
    rotated = %q
  }`, rotated))
	}
	importHint := "terraform import mesibo_user.<name> " + address
	var outside *mesibo.User
	// leftAlone checks that the user created outside Terraform is as it
	// was, and then deletes it, as the error advised.
	leftAloneThenDeleted := func() {
		t.Helper()
		u := e.user(address)
		switch {
		case u == nil:
			t.Errorf("the user at %s is gone", address)
			return
		case outside != nil && (u.UID != outside.UID || u.Token != outside.Token):
			t.Errorf("the user created outside Terraform was changed: UID %d (was %d), token replaced %v",
				u.UID, outside.UID, u.Token != outside.Token)
		}
		e.mustDeleteUser(address)
	}
	converged := resource.TestStep{
		Check: e.expectUser(res, address, nil),
	}
	step := func(s resource.TestStep, preConfig func(), cfg string) resource.TestStep {
		s.PreConfig, s.Config = preConfig, cfg
		return s
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: failingProvider(rec),
		Steps: []resource.TestStep{
			{Config: config("1")},
			{
				// Replaced outside Terraform after the plan: the other user is
				// left alone and the error says how to adopt or remove it.
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{userPlanCheckFunc(func() {
						e.mustDeleteUser(address)
						outside = mustAddUsers(e.t, e.client, mesibo.AddUserRequest{Address: address, AppID: "other-app"})[address]
					})},
				},
				ExpectError: wrapped(summaryUpdateUser, `User "rotate@example.com" (UID`, "no longer exists in Mesibo",
					"Its address now belongs to another user (UID", "created outside Terraform, which this apply left alone",
					"import it with "+importHint),
			},
			step(converged, leftAloneThenDeleted, config("2")),
			{
				// useradd's answer is lost while the user stays: the error has
				// no note about another user.
				PreConfig: func() { rec.set(loseAnswers(e.testEmulator, "useradd"), nil) },
				Config:    config("3"),
				ExpectError: wrapped(summaryUpdateUser,
					`Could not issue a new access token for user "rotate@example.com". Mesibo could not be reached`, "HTTP 502"),
			},
			// The next apply issues a token again, and state holds the token
			// Mesibo holds.
			step(converged, func() { heal(rec, e.testEmulator) }, config("3")),
			{
				// The user is deleted just before useradd, which creates a new
				// one and loses its answer: the user is left alone, and the
				// error says what it is.
				PreConfig: func() {
					outside = nil
					var once atomic.Bool
					lose := loseAnswers(e.testEmulator, "useradd")
					rec.set(func(op string, form url.Values) {
						if op == "useradd" && once.CompareAndSwap(false, true) {
							e.mustDeleteUser(address)
						}
						lose(op, form)
					}, nil)
				},
				Config: config("4"),
				ExpectError: wrapped(summaryUpdateUser, `Could not issue a new access token for user "rotate@example.com".`,
					"was deleted outside Terraform meanwhile, and the address now belongs to UID", "which this useradd may have created.",
					"The next apply refuses to take it over: delete it in Mesibo, or import it with "+importHint, "HTTP 502"),
			},
			step(converged, func() {
				heal(rec, e.testEmulator)
				leftAloneThenDeleted()
			}, config("4")),
			{
				// useradd's answer is lost and the user cannot be looked up
				// afterwards: the error says what may have happened.
				PreConfig: func() {
					var added atomic.Bool
					lose := loseAnswers(e.testEmulator, "useradd")
					rec.set(func(op string, form url.Values) {
						lose(op, form)
						if op == "useradd" {
							added.Store(true)
						}
					}, func(op string, _ url.Values) bool { return op == "usersget" && added.Load() })
				},
				Config: config("5"),
				ExpectError: wrapped(summaryUpdateUser, `Could not issue a new access token for user "rotate@example.com".`,
					"If the user was deleted outside Terraform meanwhile, the useradd may have created a new one; if the next apply reports that it already exists, delete it or import it with "+importHint,
					"HTTP 502"),
			},
			step(converged, func() { heal(rec, e.testEmulator) }, config("5")),
			{
				// userdel is refused: the user stays, and so does its state.
				PreConfig:   func() { rec.set(nil, refuseOps("userdel")) },
				Config:      config("5"),
				Destroy:     true,
				ExpectError: wrapped(summaryDeleteUser, `Could not delete user "rotate@example.com" (UID`, "REFUSED"),
			},
			step(converged, func() {
				heal(rec, e.testEmulator)
				if e.user(address) == nil {
					t.Errorf("the user whose deletion was refused is gone")
				}
			}, config("5")),
		},
	})
}

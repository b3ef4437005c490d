package provider

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
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

// The message tests run against an emulator of their own: its record of
// sent messages is how they see what was delivered, and how often.

const messageRes = "mesibo_message.test"

// rfc3339UTC matches sent_at.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// messageUsers declares the sender and a recipient.
const messageUsers = `
resource "mesibo_user" "bot" {
  address = "bot@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_user" "alice" {
  address = "alice@example.com"
  app_id  = "com.example.chat"
}
`

// TestAccMessage_toUser: a message to a user is sent once on create; a
// second apply, a refresh and destroy send nothing and make no message call.
func TestAccMessage_toUser(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	cfg := e.providerBlock("") + messageUsers + `
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = "Hi Alice, welcome!"
}
`
	sent := emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: "Hi Alice, welcome!"}
	var mark emulator.Stats
	takeMark := func() { mark = e.Stats() }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			// Destroy forgets the message without a call; it stays sent.
			return e.messagesAre(sent)(s)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("sent_at"), knownvalue.StringRegexp(rfc3339UTC)),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("expiry_seconds"), knownvalue.Int64Exact(31536000)),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("gid"), knownvalue.Null()),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("type"), knownvalue.Null()),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("triggers"), knownvalue.Null()),
				},
				Check: e.messagesAre(sent),
			},
			{
				// Nothing changed: nothing is sent.
				PreConfig: takeMark,
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(e.messagesAre(sent),
					// The two users are looked up; the message is not.
					e.apiCallsSince(&mark, map[string]int{"usersget": 2})),
			},
			{
				PreConfig:    takeMark,
				RefreshState: true,
				Check:        e.apiCallsSince(&mark, map[string]int{"usersget": 2}),
			},
		},
	})
}

// TestAccMessage_toGroup: a message to a group carries its type and expiry.
func TestAccMessage_toGroup(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	cfg := e.providerBlock("") + messageUsers + `
resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [mesibo_user.alice.address]
}

resource "mesibo_message" "test" {
  from           = mesibo_user.bot.address
  gid            = mesibo_group.support.gid
  message        = "Support is open."
  type           = 3
  expiry_seconds = 3600

  depends_on = [mesibo_group_membership.support]
}
`
	var gid int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(messageRes, tfjsonpath.New("gid"), "mesibo_group.support", tfjsonpath.New("gid"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("to"), knownvalue.Null()),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("type"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("expiry_seconds"), knownvalue.Int64Exact(3600)),
				},
				Check: func(s *terraform.State) error {
					gid, _ = strconv.ParseInt(s.RootModule().Resources["mesibo_group.support"].Primary.ID, 10, 64)
					return e.messagesAre(emulator.StateMessage{From: "bot@example.com", GID: gid, Type: 3, Expiry: 3600, Message: "Support is open."})(s)
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					return e.messagesAre(emulator.StateMessage{From: "bot@example.com", GID: gid, Type: 3, Expiry: 3600, Message: "Support is open."})(s)
				},
			},
		},
	})
}

// TestAccMessage_resend: a change of triggers, or of any argument, sends the
// message again, with a new id; an unchanged configuration does not.
func TestAccMessage_resend(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	cfg := func(text, round string) string {
		return e.providerBlock("") + messageUsers + fmt.Sprintf(`
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = %q

  triggers = {
    round = %q
  }
}
`, text, round)
	}
	msg := func(text string) emulator.StateMessage {
		return emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: text}
	}
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	replaced := resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionReplace)},
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			return e.messagesAre(msg("Hello"), msg("Hello"), msg("Hello again"))(s)
		},
		Steps: []resource.TestStep{
			{
				Config:            cfg("Hello", "1"),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(messageRes, tfjsonpath.New("id"))},
				Check:             e.messagesAre(msg("Hello")),
			},
			{
				// A deliberate resend.
				Config:            cfg("Hello", "2"),
				ConfigPlanChecks:  replaced,
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(messageRes, tfjsonpath.New("id"))},
				Check:             e.messagesAre(msg("Hello"), msg("Hello")),
			},
			{
				// A changed text is a new message.
				Config:            cfg("Hello again", "2"),
				ConfigPlanChecks:  replaced,
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(messageRes, tfjsonpath.New("id"))},
				Check:             e.messagesAre(msg("Hello"), msg("Hello"), msg("Hello again")),
			},
			{
				Config: cfg("Hello again", "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.messagesAre(msg("Hello"), msg("Hello"), msg("Hello again")),
			},
		},
	})
}

// TestAccMessage_invalid: a wrong configuration is refused at plan time,
// with the attribute named, and nothing reaches Mesibo.
func TestAccMessage_invalid(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	message := func(body string) string {
		return e.providerBlock("") + "resource \"mesibo_message\" \"test\" {\n" + body + "\n}\n"
	}
	cases := invalidMessageArguments
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: message(c.body), ExpectError: c.want})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := e.Stats().Total(); n != 0 {
		t.Errorf("invalid configurations made %d API calls, want none", n)
	}
}

// TestAccMessage_unknownSenderOrGroup: Mesibo refuses a message from an
// address that is not a user, or to a group that does not exist, and the
// error says which.
func TestAccMessage_unknownSenderOrGroup(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.providerBlock("") + messageUsers + `
resource "mesibo_message" "test" {
  from    = "nobody@example.com"
  to      = mesibo_user.alice.address
  message = "hi"
}
`,
				ExpectError: wrapped("Mesibo Message Sender Not Found", `its sender "nobody@example.com" is not a user of the app`, "Nothing was sent.", "NOUSER"),
			},
			{
				Config: e.providerBlock("") + messageUsers + `
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  gid     = 987654321
  message = "hi"
}
`,
				ExpectError: wrapped("Mesibo Group Not Found", "group 987654321 does not exist; nothing was sent.", "NOGROUP"),
			},
			{
				// Nothing was recorded: once the sender exists, the message is sent.
				Config: e.providerBlock("") + messageUsers + `
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = "hi"
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionCreate)},
				},
				Check: func(*terraform.State) error {
					want := []emulator.StateMessage{{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: "hi"}}
					if got := e.Snapshot().Messages; !reflect.DeepEqual(got, want) {
						return fmt.Errorf("Mesibo holds messages %+v, want %+v", got, want)
					}
					return nil
				},
			},
		},
	})
}

// TestAccMessage_bothKnownOnlyAtApply: a gid that is unknown until apply
// cannot be checked at plan time; the check at apply refuses it before
// anything is sent.
func TestAccMessage_bothKnownOnlyAtApply(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerBlock("") + messageUsers + `
resource "mesibo_group" "support" {}

resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  gid     = mesibo_group.support.gid
  message = "hi"
}
`,
			ExpectError: wrapped("Invalid Attribute Combination", "Exactly one of these attributes must be configured: [to,gid]"),
		}, {
			// The failed apply sent nothing: this one sends the only message.
			Config: e.providerBlock("") + messageUsers + `
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = "hi"
}
`,
			Check: e.messagesAre(emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: "hi"}),
		}},
	})
}

// faultsAfter turns the emulator's faults off once it has seen n requests.
// The emulator logs a request before it answers, so the switch happens
// before the client can send the next one.
type faultsAfter struct {
	e    *testEmulator
	n    int64
	seen atomic.Int64
}

func (f *faultsAfter) logf(string, ...any) {
	if f.seen.Add(1) == f.n {
		f.e.SetFaults(0)
	}
}

// TestAccMessage_retriedOnlyWhenNotDelivered: a message refused before
// Mesibo processed it (429, 503) is retried and sent once; one whose answer
// is lost after Mesibo may have processed it (500, 502, a reset connection, a
// garbled or cut answer, a timeout) is never repeated, and the error says it
// may have been delivered.
func TestAccMessage_retriedOnlyWhenNotDelivered(t *testing.T) {
	const sender, recipient = "bot@example.com", "alice@example.com"
	cfg := func(e *testEmulator, settings string) string {
		return e.providerBlock(settings) + fmt.Sprintf(`
resource "mesibo_message" "test" {
  from    = %q
  to      = %q
  message = "hi"
}
`, sender, recipient)
	}
	sent := emulator.StateMessage{From: sender, To: recipient, Expiry: 31536000, Message: "hi"}

	t.Run("refused before processing", func(t *testing.T) {
		f := &faultsAfter{n: 3}
		f.e = newTestEmulator(t, emulator.Options{Logf: f.logf})
		e := f.e
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: factoriesWith(fastRetries),
			Steps: []resource.TestStep{{
				PreConfig: func() {
					mustAddUsers(t, e.client(t), appUsers("app", sender)...)
					f.seen.Store(0)
					e.SetFaults(1, emulator.Fault429, emulator.Fault503)
				},
				Config: cfg(e, "max_retries = 5"),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						st := e.Stats()
						if st.Faults["429"]+st.Faults["503"] != 3 {
							return fmt.Errorf("the emulator injected %v, want 3 pre-processing faults", st.Faults)
						}
						return nil
					},
					// Four calls reached Mesibo, one message was delivered.
					func(*terraform.State) error {
						if n := e.Stats().Requests["message"]; n != 4 {
							return fmt.Errorf("Mesibo received %d message calls, want 4 (3 refused, 1 sent)", n)
						}
						if got := e.Snapshot().Messages; !reflect.DeepEqual(got, []emulator.StateMessage{sent}) {
							return fmt.Errorf("Mesibo holds messages %+v, want only %+v", got, sent)
						}
						return nil
					}),
			}},
		})
	})

	ambiguous := []struct {
		name    string
		opts    emulator.Options
		faults  []emulator.Fault
		setting string
		// delivered: whether the emulator carried the request out (it drops
		// one whose client gave up during the latency).
		delivered bool
		// says: what else the error says.
		says []string
	}{
		{name: "500", faults: []emulator.Fault{emulator.Fault500}, delivered: true},
		{name: "502", faults: []emulator.Fault{emulator.Fault502}, delivered: true},
		{name: "reset", faults: []emulator.Fault{emulator.FaultReset}, delivered: true},
		{name: "garbage", faults: []emulator.Fault{emulator.FaultGarbage}, delivered: true},
		{name: "truncate", faults: []emulator.Fault{emulator.FaultTruncate}, delivered: true},
		{name: "timeout", opts: emulator.Options{Latency: 3 * time.Second}, setting: "request_timeout_seconds = 1", delivered: false,
			says: []string{"Mesibo did not answer within request_timeout_seconds", "raise request_timeout_seconds in the provider block"}},
	}
	for _, tc := range ambiguous {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEmulator(t, tc.opts)
			var want []emulator.StateMessage
			if tc.delivered {
				want = append(want, sent)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factoriesWith(fastRetries),
				Steps: []resource.TestStep{
					{
						PreConfig: func() {
							mustAddUsers(t, e.client(t), appUsers("app", sender)...)
							if tc.faults != nil {
								e.SetFaults(1, tc.faults...)
							}
						},
						Config: cfg(e, "max_retries = 5\n  "+tc.setting),
						ExpectError: wrapped(append([]string{"Mesibo Message May Have Been Delivered", `The message from "bot@example.com" to user "alice@example.com" may have reached Mesibo`,
							"so the message may have been delivered. It was not sent again", "the next terraform apply sends it again"}, tc.says...)...),
					},
					{
						// One call, never repeated; nothing recorded in state,
						// so the next apply sends the message again.
						PreConfig: func() {
							if n := e.Stats().Requests["message"]; n != 1 {
								t.Errorf("Mesibo received %d message calls, want 1: a message that may have been delivered was repeated", n)
							}
							if got := e.Snapshot().Messages; len(got) != len(want) {
								t.Errorf("Mesibo holds %d messages after the failed apply, want %d", len(got), len(want))
							}
							e.SetFaults(0)
							e.SetLatency(0)
						},
						Config: cfg(e, "max_retries = 5"),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionCreate)},
						},
						Check: func(*terraform.State) error {
							if got := e.Snapshot().Messages; len(got) != len(want)+1 {
								return fmt.Errorf("Mesibo holds %d messages, want %d", len(got), len(want)+1)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// TestAccMessage_unsetEqualsDefault: leaving out an argument and setting it
// to what leaving it out means (type = 0, triggers = {}, expiry_seconds =
// its default) describe the same message, so going from one to the other
// sends nothing and keeps the recorded send; a real change still sends again.
func TestAccMessage_unsetEqualsDefault(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	cfg := func(args string) string {
		return e.providerBlock("") + messageUsers + `
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = "Hi"
  ` + args + `
}
`
	}
	const all = "type = 0\n  triggers = {}\n  expiry_seconds = 31536000"
	msg := func(typ int64) emulator.StateMessage {
		return emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Type: typ, Expiry: 31536000, Message: "Hi"}
	}
	// The id and sent_at of the one send stay, step after step.
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameSentAt := statecheck.CompareValue(compare.ValuesSame())
	kept := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			sameID.AddStateValue(messageRes, tfjsonpath.New("id")),
			sameSentAt.AddStateValue(messageRes, tfjsonpath.New("sent_at")),
		}
	}
	// notSent: the step changes the state in place, or not at all, and sends nothing.
	notSent := func(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, action)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		}
	}
	step := func(args string, action plancheck.ResourceActionType, checks ...statecheck.StateCheck) resource.TestStep {
		return resource.TestStep{
			Config:            cfg(args),
			ConfigPlanChecks:  notSent(action),
			ConfigStateChecks: append(kept(), checks...),
			Check:             e.messagesAre(msg(0)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(all, plancheck.ResourceActionCreate),
			// Each argument left out, one at a time, then all set again.
			step("triggers = {}\n  expiry_seconds = 31536000", plancheck.ResourceActionUpdate,
				statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("type"), knownvalue.Null())),
			step("expiry_seconds = 31536000", plancheck.ResourceActionUpdate,
				statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("triggers"), knownvalue.Null())),
			step("", plancheck.ResourceActionNoop),
			step("type = 0", plancheck.ResourceActionUpdate,
				statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("type"), knownvalue.Int64Exact(0))),
			step("triggers = {}", plancheck.ResourceActionUpdate,
				statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("type"), knownvalue.Null()),
				statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("triggers"), knownvalue.MapExact(map[string]knownvalue.Check{}))),
			step(all, plancheck.ResourceActionUpdate),
			{
				// A type other than the default is another message.
				Config: cfg("type = 1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionReplace)},
				},
				Check: e.messagesAre(msg(0), msg(1)),
			},
			{
				// So is a trigger.
				Config: cfg("type = 1\n  triggers = { round = \"2\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionReplace)},
				},
				Check: e.messagesAre(msg(0), msg(1), msg(1)),
			},
		},
	})
}

// TestAccMessage_import: a message delivered outside this configuration (by
// an apply that lost Mesibo's answer, or before the configuration managed
// it) is recorded with an import, by the time it was sent, without sending
// it: the first apply adopts the configured arguments. From then on the
// message behaves as if Terraform had sent it.
func TestAccMessage_import(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	message := func(text string) string {
		return fmt.Sprintf(`
resource "mesibo_message" "test" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = %q
  type    = 2

  triggers = {
    round = "1"
  }
}
`, text)
	}
	importBlock := func(id string) string {
		return fmt.Sprintf("\nimport {\n  to = mesibo_message.test\n  id = %q\n}\n", id)
	}
	users := e.providerBlock("") + messageUsers
	sent := emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Type: 2, Expiry: 31536000, Message: "Welcome"}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The users exist; the message was delivered outside Terraform.
				Config: users,
				Check: func(*terraform.State) error {
					c, err := mesibo.New(mesibo.Config{Endpoint: e.endpoint, AppToken: e.token})
					if err != nil {
						return err
					}
					return c.SendMessage(context.Background(), mesibo.MessageRequest{From: sent.From, To: sent.To, Type: &sent.Type, Message: sent.Message})
				},
			},
			{
				// An import ID that is not a time is refused, with the format.
				Config:      users + message("Welcome") + importBlock("yesterday"),
				ExpectError: wrapped("Invalid Import ID", "time the message was sent", "RFC 3339", "2025-06-01T09:30:00Z", `not "yesterday"`),
			},
			{
				// Imported with an import block: the plan adopts the
				// configuration in place, and nothing is sent.
				Config: users + message("Welcome") + importBlock("2025-06-01T11:30:00+02:00"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(messageRes, tfjsonpath.New("message"), knownvalue.StringExact("Welcome")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(messageRes, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("sent_at"), knownvalue.StringExact("2025-06-01T09:30:00Z")),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("from"), knownvalue.StringExact("bot@example.com")),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("type"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("expiry_seconds"), knownvalue.Int64Exact(31536000)),
					statecheck.ExpectKnownValue(messageRes, tfjsonpath.New("triggers"), knownvalue.MapExact(map[string]knownvalue.Check{"round": knownvalue.StringExact("1")})),
				},
				Check: e.messagesAre(sent),
			},
			{
				// The import block is done: nothing changes, nothing is sent.
				Config: users + message("Welcome"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(messageRes, tfjsonpath.New("id"))},
				Check:             e.messagesAre(sent),
			},
			{
				// A new text is a new message, sent as any other.
				Config: users + message("Welcome, again"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionReplace)},
				},
				Check: func(s *terraform.State) error {
					again := sent
					again.Message = "Welcome, again"
					return e.messagesAre(sent, again)(s)
				},
			},
			{
				// Removed from the configuration, the message is forgotten
				// and stays delivered.
				Config: users,
				Check: func(s *terraform.State) error {
					again := sent
					again.Message = "Welcome, again"
					return e.messagesAre(sent, again)(s)
				},
			},
			{
				// terraform import on the command line records it again.
				Config:             users + message("Welcome, again"),
				ResourceName:       messageRes,
				ImportState:        true,
				ImportStateId:      "2025-06-02T08:00:00Z",
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					for _, st := range states {
						if sentAt, ok := st.Attributes["sent_at"]; ok {
							if sentAt != "2025-06-02T08:00:00Z" {
								return fmt.Errorf("sent_at = %q, want the import ID", sentAt)
							}
							return nil
						}
					}
					return fmt.Errorf("no message among the %d imported states", len(states))
				},
			},
			{
				Config: users + message("Welcome, again"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(messageRes, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					again := sent
					again.Message = "Welcome, again"
					return e.messagesAre(sent, again)(s)
				},
			},
		},
	})
}

// TestAccMessage_planWarnings: a plan that destroys a message, with
// terraform plan -destroy, terraform destroy or by removing it from the
// configuration, warns that it stays delivered; a plan that records an
// imported message warns that it records without sending. Terraform shows
// them as a user sees them, so the test drives the CLI.
func TestAccMessage_planWarnings(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	write := func(body string) { cli.writeConfig(requiredProviders + e.providerBlock("") + messageUsers + body) }
	const group = `
resource "mesibo_group" "news" {
  name = "News"
}

resource "mesibo_message" "news" {
  from    = mesibo_user.bot.address
  gid     = mesibo_group.news.gid
  message = "Read all about it"
}
`
	const welcome = `
resource "mesibo_message" "welcome" {
  from    = mesibo_user.bot.address
  to      = mesibo_user.alice.address
  message = "Welcome"
}
`
	write(group + welcome)
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("first apply: %v%s", r.err, r.summary())
	}
	gid := e.Snapshot().Groups[0].GID
	stays := func(to string) []string {
		return []string{`The message from "bot@example.com" to ` + to, "stays delivered: Mesibo cannot unsend a message",
			"only removes it from the Terraform state, without an API call"}
	}
	const warnStays = "warning|Mesibo Message Stays Delivered|"
	diagnosticsAre(t, "plan -destroy", cli.planWith(ctx, tfexec.Destroy(true)), map[string][]string{
		warnStays + "mesibo_message.welcome": stays(`user "alice@example.com"`),
		warnStays + "mesibo_message.news":    stays(fmt.Sprintf("group %d", gid)),
	})

	// Removed from the configuration: the same warning, for that one only.
	// Terraform gives it no address; the detail names the message.
	write(group)
	diagnosticsAre(t, "message removed", cli.planWith(ctx), map[string][]string{
		warnStays: stays(`user "alice@example.com"`),
	})
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply without the message: %v%s", r.err, r.summary())
	}

	// Imported again: the plan says that it records without sending.
	write(group + welcome + `
import {
  to = mesibo_message.welcome
  id = "2025-06-01T09:30:00Z"
}
`)
	diagnosticsAre(t, "import", cli.planWith(ctx), map[string][]string{
		"warning|Imported Mesibo Message: Recorded Without Sending|mesibo_message.welcome": {
			`records the message from "bot@example.com" to user "alice@example.com"`,
			"as sent at 2025-06-01T09:30:00Z, without sending it", "Mesibo cannot read a message back",
			"make sure that this message is the one that was delivered",
		},
	})
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply of the import: %v%s", r.err, r.summary())
	}

	// terraform destroy warns too, and sends nothing.
	r := cli.destroy(ctx)
	if r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
	var warned []string
	for _, d := range r.diags {
		if d.Severity == "warning" && d.Summary == "Mesibo Message Stays Delivered" {
			warned = append(warned, d.Address)
		}
	}
	if want := []string{"mesibo_message.news", "mesibo_message.welcome"}; fmt.Sprint(sortedStrings(warned)) != fmt.Sprint(want) {
		t.Errorf("terraform destroy warned about %v, want %v", warned, want)
	}
	if n := e.Stats().Requests["message"]; n != 2 {
		t.Errorf("Mesibo received %d message calls, want the 2 sends of the first apply", n)
	}
}

func sortedStrings(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

// invalidMessageArguments are message arguments that the mesibo_message
// resource and action refuse at plan time, and what the error says.
var invalidMessageArguments = []struct {
	name, body string
	want       *regexp.Regexp
}{
	{"neither to nor gid", `from = "bot"
message = "hi"`, wrapped("Missing Attribute Configuration", "Exactly one of these attributes must be configured: [to,gid]")},
	{"both to and gid", `from = "bot"
to = "alice"
gid = 501
message = "hi"`, wrapped("Invalid Attribute Combination", "Exactly one of these attributes must be configured: [to,gid]")},
	{"empty message", `from = "bot"
to = "alice"
message = ""`, wrapped("Attribute message string length must be at least 1, got: 0")},
	{"blank message", `from = "bot"
to = "alice"
message = " \n\t "`, wrapped("Invalid Attribute Value", `message = " \n\t "`, "The message has only whitespace", "nothing to send")},
	{"bad sender address", `from = "bot one"
to = "alice"
message = "hi"`, wrapped("Invalid Mesibo Address", `from = "bot one"`, `Address "bot one" contains whitespace`)},
	{"bad recipient address", `from = "bot"
to = "*@example.com"
message = "hi"`, wrapped("Invalid Mesibo Address", `to = "*@example.com"`, `contains "*", which the API reads as a wildcard`)},
	{"gid 0", `from = "bot"
gid = 0
message = "hi"`, wrapped("Attribute gid value must be at least 1, got: 0")},
	{"negative type", `from = "bot"
to = "alice"
message = "hi"
type = -1`, wrapped("Attribute type value must be at least 0, got: -1")},
	{"expiry 0", `from = "bot"
to = "alice"
message = "hi"
expiry_seconds = 0`, wrapped("Attribute expiry_seconds value must be at least 1, got: 0")},
	{"type above what Mesibo stores", `from = "bot"
to = "alice"
message = "hi"
type = 2147483648`, wrapped("Attribute type value must be at most 2147483647, got: 2147483648")},
	{"expiry of 2^63-1", `from = "bot"
to = "alice"
message = "hi"
expiry_seconds = 9223372036854775807`, wrapped("Attribute expiry_seconds value must be at most 2147483647")},
}

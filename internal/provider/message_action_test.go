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

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// The action tests need Terraform 1.14 or later. As the resource's tests,
// they count what the emulator's record of sent messages holds.

// welcomeOnCreate declares a group with a member, and an action that
// welcomes the group, run when the terraform_data named welcome is created:
// the first apply, and each time round changes, which replaces it.
func welcomeOnCreate(providerBlock, round string) string {
	return providerBlock + messageUsers + fmt.Sprintf(`
resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [mesibo_user.alice.address]
}

action "mesibo_message" "welcome" {
  config {
    from    = mesibo_user.bot.address
    gid     = mesibo_group.support.gid
    message = "Welcome to Support"
    type    = 2
  }
}

resource "terraform_data" "welcome" {
  triggers_replace = %q
  depends_on       = [mesibo_group_membership.support]

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.mesibo_message.welcome]
    }
  }
}
`, round)
}

// TestAccMessageAction_afterCreate: the action sends its message when its
// trigger fires, and only then: a plan with nothing to create sends nothing,
// and a new trigger sends again.
func TestAccMessageAction_afterCreate(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	var gid int64
	welcome := func() emulator.StateMessage {
		return emulator.StateMessage{From: "bot@example.com", GID: gid, Type: 2, Expiry: 31536000, Message: "Welcome to Support"}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliActions),
		Steps: []resource.TestStep{
			{
				Config: welcomeOnCreate(e.providerBlock(""), "1"),
				Check: func(s *terraform.State) error {
					gid, _ = strconv.ParseInt(s.RootModule().Resources["mesibo_group.support"].Primary.ID, 10, 64)
					return e.messagesAre(welcome())(s)
				},
			},
			{
				// Nothing to create: the trigger does not fire.
				Config: welcomeOnCreate(e.providerBlock(""), "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error { return e.messagesAre(welcome())(s) },
			},
			{
				// A new terraform_data: the trigger fires again.
				Config: welcomeOnCreate(e.providerBlock(""), "2"),
				Check:  func(s *terraform.State) error { return e.messagesAre(welcome(), welcome())(s) },
			},
		},
	})
}

// TestAccMessageAction_toUser: a message to a user, with the default expiry,
// sent after the recipient is created. The default goes on the wire: the
// emulator, like Mesibo, would fill in the same one for a message without.
func TestAccMessageAction_toUser(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	rec := &apiRecorder{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: recordedProvider(rec),
		TerraformVersionChecks:   cliChecks(t, cliActions),
		Steps: []resource.TestStep{{
			Config: e.providerBlock("") + messageUsers + `
action "mesibo_message" "hello" {
  config {
    from    = mesibo_user.bot.address
    to      = mesibo_user.alice.address
    message = "Hello Alice"
  }
}

resource "terraform_data" "hello" {
  input = mesibo_user.alice.uid

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.mesibo_message.hello]
    }
  }
}
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				e.messagesAre(emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: "Hello Alice"}),
				rec.sentParams("message", "expiry", strconv.Itoa(defaultMessageExpirySeconds)),
			),
		}},
	})
}

// TestAccMessageAction_invalid: the action refuses the arguments the
// resource refuses, at plan time, and sends nothing.
func TestAccMessageAction_invalid(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	withAction := func(body string) string {
		return e.providerBlock("") + `
action "mesibo_message" "test" {
  config {
` + body + `
  }
}

resource "terraform_data" "test" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.mesibo_message.test]
    }
  }
}
`
	}
	cases := invalidMessageArguments
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: withAction(c.body), ExpectError: c.want})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliActions),
		Steps:                    steps,
	})
	if n := e.Stats().Total(); n != 0 {
		t.Errorf("invalid configurations made %d API calls, want none", n)
	}
}

// messageFaults stands in front of an emulator and breaks the answers to the
// first message calls, the way a proxy would: "503" refuses a call before it
// reaches Mesibo, "500" lets Mesibo deliver the message and loses the answer.
// Every other call passes through untouched.
type messageFaults struct {
	next   http.Handler
	faults []string
	calls  atomic.Int64
}

func (m *messageFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form := requestForm(body)
	if form.Get("op") != "message" && r.URL.Query().Get("op") != "message" {
		m.next.ServeHTTP(w, r)
		return
	}
	i := int(m.calls.Add(1)) - 1
	switch {
	case i >= len(m.faults):
		m.next.ServeHTTP(w, r)
	case m.faults[i] == "503":
		http.Error(w, "<html>service unavailable</html>", http.StatusServiceUnavailable)
	default:
		m.next.ServeHTTP(httptest.NewRecorder(), r)
		http.Error(w, "<html>internal error</html>", http.StatusInternalServerError)
	}
}

// TestAccMessageAction_failures: a send refused before Mesibo processed it
// is retried and delivered once; one whose answer was lost is never
// repeated, the error says it may have been delivered, and the next apply
// does not run the action again: its trigger (the creation of the
// terraform_data) does not fire again.
func TestAccMessageAction_failures(t *testing.T) {
	cases := []struct {
		name      string
		faults    []string
		wantCalls int64
		want      *regexp.Regexp // nil: no error
	}{
		{name: "refused before processing", faults: []string{"503", "503", "503"}, wantCalls: 4},
		{name: "answer lost", faults: []string{"500"}, wantCalls: 1,
			want: wrapped("Mesibo Message May Have Been Delivered", "may have reached Mesibo", "It was not sent again",
				"Check whether it arrived before it is sent again:", "Terraform keeps no record of actions",
				"terraform apply -invoke=action.mesibo_message.<name>")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token := randomHex(24)
			srv, err := emulator.New(emulator.Options{AppToken: token})
			if err != nil {
				t.Fatal(err)
			}
			proxy := &messageFaults{next: srv, faults: tc.faults}
			hs := httptest.NewServer(proxy)
			t.Cleanup(hs.Close)
			e := &testEmulator{Server: srv, endpoint: hs.URL + emulatorPath(), token: token}
			cfg := welcomeOnCreate(e.providerBlock("max_retries = 5"), "1")
			var gid int64
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factoriesWith(fastRetries),
				TerraformVersionChecks:   cliChecks(t, cliActions),
				Steps: []resource.TestStep{
					{Config: cfg, ExpectError: tc.want},
					{
						// The trigger does not fire again: nothing more is sent.
						Config: cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						Check: func(s *terraform.State) error {
							gid, _ = strconv.ParseInt(s.RootModule().Resources["mesibo_group.support"].Primary.ID, 10, 64)
							want := emulator.StateMessage{From: "bot@example.com", GID: gid, Type: 2, Expiry: 31536000, Message: "Welcome to Support"}
							if n := proxy.calls.Load(); n != tc.wantCalls {
								return fmt.Errorf("Mesibo was sent %d message calls, want %d", n, tc.wantCalls)
							}
							if msgs := e.Snapshot().Messages; len(msgs) != 1 || msgs[0] != want {
								return fmt.Errorf("Mesibo holds messages %+v, want only %+v", msgs, want)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// TestAccMessageAction_invoke: terraform apply -invoke sends the message of
// an action that no trigger runs, once per invocation, and says why when it
// cannot.
func TestAccMessageAction_invoke(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliActions)
	e := newTestEmulator(t, emulator.Options{})
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	ctx := context.Background()
	cli.writeConfig(requiredProviders + e.providerBlock("") + messageUsers + `
action "mesibo_message" "ping" {
  config {
    from    = mesibo_user.bot.address
    to      = mesibo_user.alice.address
    message = "ping"
  }
}

action "mesibo_message" "from_nobody" {
  config {
    from    = "nobody@example.com"
    to      = mesibo_user.alice.address
    message = "ping"
  }
}
`)
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	if n := len(e.Snapshot().Messages); n != 0 {
		t.Fatalf("an apply without -invoke sent %d messages, want none", n)
	}
	ping := emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: "ping"}
	for i := 1; i <= 2; i++ {
		if r := cli.invoke(ctx, "action.mesibo_message.ping"); r.err != nil {
			t.Fatalf("invoke %d: %v%s", i, r.err, r.summary())
		}
		want := make([]emulator.StateMessage, i)
		for j := range want {
			want[j] = ping
		}
		if err := e.messagesAre(want...)(nil); err != nil {
			t.Fatalf("after invocation %d: %v", i, err)
		}
	}

	r := cli.invoke(ctx, "action.mesibo_message.from_nobody")
	if r.err == nil {
		t.Fatal("invoking an action whose sender is not a user succeeded")
	}
	errs := r.errors()
	// Terraform 1.14 and 1.15 wrap the provider's error ("Error when
	// invoking action", with the provider's summary and detail as its
	// detail); 1.16 shows it as it is.
	if len(errs) != 1 || !wrapped(summarySenderNotFound, `its sender "nobody@example.com" is not a user of the app`, "Nothing was sent.",
		"terraform apply -invoke=action.mesibo_message.<name>").MatchString(errs[0].Summary+"\n"+errs[0].Detail) {
		t.Errorf("the failed invocation said %v, want that the sender is not a user and how to send again", errs)
	}
	if n := len(e.Snapshot().Messages); n != 2 {
		t.Errorf("Mesibo holds %d messages, want the 2 pings", n)
	}
}

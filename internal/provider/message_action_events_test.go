package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// The tests of what Terraform 1.16 added to action_trigger: the
// before_destroy and after_destroy events, and on_failure (halt, the
// default; continue; taint). They look at what Mesibo held when each message
// arrived, through an observer in front of the emulator.

// seenMessage is a message call and what Mesibo held when it arrived.
type seenMessage struct {
	// sent is the message Mesibo recorded, nil when it refused the call.
	sent *emulator.StateMessage
	// held is Mesibo's data just before the call.
	held emulator.State
}

// hadUser tells whether Mesibo had a user with address when the message
// arrived.
func (m seenMessage) hadUser(address string) bool {
	return slices.ContainsFunc(m.held.Users, func(u emulator.StateUser) bool { return u.Address == address })
}

// hadGroup tells whether Mesibo had group gid when the message arrived.
func (m seenMessage) hadGroup(gid int64) bool {
	return slices.ContainsFunc(m.held.Groups, func(g emulator.StateGroup) bool { return g.GID == gid })
}

// observedEmulator is an emulator behind a handler of the test's, which
// notes what Mesibo held when each message call arrived and refuses the
// calls of the ops in refuse with HTTP 403, an answer no retry cures.
type observedEmulator struct {
	*testEmulator
	mu     sync.Mutex
	seen   []seenMessage
	refuse map[string]bool
}

func newObservedEmulator(t *testing.T) *observedEmulator {
	t.Helper()
	token := randomHex(24)
	srv, err := emulator.New(emulator.Options{AppToken: token})
	if err != nil {
		t.Fatal(err)
	}
	o := &observedEmulator{refuse: map[string]bool{}}
	hs := httptest.NewServer(o)
	t.Cleanup(hs.Close)
	o.testEmulator = &testEmulator{Server: srv, endpoint: hs.URL + emulatorPath(), token: token}
	return o
}

// refuseOp makes the calls of op fail from now on (or pass again).
func (o *observedEmulator) refuseOp(op string, refuse bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.refuse[op] = refuse
}

func (o *observedEmulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form := requestForm(body)
	op := form.Get("op")
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.refuse[op] {
		http.Error(w, "refused by the test", http.StatusForbidden)
		return
	}
	if op != "message" {
		o.Server.ServeHTTP(w, r)
		return
	}
	held := o.Snapshot()
	o.Server.ServeHTTP(w, r)
	m := seenMessage{held: held}
	if after := o.Snapshot().Messages; len(after) > len(held.Messages) {
		m.sent = &after[len(after)-1]
	}
	o.seen = append(o.seen, m)
}

// messages returns the message calls seen so far.
func (o *observedEmulator) messages() []seenMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seen)
}

// destroyEventsConfig declares a bot that sends the messages, an admin who
// is told of deletions, users (one per address) who are told before they are
// deleted, and a group of them that is told before it is deleted.
func destroyEventsConfig(providerBlock string, addresses ...string) string {
	return destroyEventsUsers(providerBlock, addresses...) + destroyEventsGroup
}

// destroyEventsUsers is destroyEventsConfig without the group.
func destroyEventsUsers(providerBlock string, addresses ...string) string {
	// count rather than for_each: the test harness's state shim cannot
	// read string instance keys.
	return providerBlock + fmt.Sprintf(`
locals {
  team = [%s]
}

resource "mesibo_user" "bot" {
  address = "bot@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_user" "admin" {
  address = "admin@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_user" "team" {
  count = length(local.team)

  address = local.team[count.index]
  app_id  = "com.example.chat"

  lifecycle {
    action_trigger {
      events  = [before_destroy]
      actions = [action.mesibo_message.goodbye]
    }
    action_trigger {
      events  = [after_destroy]
      actions = [action.mesibo_message.deleted]
    }
  }
}

action "mesibo_message" "goodbye" {
  config {
    from    = mesibo_user.bot.address
    to      = caller.address
    message = "Your account closes now"
  }
}

action "mesibo_message" "deleted" {
  config {
    from    = mesibo_user.bot.address
    to      = mesibo_user.admin.address
    message = "Deleted ${caller.address}"
  }
}

`, hclStrings(addresses...))
}

// destroyEventsGroup is the group of destroyEventsConfig.
const destroyEventsGroup = `
resource "mesibo_group" "support" {
  name = "Support"

  lifecycle {
    action_trigger {
      events  = [before_destroy]
      actions = [action.mesibo_message.closing]
    }
  }
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [for u in mesibo_user.team : u.address]
}

action "mesibo_message" "closing" {
  config {
    from    = mesibo_user.bot.address
    gid     = caller.gid
    message = "Support closes now"
  }
}
`

// expectSeen checks the message calls from the from'th on: each was
// delivered, in some order, and its check passes.
func expectSeen(o *observedEmulator, from int, want map[string]func(seenMessage) error) error {
	seen := o.messages()[from:]
	if len(seen) != len(want) {
		return fmt.Errorf("Mesibo received %d message calls, want %d (%v)", len(seen), len(want), sortedKeys(want))
	}
	for _, m := range seen {
		if m.sent == nil {
			return fmt.Errorf("Mesibo refused a message call, want every one delivered")
		}
		key := m.sent.Message + " → " + m.sent.To
		if m.sent.GID != 0 {
			key = fmt.Sprintf("%s → group %d", m.sent.Message, m.sent.GID)
		}
		check, ok := want[key]
		if !ok {
			return fmt.Errorf("Mesibo received %q, want only %v", key, sortedKeys(want))
		}
		delete(want, key)
		if !m.hadUser("bot@example.com") {
			return fmt.Errorf("%q arrived after its sender was deleted", key)
		}
		if err := check(m); err != nil {
			return fmt.Errorf("%q: %w", key, err)
		}
	}
	return nil
}

// userThere and userGone check that a message arrived while the user
// existed, or once it was deleted.
func userThere(address string) func(seenMessage) error {
	return func(m seenMessage) error {
		if !m.hadUser(address) {
			return fmt.Errorf("arrived after %s was deleted, want before", address)
		}
		return nil
	}
}

func userGone(address string) func(seenMessage) error {
	return func(m seenMessage) error {
		if m.hadUser(address) {
			return fmt.Errorf("arrived while %s still existed, want after it was deleted", address)
		}
		if !m.hadUser("admin@example.com") {
			return fmt.Errorf("arrived after its recipient admin@example.com was deleted")
		}
		return nil
	}
}

// TestAccMessageAction_destroyEvents: a before_destroy trigger sends its
// message while the object is still there (a user told before its account
// is deleted, a group before it is), an after_destroy trigger once it is
// gone; the users the messages come from and go to are deleted only after
// the messages that name them, in an apply that removes one user and in
// terraform destroy. Removing a resource block removes its triggers with it,
// and destroy = false forgets instead of deleting: nothing is sent.
func TestAccMessageAction_destroyEvents(t *testing.T) {
	t.Run("the example, applied and destroyed", func(t *testing.T) {
		// examples/action-destroy-events, as the action's page shows it.
		example, err := os.ReadFile(filepath.Join("..", "..", "examples", "action-destroy-events", "main.tf"))
		if err != nil {
			t.Fatal(err)
		}
		testAccGate(t)
		requireCLI(t, cliActionDestroyEvents)
		t.Parallel()
		o := newObservedEmulator(t)
		ctx := context.Background()
		cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
		cli.writeConfig(string(example))
		cli.writeFile("provider.tf", o.providerBlock(""))
		cli.init(ctx)
		if r := cli.apply(ctx); r.err != nil {
			t.Fatalf("create: %v%s", r.err, r.summary())
		}
		if n := len(o.messages()); n != 0 {
			t.Fatalf("creating sent %d messages, want none", n)
		}
		gid := stateNumber(t, cli.state().managed("mesibo_group")[0]["gid"])

		// Bob leaves: he is told first, the admin once he is gone.
		if r := cli.apply(ctx, tfexec.Var(`team=["alice@example.com"]`)); r.err != nil {
			t.Fatalf("apply without bob: %v%s", r.err, r.summary())
		}
		goodbye := "Your account is being closed. Thank you for chatting with us."
		if err := expectSeen(o, 0, map[string]func(seenMessage) error{
			goodbye + " → bob@example.com":                                 userThere("bob@example.com"),
			"The account bob@example.com was deleted. → admin@example.com": userGone("bob@example.com"),
		}); err != nil {
			t.Errorf("removing bob: %v", err)
		}

		info, stop := cli.serve()
		var out bytes.Buffer
		err = cli.tf.DestroyJSON(ctx, &out, tfexec.Reattach(info), tfexec.Var(`team=["alice@example.com"]`))
		stop()
		if err != nil {
			t.Fatalf("destroy: %v%s", err, cliResult{diags: parseUI(t, out.Bytes())}.summary())
		}
		if err := expectSeen(o, 2, map[string]func(seenMessage) error{
			goodbye + " → alice@example.com":                                 userThere("alice@example.com"),
			"The account alice@example.com was deleted. → admin@example.com": userGone("alice@example.com"),
			fmt.Sprintf("This group is closing now. → group %d", gid): func(m seenMessage) error {
				if !m.hadGroup(gid) {
					return fmt.Errorf("arrived after group %d was deleted, want before", gid)
				}
				return nil
			},
		}); err != nil {
			t.Errorf("terraform destroy: %v", err)
		}
		if snap := o.Snapshot(); len(snap.Users)+len(snap.Groups) != 0 {
			t.Errorf("Mesibo still holds %+v after terraform destroy", snap)
		}
	})
	t.Run("destroy = false", func(t *testing.T) {
		o := newObservedEmulator(t)
		// The team's users are forgotten, never deleted: no trigger fires.
		forgotten := func(addresses ...string) string {
			return strings.Replace(destroyEventsUsers(o.providerBlock(""), addresses...), "  lifecycle {\n    action_trigger {",
				"  lifecycle {\n    destroy = false\n\n    action_trigger {", 1)
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   cliChecks(t, cliActionDestroyEvents),
			CheckDestroy: func(*terraform.State) error {
				if err := expectSeen(o, 0, nil); err != nil {
					return err
				}
				if n := len(o.Snapshot().Users); n != 2 {
					return fmt.Errorf("Mesibo holds %d users after terraform destroy, want alice and bob, forgotten", n)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{Config: forgotten("alice@example.com", "bob@example.com")},
				{Config: forgotten("alice@example.com")},
			},
		})
	})
	t.Run("resource block removed", func(t *testing.T) {
		o := newObservedEmulator(t)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   cliChecks(t, cliActionDestroyEvents),
			Steps: []resource.TestStep{
				{Config: destroyEventsConfig(o.providerBlock(""), "alice@example.com")},
				{
					// The group's block and its trigger gone: the group is
					// deleted without a message.
					Config: destroyEventsUsers(o.providerBlock(""), "alice@example.com"),
					Check: func(*terraform.State) error {
						if n := len(o.Snapshot().Groups); n != 0 {
							return fmt.Errorf("Mesibo holds %d groups, want the group deleted", n)
						}
						return expectSeen(o, 0, nil)
					},
				},
			},
		})
	})
}

// TestAccMessageAction_afterDestroyWhenTheDeleteFails: Terraform 1.16 runs
// an after_destroy trigger even when the delete failed, so the message that
// says a user was deleted goes out while the user is still there (the docs
// warn of it). The apply still fails, and the user stays in the state.
func TestAccMessageAction_afterDestroyWhenTheDeleteFails(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliActionDestroyEvents)
	o := newObservedEmulator(t)
	ctx := context.Background()
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + destroyEventsConfig(o.providerBlock(""), "alice@example.com", "bob@example.com"))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	o.refuseOp("userdel", true)
	cli.writeConfig(requiredProviders + destroyEventsConfig(o.providerBlock(""), "alice@example.com"))
	r := cli.apply(ctx)
	if errs := r.errors(); r.err == nil || len(errs) != 1 || errs[0].Summary != "Unable to Delete Mesibo User" {
		t.Fatalf("apply whose userdel is refused: %v, errors %v; want the failed delete", r.err, errs)
	}
	if err := expectSeen(o, 0, map[string]func(seenMessage) error{
		"Your account closes now → bob@example.com": userThere("bob@example.com"),
		"Deleted bob@example.com → admin@example.com": func(m seenMessage) error {
			if !m.hadUser("bob@example.com") {
				return fmt.Errorf("bob was deleted, although userdel was refused")
			}
			return nil
		},
	}); err != nil {
		t.Error(err)
	}
	if _, ok := cli.instanceStatus()["mesibo_user.team[1]"]; !ok {
		t.Error("bob left the state although his deletion failed")
	}
	o.refuseOp("userdel", false)
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
}

// TestAccMessageAction_invokeWithCaller: terraform apply -invoke of an
// action that uses caller sends once for each resource that triggers it, and
// -target picks one (Terraform 1.16). Once a resource is gone, there is no
// caller for it: nothing is sent for it.
func TestAccMessageAction_invokeWithCaller(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliActionDestroyEvents)
	o := newObservedEmulator(t)
	ctx := context.Background()
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + destroyEventsUsers(o.providerBlock(""), "alice@example.com", "bob@example.com"))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	if r := cli.invoke(ctx, "action.mesibo_message.goodbye"); r.err != nil {
		t.Fatalf("invoke: %v%s", r.err, r.summary())
	}
	if err := expectSeen(o, 0, map[string]func(seenMessage) error{
		"Your account closes now → alice@example.com": userThere("alice@example.com"),
		"Your account closes now → bob@example.com":   userThere("bob@example.com"),
	}); err != nil {
		t.Errorf("-invoke without -target: %v", err)
	}
	if r := cli.invoke(ctx, "action.mesibo_message.goodbye", "-target=mesibo_user.team[1]"); r.err != nil {
		t.Fatalf("invoke -target: %v%s", r.err, r.summary())
	}
	if err := expectSeen(o, 2, map[string]func(seenMessage) error{
		"Your account closes now → bob@example.com": userThere("bob@example.com"),
	}); err != nil {
		t.Errorf("-invoke -target=mesibo_user.team[1]: %v", err)
	}

	cli.writeConfig(requiredProviders + destroyEventsUsers(o.providerBlock(""), "alice@example.com"))
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply without bob: %v%s", r.err, r.summary())
	}
	// Bob is gone: -target finds no caller and sends nothing (Terraform
	// says nothing either), and -invoke sends to the users still there.
	n := len(o.messages())
	if r := cli.invoke(ctx, "action.mesibo_message.goodbye", "-target=mesibo_user.team[1]"); r.err != nil {
		t.Fatalf("invoke -target for bob: %v%s", r.err, r.summary())
	}
	if got := len(o.messages()); got != n {
		t.Errorf("-invoke for bob, whose resource is gone, made %d message calls", got-n)
	}
	if r := cli.invoke(ctx, "action.mesibo_message.goodbye"); r.err != nil {
		t.Fatalf("invoke: %v%s", r.err, r.summary())
	}
	if err := expectSeen(o, n, map[string]func(seenMessage) error{
		"Your account closes now → alice@example.com": userThere("alice@example.com"),
	}); err != nil {
		t.Errorf("-invoke after bob was deleted: %v", err)
	}
}

// groupFarewellAfterDestroy declares a group whose after_destroy trigger
// sends a message to it: too late, the group is gone by then.
func groupFarewellAfterDestroy(providerBlock string) string {
	return providerBlock + `
resource "mesibo_user" "bot" {
  address = "bot@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_group" "support" {
  name = "Support"

  lifecycle {
    action_trigger {
      events  = [after_destroy]
      actions = [action.mesibo_message.closed]
    }
  }
}

action "mesibo_message" "closed" {
  config {
    from    = mesibo_user.bot.address
    gid     = caller.gid
    message = "Support is closed"
  }
}
`
}

// TestAccMessageAction_afterDestroyOfItsGroup: a message to a group from
// the group's own after_destroy trigger cannot be delivered, as the group is
// gone. The error says so and where to send it from; the replacement stops
// there (on_failure halt). terraform destroy reports it as a warning and
// deletes everything.
func TestAccMessageAction_afterDestroyOfItsGroup(t *testing.T) {
	o := newObservedEmulator(t)
	cfg := groupFarewellAfterDestroy(o.providerBlock(""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliActionDestroyEvents),
		CheckDestroy: func(*terraform.State) error {
			seen := o.messages()
			if len(seen) != 2 || seen[0].sent != nil || seen[1].sent != nil {
				return fmt.Errorf("Mesibo received %d message calls (%+v), want the 2 it refused", len(seen), seen)
			}
			if snap := o.Snapshot(); len(snap.Users)+len(snap.Groups) != 0 {
				return fmt.Errorf("Mesibo still holds %+v after terraform destroy", snap)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				Config: cfg,
				Taint:  []string{"mesibo_group.support"},
				ExpectError: wrapped("Mesibo Group Not Found", "does not exist; nothing was sent",
					"An after_destroy trigger runs after Terraform has deleted its resource",
					"must be sent by a before_destroy trigger", "Terraform keeps no record of actions"),
			},
			{
				// The replacement stopped after the delete: the next apply
				// creates the group.
				Config: cfg,
				Check: func(*terraform.State) error {
					if n := len(o.Snapshot().Groups); n != 1 {
						return fmt.Errorf("Mesibo holds %d groups, want the 1 created anew", n)
					}
					return nil
				},
			},
		},
	})
}

// welcomeWithOnFailure declares a terraform_data whose creation sends a
// welcome from sender to alice, with the trigger's on_failure.
func welcomeWithOnFailure(providerBlock, sender, onFailure string) string {
	return requiredProviders + providerBlock + messageUsers + fmt.Sprintf(`
action "mesibo_message" "welcome" {
  config {
    from    = %q
    to      = mesibo_user.alice.address
    message = "Welcome"
  }
}

resource "terraform_data" "welcome" {
  depends_on = [mesibo_user.bot]

  lifecycle {
    action_trigger {
      events     = [after_create]
      actions    = [action.mesibo_message.welcome]
      on_failure = %s
    }
  }
}
`, sender, onFailure)
}

// TestAccMessageAction_onFailure: the provider reports a failed send as an
// error, and Terraform 1.16 does with it what the trigger's on_failure says:
// continue makes it a warning and goes on, taint also taints the resource
// just created, so that the next apply replaces it and sends the message,
// halt (the default) stops the change a before_destroy trigger precedes,
// and terraform destroy makes it a warning whatever on_failure says.
func TestAccMessageAction_onFailure(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliActionDestroyEvents)
	ctx := context.Background()
	welcome := emulator.StateMessage{From: "bot@example.com", To: "alice@example.com", Expiry: 31536000, Message: "Welcome"}

	t.Run("continue", func(t *testing.T) {
		t.Parallel()
		e := newTestEmulator(t, emulator.Options{})
		cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
		cli.writeConfig(welcomeWithOnFailure(e.providerBlock(""), "nobody@example.com", "continue"))
		cli.init(ctx)
		r := cli.apply(ctx)
		if r.err != nil {
			t.Fatalf("apply with on_failure = continue failed: %v%s", r.err, r.summary())
		}
		warns := r.warnings()
		if len(warns) != 1 || warns[0].Summary != summarySenderNotFound || !wrapped("Nothing was sent.",
			"with on_failure = continue", "terraform apply -invoke=action.mesibo_message.<name>").MatchString(warns[0].Detail) {
			t.Errorf("the apply warned %v, want the refused sender as a warning", warns)
		}
		if st := cli.instanceStatus(); st["terraform_data.welcome"] != "" {
			t.Errorf("terraform_data.welcome is %q, want created and not tainted", st["terraform_data.welcome"])
		}
		if msgs := e.Snapshot().Messages; len(msgs) != 0 {
			t.Errorf("Mesibo holds messages %+v, want none", msgs)
		}
		cli.planIsEmpty(ctx)
	})

	t.Run("taint", func(t *testing.T) {
		t.Parallel()
		e := newTestEmulator(t, emulator.Options{})
		cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
		cli.writeConfig(welcomeWithOnFailure(e.providerBlock(""), "nobody@example.com", "taint"))
		cli.init(ctx)
		r := cli.apply(ctx)
		if errs := r.errors(); r.err == nil || len(errs) != 1 || errs[0].Summary != summarySenderNotFound {
			t.Fatalf("apply with on_failure = taint: %v, errors %v; want the refused sender", r.err, errs)
		}
		if st := cli.instanceStatus(); st["terraform_data.welcome"] != "tainted" {
			t.Fatalf("terraform_data.welcome is %q, want tainted", st["terraform_data.welcome"])
		}
		// Once the sender is right, the next apply replaces the tainted
		// resource, and its trigger sends the message.
		cli.writeConfig(welcomeWithOnFailure(e.providerBlock(""), "bot@example.com", "taint"))
		if r := cli.apply(ctx); r.err != nil {
			t.Fatalf("apply after the fix: %v%s", r.err, r.summary())
		}
		if msgs := e.Snapshot().Messages; len(msgs) != 1 || msgs[0] != welcome {
			t.Errorf("Mesibo holds messages %+v, want the welcome once", msgs)
		}
		cli.planIsEmpty(ctx)
	})

	t.Run("taint after an answer was lost", func(t *testing.T) {
		t.Parallel()
		token := randomHex(24)
		srv, err := emulator.New(emulator.Options{AppToken: token})
		if err != nil {
			t.Fatal(err)
		}
		proxy := &messageFaults{next: srv, faults: []string{"500"}}
		hs := httptest.NewServer(proxy)
		t.Cleanup(hs.Close)
		e := &testEmulator{Server: srv, endpoint: hs.URL + emulatorPath(), token: token}
		cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
		cli.writeConfig(welcomeWithOnFailure(e.providerBlock(""), "bot@example.com", "taint"))
		cli.init(ctx)
		r := cli.apply(ctx)
		if errs := r.errors(); r.err == nil || len(errs) != 1 || !wrapped(summaryMessageMaybe, "may have reached Mesibo",
			"after an after_create trigger with on_failure = taint, the next apply replaces the resource and sends it again").MatchString(errs[0].Summary+"\n"+errs[0].Detail) {
			t.Fatalf("apply: %v, errors %v; want that the message may have been delivered, and what taint does next", r.err, errs)
		}
		// As the error says: the next apply sends it again, and Mesibo has
		// it twice.
		if r := cli.apply(ctx); r.err != nil {
			t.Fatalf("second apply: %v%s", r.err, r.summary())
		}
		if msgs := srv.Snapshot().Messages; len(msgs) != 2 || msgs[0] != welcome || msgs[1] != welcome {
			t.Errorf("Mesibo holds %+v, want the welcome twice", msgs)
		}
	})

	t.Run("before_destroy halts the destroy", func(t *testing.T) {
		t.Parallel()
		o := newObservedEmulator(t)
		cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
		cfg := func(sender string, addresses ...string) string {
			return requiredProviders + o.providerBlock("") + fmt.Sprintf(`
resource "mesibo_user" "team" {
  for_each = toset([%s])

  address = each.key
  app_id  = "com.example.chat"

  lifecycle {
    action_trigger {
      events  = [before_destroy]
      actions = [action.mesibo_message.goodbye]
    }
  }
}

action "mesibo_message" "goodbye" {
  config {
    from    = %q
    to      = caller.address
    message = "Your account closes now"
  }
}
`, hclStrings(addresses...), sender)
		}
		cli.writeConfig(cfg("nobody@example.com", "carol@example.com", "dave@example.com"))
		cli.init(ctx)
		if r := cli.apply(ctx); r.err != nil {
			t.Fatalf("create: %v%s", r.err, r.summary())
		}
		cli.writeConfig(cfg("nobody@example.com", "carol@example.com"))
		r := cli.apply(ctx)
		if errs := r.errors(); r.err == nil || len(errs) != 1 || errs[0].Summary != summarySenderNotFound {
			t.Fatalf("apply that removes dave: %v, errors %v; want the refused sender", r.err, errs)
		}
		if n := o.Stats().Requests["userdel"]; n != 0 {
			t.Errorf("the halted apply called userdel %d times, want none", n)
		}
		if _, ok := cli.instanceStatus()[`mesibo_user.team["dave@example.com"]`]; !ok {
			t.Error("dave left the state although his deletion was halted")
		}
		if users := o.Snapshot().Users; len(users) != 2 {
			t.Errorf("Mesibo holds %d users, want carol and dave", len(users))
		}

		// terraform destroy goes on whatever the action says.
		r = cli.destroy(ctx)
		if r.err != nil {
			t.Fatalf("destroy: %v%s", r.err, r.summary())
		}
		if warns := r.warnings(); len(warns) != 2 || warns[0].Summary != summarySenderNotFound {
			t.Errorf("destroy warned %v, want the refused sender for carol and for dave", warns)
		}
		if users := o.Snapshot().Users; len(users) != 0 {
			t.Errorf("Mesibo still holds %+v after terraform destroy", users)
		}
		if n := len(o.messages()); n != 3 {
			t.Errorf("Mesibo received %d message calls, want 3 (dave once in the apply, carol and dave in the destroy)", n)
		}
	})
}

package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// The acceptance tests of ownership: every way into state of a second
// resource for one user, group or member is refused by the plan, with an
// error that says how to keep one resource without deleting the object, and
// nothing in Mesibo changes on the way.

// forgetBlock is how a configuration drops the resource at address without
// destroying what it manages: a removed block on Terraform 1.7 and later,
// and nothing on older Terraform and on OpenTofu, whose test then runs
// terraform state rm (see forget).
func forgetBlock(t *testing.T, address string) string {
	if !forgetsWithRemovedBlock(cliUnderTest(t)) {
		return ""
	}
	return fmt.Sprintf("\nremoved {\n  from = %s\n  lifecycle {\n    destroy = false\n  }\n}\n", address)
}

// forgetsWithRemovedBlock reports whether the tests forget a resource on cli
// with a removed block (Terraform 1.7 and later); elsewhere they run
// terraform state rm (tfCLI.forget).
func forgetsWithRemovedBlock(cli testCLI) bool {
	return !cli.IsOpenTofu() && cliRemoved.missing(cli) == ""
}

// TestAccOwnership_twoImportsOfOneUser (scenario 1): two import blocks for
// one user, by ID (and, where the CLI has identities, by identity), are
// refused by the plan and by the apply; nothing is imported or changed.
func TestAccOwnership_twoImportsOfOneUser(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	const alice = "alice@example.com"
	live := mustAddUsers(t, e.client(t), appUsers("com.example.live", alice)...)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	both := []string{"mesibo_user.one", "mesibo_user.two"}
	users := `
resource "mesibo_user" "one" {
  address = "alice@example.com"
  app_id  = "com.example.live"
}

resource "mesibo_user" "two" {
  address = "alice@example.com"
  app_id  = "com.example.live"
}

import {
  to = mesibo_user.one
  id = "alice@example.com"
}
`
	second := []string{"import {\n  to = mesibo_user.two\n  id = \"alice@example.com\"\n}\n"}
	if cliIdentity.missing(cliUnderTest(t)) == "" {
		second = append(second, "import {\n  to       = mesibo_user.two\n  identity = { address = \"alice@example.com\" }\n}\n")
	}
	cli.writeConfig(requiredProviders + e.providerBlock(""))
	cli.init(ctx)
	before := e.Stats()
	for i, imp := range second {
		cli.writeConfig(requiredProviders + e.providerBlock("") + users + imp)
		for _, run := range []struct {
			name string
			do   func() cliResult
		}{{"plan", func() cliResult { return cli.plan(ctx) }}, {"apply", func() cliResult { return cli.apply(ctx) }}} {
			step := fmt.Sprintf("%s, second import %d", run.name, i+1)
			refusedTwice(t, step, run.do(), summaryUserTwoOwners, both, `both manage the user "alice@example.com"`,
				"another mesibo_user resource, with address \"alice@example.com\"", "Nothing was changed",
				"can simply be deleted before it is applied")
		}
	}
	noChanges(t, "the refused imports", e, before)
	if n := len(cli.state().managed("mesibo_user")); n != 0 {
		t.Errorf("the refused apply imported %d resources", n)
	}
	if u := e.Snapshot().Users; len(u) != 1 || u[0].Token != live[alice].Token {
		t.Errorf("Mesibo holds %+v, want alice with her token", u)
	}

	// One import block alone goes through.
	cli.writeConfig(requiredProviders + e.providerBlock("") + strings.Replace(users, `
resource "mesibo_user" "two" {
  address = "alice@example.com"
  app_id  = "com.example.live"
}
`, "", 1))
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("one import: %v%s", r.err, r.summary())
	}
	cli.planIsEmpty(ctx)
}

// TestAccOwnership_commandLineImportOfAHeldUser (scenarios 1 and 3):
// terraform import of a user that another resource holds cannot be refused
// (Terraform calls the provider for the imported resource only), but the
// next plan is: keeping both, and dropping either by removing its block,
// which would delete the user. Dropping it with a removed block (or
// terraform state rm) keeps the user, with its UID and token.
func TestAccOwnership_commandLineImportOfAHeldUser(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newUserEmulator(t)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	one := `
resource "mesibo_user" "one" {
  address = "alice@example.com"
  app_id  = "com.example.chat"
}
`
	two := `
resource "mesibo_user" "two" {
  address = "Alice@example.com"
  app_id  = "com.example.chat"
}
`
	cli.writeConfig(requiredProviders + e.providerBlock("") + one)
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	alice := *e.user("alice@example.com")
	cli.writeConfig(requiredProviders + e.providerBlock("") + strings.Replace(two, "Alice@", "alice@", 1) + one)
	cli.importCmd(ctx, "mesibo_user.two", "alice@example.com")

	before := e.Stats()
	refusedTwice(t, "the plan after the import", cli.plan(ctx), summaryUserTwoOwners,
		[]string{"mesibo_user.one", "mesibo_user.two"}, `both manage the user "alice@example.com"`,
		fmt.Sprintf("in state with UID %d", alice.UID), "removed {", "destroy = false", "terraform state rm mesibo_user.<name>")
	refusedTwice(t, "the apply after the import", cli.apply(ctx), summaryUserTwoOwners,
		[]string{"mesibo_user.one", "mesibo_user.two"}, `both manage the user "alice@example.com"`)
	// Removing two's block plans its destroy, which would delete the user.
	cli.writeConfig(requiredProviders + e.providerBlock("") + one)
	// Which of the two Terraform plans first decides whether one's error
	// already knows of two's destroy; two's always does.
	r := cli.apply(ctx)
	refusedTwice(t, "the apply without two", r, summaryUserTwoOwners,
		[]string{"mesibo_user.one", "mesibo_user.two"}, `both manage the user "alice@example.com"`)
	errorsSayOneOf(t, "the apply without two", r, destroyOfTheOther("mesibo_user.one", "mesibo_user.two"))
	noChanges(t, "the refused plans", e.testEmulator, before)

	// The way out the error shows: forget two.
	cli.writeConfig(requiredProviders + e.providerBlock("") + one + forgetBlock(t, "mesibo_user.two"))
	cli.forget(ctx, "mesibo_user.two")
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply forgetting two: %v%s", r.err, r.summary())
	}
	if u := e.user("alice@example.com"); u == nil || u.UID != alice.UID || u.Token != alice.Token {
		t.Errorf("forgetting two changed the user: %+v, was UID %d", u, alice.UID)
	}
	if n := len(cli.state().managed("mesibo_user")); n != 1 {
		t.Errorf("the state holds %d users, want one", n)
	}
	cli.writeConfig(requiredProviders + e.providerBlock("") + one)
	cli.planIsEmpty(ctx)
}

// TestAccOwnership_queryTwice (scenario 2): a second terraform query
// -generate-config-out whose pattern matches users already imported writes
// a second resource for each; its plan and apply are refused, and deleting
// the second generated file leaves the users alone.
func TestAccOwnership_queryTwice(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	prefix := uniquePrefix()
	live := mustAddUsers(t, e.client(t), appUsers("com.example.live", prefix+"-a@example.com", prefix+"-b@example.com")...)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + e.providerBlock(""))
	list := func(name, pattern string) string {
		return fmt.Sprintf("list \"mesibo_user\" %q {\n  provider         = mesibo\n  include_resource = true\n\n  config {\n    address = %q\n  }\n}\n", name, pattern)
	}
	cli.writeFile("users.tfquery.hcl", list("team", prefix+"-*"))
	cli.init(ctx)
	if r := cli.query(ctx, tfexec.GenerateConfigOut("generated.tf")); len(r.found) != 2 {
		t.Fatalf("the first query found %d users, want 2", len(r.found))
	}
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("applying the first generated configuration: %v%s", r.err, r.summary())
	}

	// A second list, whose pattern matches the same users.
	cli.writeFile("users.tfquery.hcl", list("everyone", "*"+prefix+"*"))
	if r := cli.query(ctx, tfexec.GenerateConfigOut("generated2.tf")); len(r.found) != 2 {
		t.Fatalf("the second query found %d users, want 2", len(r.found))
	}
	before := e.Stats()
	r := cli.apply(ctx)
	var at []string
	for _, d := range r.errors() {
		at = append(at, d.Address)
	}
	if r.err == nil || len(at) < 2 {
		t.Fatalf("applying the second generated configuration: want an error for each user, got:%s", r.summary())
	}
	refusedTwice(t, "the second generated configuration", r, summaryUserTwoOwners, at,
		"both manage the user", "terraform query -generate-config-out wrote) can simply be deleted")
	noChanges(t, "the refused apply", e, before)
	if n := len(cli.state().managed("mesibo_user")); n != 2 {
		t.Errorf("the state holds %d users, want the 2 of the first query", n)
	}

	// The obvious clean-up: delete the second file.
	if err := os.Remove(filepath.Join(cli.dir, "generated2.tf")); err != nil {
		t.Fatal(err)
	}
	cli.planIsEmpty(ctx)
	for _, u := range e.Snapshot().Users {
		if u.Token != live[u.Address].Token {
			t.Errorf("user %s lost its access token", u.Address)
		}
	}
}

// TestAccOwnership_groups (scenario 4): two import blocks of one GID, and a
// terraform import of a group another resource holds, are refused by the
// plan; dropping the second resource by removing its block would delete the
// group and is refused too; a removed block (or terraform state rm) keeps
// the group and its members.
func TestAccOwnership_groups(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	gid := e.mustAddGroup(t, "team", "m1", "m2")
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	group := func(name string) string {
		return fmt.Sprintf("\nresource \"mesibo_group\" %q {\n  name = \"team\"\n}\n", name)
	}
	imp := func(name string) string {
		return fmt.Sprintf("\nimport {\n  to = mesibo_group.%s\n  id = \"%d\"\n}\n", name, gid)
	}
	both := []string{"mesibo_group.a", "mesibo_group.b"}
	cli.writeConfig(requiredProviders + e.providerBlock("") + group("a") + group("b") + imp("a") + imp("b"))
	cli.init(ctx)
	before := e.Stats()
	for _, run := range []struct {
		name string
		do   func() cliResult
	}{{"plan", func() cliResult { return cli.plan(ctx) }}, {"apply", func() cliResult { return cli.apply(ctx) }}} {
		refusedTwice(t, run.name+" of two imports", run.do(), summaryGroupTwoOwners, both,
			fmt.Sprintf("both manage group %d", gid), "from = mesibo_group.<name>")
	}
	noChanges(t, "the refused imports", e, before)

	cli.writeConfig(requiredProviders + e.providerBlock("") + group("a") + imp("a"))
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("one import: %v%s", r.err, r.summary())
	}
	cli.writeConfig(requiredProviders + e.providerBlock("") + group("a") + group("b"))
	cli.importCmd(ctx, "mesibo_group.b", strconv.FormatInt(gid, 10))
	before = e.Stats()
	refusedTwice(t, "the plan after terraform import", cli.plan(ctx), summaryGroupTwoOwners, both,
		fmt.Sprintf("another mesibo_group resource, of group %d, ", gid), "both manage group")
	cli.writeConfig(requiredProviders + e.providerBlock("") + group("a"))
	r := cli.apply(ctx)
	refusedTwice(t, "the apply without b", r, summaryGroupTwoOwners, both, "both manage group")
	errorsSayOneOf(t, "the apply without b", r, destroyOfTheOther("mesibo_group.a", "mesibo_group.b"))
	noChanges(t, "the refused plans", e, before)

	cli.writeConfig(requiredProviders + e.providerBlock("") + group("a") + forgetBlock(t, "mesibo_group.b"))
	cli.forget(ctx, "mesibo_group.b")
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply forgetting b: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"team": {"m1", "m2"}})(nil); err != nil {
		t.Error(err)
	}
	if g := e.Snapshot().Groups; len(g) != 1 || g[0].GID != gid {
		t.Errorf("Mesibo holds groups %+v, want group %d", g, gid)
	}
}

// TestAccOwnership_exclusiveDriftFromEarlierVersions (scenario 5): the
// state of an exclusive membership written by an earlier version after a
// refresh recorded an app's member in members: destroying it is refused
// before any change, saying what to do; turning exclusive off keeps the
// app's member, and says so; after that, a destroy removes only what the
// membership lists.
func TestAccOwnership_exclusiveDriftFromEarlierVersions(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	gid := e.mustAddGroup(t, "g", "u1")
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	membership := func(exclusive bool) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid       = %d
  members   = ["u1"]
  exclusive = %t
}
`, gid, exclusive)
	}
	cli.writeConfig(membership(true))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	e.mustAddMembers(t, "g", "s1")
	if r := cli.apply(ctx, tfexec.RefreshOnly(true)); r.err != nil {
		t.Fatalf("refresh: %v%s", r.err, r.summary())
	}
	if got := memberStrings(cli.state().managed("mesibo_group_membership")[0]); !slices.Equal(got, []string{"s1", "u1"}) {
		t.Fatalf("the refresh recorded members %v, want the drift s1 with u1", got)
	}
	cli.stripDeclared()

	before := e.Stats()
	r := cli.destroy(ctx, tfexec.Target("mesibo_group_membership.a"))
	diagnosticsAre(t, "destroy -target", r.errors(), map[string][]string{
		"error|" + summaryExclusiveLegacyDestroy + "|mesibo_group_membership.a": {
			fmt.Sprintf("The state of this exclusive membership of group %d was written by an earlier version", gid),
			`(addresses "s1", "u1")`, "nothing was changed", "set exclusive = false, and run terraform apply",
			"that apply removes no member", "from = mesibo_group_membership.<name>"},
	})
	noChanges(t, "the refused destroy", e, before)
	if err := e.groupsHold(map[string][]string{"g": {"s1", "u1"}})(nil); err != nil {
		t.Error(err)
	}

	// The way out: exclusive off, which keeps s1, and says so.
	cli.writeConfig(membership(false))
	diagnosticsAre(t, "plan turning exclusive off", cli.planDiagnostics(ctx), map[string][]string{
		"warning|" + summaryMembersStay + "|mesibo_group_membership.a": {
			fmt.Sprintf(`This plan takes address "s1" out of members, but they stay in group %d`, gid),
			"did not declare them"},
	})
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("turning exclusive off: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"g": {"s1", "u1"}})(nil); err != nil {
		t.Errorf("turning exclusive off: %v", err)
	}
	cli.planIsEmpty(ctx)
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"g": {"s1"}})(nil); err != nil {
		t.Errorf("destroy: %v", err)
	}
}

// TestAccOwnership_exclusiveAdoptsDrift: an exclusive membership that lists
// a member its refresh found as drift declares it from that apply on: a
// destroy without a refresh removes it with the others.
func TestAccOwnership_exclusiveAdoptsDrift(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	gid := e.mustAddGroup(t, "g")
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	membership := func(members string) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid       = %d
  members   = [%s]
  exclusive = true
}
`, gid, members)
	}
	cli.writeConfig(membership(`"u1"`))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	e.mustAddMembers(t, "g", "s1", "s2")
	cli.writeConfig(membership(`"u1", "s1"`))
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("adopting s1: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"g": {"s1", "u1"}})(nil); err != nil {
		t.Errorf("adopting s1 (s2 is drift): %v", err)
	}
	if r := cli.destroy(ctx, tfexec.Refresh(false)); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"g": {}})(nil); err != nil {
		t.Errorf("destroy without a refresh: %v", err)
	}
}

// TestAccOwnership_additiveImportKeepsAppMembers (scenario 6): importing an
// additive membership of a group with 25 members added by an app, with a
// configuration that lists 2, removes none: the plan says that the members
// it does not list stay, and that it cannot see the members beyond 20; the
// next plan is empty.
func TestAccOwnership_additiveImportKeepsAppMembers(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	appMembers := addresses("app", 1, 25)
	gid := e.mustAddGroup(t, "app group", appMembers...)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid     = %[1]d
  members = [%[2]q, %[3]q]
}

import {
  to = mesibo_group_membership.a
  id = "%[1]d"
}
`, gid, appMembers[0], appMembers[1]))
	cli.init(ctx)
	diagnosticsAre(t, "the plan of the import", cli.planDiagnostics(ctx), map[string][]string{
		// The refresh after an import reports without the address.
		"warning|" + summaryMembersNotChecked + "|": {
			fmt.Sprintf("Group %d has at least 20 members", gid), "Members beyond those cannot be seen"},
		"warning|" + summaryMembersStay + "|mesibo_group_membership.a": {
			fmt.Sprintf(`This plan takes addresses %q, %q`, appMembers[2], appMembers[3]), "and 8 more out of members",
			fmt.Sprintf("but they stay in group %d", gid), "it was imported"},
	})
	before := e.Stats()
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply: %v%s", r.err, r.summary())
	}
	noChanges(t, "the import", e, before)
	if err := e.groupsHold(map[string][]string{"app group": appMembers})(nil); err != nil {
		t.Error(err)
	}
	cli.planIsEmpty(ctx)
	// The membership declares what it lists from its first apply on.
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"app group": appMembers[2:]})(nil); err != nil {
		t.Errorf("destroy: %v", err)
	}
}

// TestAccOwnership_exclusiveMovedToAnotherGroup (scenario 7): an exclusive
// membership moved to another group warns, like a new one, naming the
// members of the new group that the next apply removes.
func TestAccOwnership_exclusiveMovedToAnotherGroup(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	e := newTestEmulator(t, emulator.Options{})
	first, second := e.mustAddGroup(t, "first"), e.mustAddGroup(t, "second", "t1", "t2")
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	membership := func(gid int64) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_group_membership" "a" {
  gid       = %d
  members   = ["u1"]
  exclusive = true
}
`, gid)
	}
	cli.writeConfig(membership(first))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	cli.writeConfig(membership(second))
	diagnosticsAre(t, "the plan moving the membership", cli.planDiagnostics(ctx), map[string][]string{
		"warning|" + summaryExclusiveRemovesLater + "|mesibo_group_membership.a": {
			fmt.Sprintf(`This exclusive membership of group %d owns the group's whole member list. It does not list addresses "t1", "t2"`, second),
			"the next plan shows the members that are not listed as drift, and its apply removes them"},
	})
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("move: %v%s", r.err, r.summary())
	}
	if err := e.groupsHold(map[string][]string{"first": {}, "second": {"t1", "t2", "u1"}})(nil); err != nil {
		t.Error(err)
	}
}

// destroyOfTheOther is what the errors of a plan that destroys gone, which
// holds the object kept holds, may say: gone's, that its Delete would delete
// the object; kept's, the same when Terraform planned gone first, else that
// gone is in state and would still hold or delete it.
func destroyOfTheOther(kept, gone string) map[string][]string {
	return map[string][]string{
		gone: {"This plan destroys this resource, and its Delete would delete what the other one manages."},
		kept: {
			"This plan destroys the other one, and its Delete would delete what this resource manages.",
			"The other one is in state, so after this plan it would still hold it or delete it.",
		},
	}
}

package provider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// TestAccAdoption_guide: the steps of the guide to adopting an existing
// Mesibo app, with the files of examples/adopt-existing-app. Users made by
// an app's backend are found by terraform query and imported by the
// configuration it generates; then the groups and their members are
// imported with for_each. Nothing is created or removed, no user gets a new
// access token, the groups get the settings the configuration gives them,
// and the plan after that is empty.
func TestAccAdoption_guide(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	e := newTestEmulator(t, emulator.Options{})
	ctx := context.Background()

	// What the app's backend made.
	users := mustAddUsers(t, e.client(t), appUsers("com.example.live", "alice@example.com", "bob@example.com", "carol@example.com")...)
	c := e.client(t)
	sales, err := c.AddGroup(ctx, mesibo.GroupRequest{})
	if err != nil {
		t.Fatal(err)
	}
	support, err := c.AddGroup(ctx, mesibo.GroupRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMembers(ctx, sales, []string{"alice@example.com", "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMembers(ctx, support, []string{"carol@example.com"}); err != nil {
		t.Fatal(err)
	}
	mark := e.Stats()

	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	example := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "adopt-existing-app", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cli.writeFile("versions.tf", example("versions.tf"))
	cli.writeFile("users.tfquery.hcl", example("users.tfquery.hcl"))
	// The example's provider block takes the endpoint and token from the
	// environment, which the tests keep from the CLI.
	cli.writeFile("providers.tf", e.providerBlock(""))
	cli.init(ctx)

	// Step 1: the users.
	found := cli.query(ctx, tfexec.GenerateConfigOut("users.tf"))
	if len(found.found) != 3 {
		t.Fatalf("terraform query found %d users, want 3", len(found.found))
	}
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply of the generated users: %v%s", r.err, r.summary())
	}
	if n := len(cli.state().managed("mesibo_user")); n != 3 {
		t.Errorf("the state holds %d users, want the 3 found", n)
	}

	// Step 2: the groups and their members.
	cli.writeFile("groups.tf", example("groups.tf"))
	groups := tfexec.Var(fmt.Sprintf(`groups={
  sales   = { gid = %d, name = "Sales", flag = 2, members = ["alice@example.com", "bob@example.com"] }
  support = { gid = %d, name = "Support", members = ["carol@example.com"] }
}`, sales, support))
	if r := cli.apply(ctx, groups); r.err != nil {
		t.Fatalf("apply of the groups: %v%s", r.err, r.summary())
	}

	calls := e.writesSince(mark)
	// groupset writes the configured settings onto each group, which the
	// guide warns of; nothing else changes.
	if want := map[string]int{"groupset": 2}; !maps.Equal(calls, want) {
		t.Errorf("the adoption made the calls %v, want only %v (and reads)", calls, want)
	}
	for _, u := range e.Snapshot().Users {
		if u.Token != users[u.Address].Token {
			t.Errorf("%s has a new access token", u.Address)
		}
	}
	if err := e.groupsHold(map[string][]string{
		"Sales":   {"alice@example.com", "bob@example.com"},
		"Support": {"carol@example.com"},
	})(nil); err != nil {
		t.Error(err)
	}
	if g := e.Snapshot().Groups; len(g) != 2 || g[0].Flag != 2 {
		t.Errorf("Mesibo holds groups %+v, want Sales with flag 2 and Support", g)
	}
	info, stop := cli.serve()
	changes, err := cli.tf.Plan(ctx, tfexec.Reattach(info), groups)
	stop()
	if err != nil || changes {
		t.Errorf("the plan after the adoption: changes %v, error %v; want no changes", changes, err)
	}
}

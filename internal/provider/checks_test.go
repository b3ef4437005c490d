package provider

// Checks: what the tests assert about Mesibo, the API calls that reached it,
// Terraform's diagnostics, and waits that cannot hang.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// maybeCreatedRE finds the group name in a "may have been created" error.
var maybeCreatedRE = regexp.MustCompile(`a group named "([^"]*)" may now exist`)

// maybeCreated returns the names of the groups that errors reported as
// possibly created, one entry per report. It fails the test if a report
// does not say plainly that a group may have been created.
func maybeCreated(t *testing.T, r cliResult) []string {
	t.Helper()
	var names []string
	for _, d := range r.errors() {
		if d.Summary != summaryGroupMaybe {
			continue
		}
		m := maybeCreatedRE.FindStringSubmatch(d.Detail)
		if m == nil || !strings.Contains(d.Detail, "may have been created") {
			t.Errorf("a %q error does not name the group or say it may have been created:\n%s", d.Summary, d.Detail)
			continue
		}
		names = append(names, m[1])
	}
	return names
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// deleteCalls are the calls that delete something in Mesibo.
var deleteCalls = []string{"userdel", "groupdel", "groupeditmembers"}

// noDeleteCallsSince fails unless Mesibo received none of deleteCalls since
// mark was taken. (groupeditmembers also adds members, which nothing here
// does after mark.)
func (e *testEmulator) noDeleteCallsSince(mark emulator.Stats) error {
	for _, op := range deleteCalls {
		if n := e.callsSince(mark)[op]; n != 0 {
			return fmt.Errorf("Mesibo received %d %s calls, want none", n, op)
		}
	}
	return nil
}

// writesSince counts the calls, by op, that Mesibo received since mark was
// taken, but for the reads (usersget, groupgetmembers).
func (e *testEmulator) writesSince(mark emulator.Stats) map[string]int {
	calls := e.callsSince(mark)
	delete(calls, "usersget")
	delete(calls, "groupgetmembers")
	return calls
}

// callsSince counts the API calls, by op, that the emulator received since
// mark, an earlier e.Stats(); an op it did not receive is left out.
func (e *testEmulator) callsSince(mark emulator.Stats) map[string]int {
	return e.Stats().Since(mark).Requests
}

// apiCallsSince returns a Check that the emulator received exactly want
// (op: count) since *mark was taken.
func (e *testEmulator) apiCallsSince(mark *emulator.Stats, want map[string]int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := e.callsSince(*mark); !maps.Equal(got, want) {
			return fmt.Errorf("API calls were %v, want %v", got, want)
		}
		return nil
	}
}

// changingOps are the API operations that change Mesibo.
var changingOps = []string{"useradd", "userset", "userdel", "groupadd", "groupset", "groupdel", "groupeditmembers"}

// noChanges fails the test if Mesibo was changed since the requests before.
func noChanges(t *testing.T, step string, e *testEmulator, before emulator.Stats) {
	t.Helper()
	calls := e.callsSince(before)
	for _, op := range changingOps {
		if n := calls[op]; n != 0 {
			t.Errorf("%s: %d %s requests reached Mesibo, want none", step, n, op)
		}
	}
}

// checkDestroyed verifies that nothing the configuration managed is left.
func checkDestroyed(t *testing.T) func(*terraform.State) error {
	return func(s *terraform.State) error {
		c := testAccClient(t)
		ctx := context.Background()
		for _, rs := range s.RootModule().Resources {
			switch rs.Type {
			case "mesibo_user":
				u, err := c.FindUser(ctx, rs.Primary.Attributes["address"])
				if err == nil && strconv.FormatInt(u.UID, 10) == rs.Primary.ID {
					return fmt.Errorf("user %s (uid %s) still exists", rs.Primary.Attributes["address"], rs.Primary.ID)
				}
				if err != nil && !errors.Is(err, mesibo.ErrNotFound) {
					return err
				}
			case "mesibo_group":
				gid, _ := strconv.ParseInt(rs.Primary.ID, 10, 64)
				_, err := c.GetGroupMembers(ctx, gid, 1)
				if err == nil {
					return fmt.Errorf("group %d still exists", gid)
				}
				if !errors.Is(err, mesibo.ErrNotFound) {
					return err
				}
			}
		}
		return nil
	}
}

// groupsHold checks the members of each of the emulator's groups, by the
// name of the group.
func (e *testEmulator) groupsHold(want map[string][]string) func(*terraform.State) error {
	return func(*terraform.State) error {
		got := map[string][]string{}
		for _, g := range e.Snapshot().Groups {
			got[g.Name] = slices.Sorted(slices.Values(g.Members))
		}
		for name, members := range want {
			m := slices.Sorted(slices.Values(members))
			if !slices.Equal(got[name], m) {
				return fmt.Errorf("group %q has members %v, want %v", name, got[name], m)
			}
		}
		return nil
	}
}

// membersAre checks the emulator's one group holds exactly want.
func (e *testEmulator) membersAre(want []string) func(*terraform.State) error {
	return func(*terraform.State) error {
		groups := e.Snapshot().Groups
		if len(groups) != 1 {
			return fmt.Errorf("the emulator holds %d groups, want 1", len(groups))
		}
		got := slices.Sorted(slices.Values(groups[0].Members))
		want := slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			return fmt.Errorf("group has %d members %v, want %d %v", len(got), got, len(want), want)
		}
		return nil
	}
}

// membersAre checks, with the API, that the group's members are exactly want.
// want must have fewer than 20 entries, so the API lists them all.
func membersAre(t *testing.T, want ...string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		gm, err := testAccClient(t).GetGroupMembers(context.Background(), groupGID(s), mesibo.MaxListCount)
		if err != nil {
			return err
		}
		var got []string
		for _, m := range gm.Members {
			got = append(got, m.Address)
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			return fmt.Errorf("group members are %v, want %v", got, want)
		}
		return nil
	}
}

// messagesAre checks that the emulator recorded exactly want, in order, and
// received exactly len(want) message calls: none was refused or repeated.
func (e *testEmulator) messagesAre(want ...emulator.StateMessage) func(*terraform.State) error {
	return func(*terraform.State) error {
		if want == nil {
			want = []emulator.StateMessage{}
		}
		got := e.Snapshot().Messages
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("Mesibo holds %d messages %+v, want %d %+v", len(got), got, len(want), want)
		}
		if n := e.Stats().Requests["message"]; n != len(want) {
			return fmt.Errorf("Mesibo received %d message calls, want %d", n, len(want))
		}
		return nil
	}
}

// diagnosticsAre checks that diags are exactly want, in any order: each
// given as "severity|summary|address" and phrases its detail must contain.
func diagnosticsAre(t *testing.T, step string, diags []uiDiagnostic, want map[string][]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, d := range diags {
		key := d.Severity + "|" + d.Summary + "|" + d.Address
		phrases, ok := want[key]
		if !ok || seen[key] {
			t.Errorf("%s: unexpected diagnostic %s", step, d)
			continue
		}
		seen[key] = true
		detail := strings.Join(strings.Fields(d.Detail), " ")
		for _, p := range phrases {
			if !strings.Contains(detail, p) {
				t.Errorf("%s: %s %q on %s does not say %q:\n%s", step, d.Severity, d.Summary, d.Address, p, detail)
			}
		}
	}
	for key := range want {
		if !seen[key] {
			t.Errorf("%s: no diagnostic %s", step, key)
		}
	}
}

// refusedTwice checks that r failed with at most one error per address in
// at, each the summary given, and with the phrases. Terraform 1.5 reports
// the error of a resource that has left the configuration (its destroy)
// without an address: such an error counts as one of at.
func refusedTwice(t *testing.T, step string, r cliResult, summary string, at []string, phrases ...string) {
	t.Helper()
	errs := r.errors()
	var where []string
	for _, d := range errs {
		if d.Address != "" {
			where = append(where, d.Address)
		}
		if d.Summary != summary || !containsAll(d.Detail, phrases...) {
			t.Errorf("%s: error %s does not say %q", step, d, phrases)
		}
	}
	slices.Sort(where)
	if r.err == nil || len(errs) == 0 || len(slices.Compact(where)) != len(where) || len(difference(where, at)) > 0 {
		t.Fatalf("%s: want errors %q on %v, got them on %q:%s", step, summary, at, where, r.summary())
	}
}

// errorsSayOneOf checks that each error diagnostic says one of the phrases
// its resource address maps to: how a plan is told depends on the order
// in which Terraform plans the resources, and Terraform may stop planning
// the others after the first error.
func errorsSayOneOf(t *testing.T, step string, r cliResult, phrases map[string][]string) {
	t.Helper()
	for _, d := range r.errors() {
		want := phrases[d.Address]
		if d.Address == "" { // Terraform 1.5's error of a destroy: one of them
			for _, p := range phrases {
				want = append(want, p...)
			}
		}
		if !slices.ContainsFunc(want, func(p string) bool { return containsAll(d.Detail, p) }) {
			t.Errorf("%s: the error at %q says none of %q: %s", step, d.Address, want, d)
		}
	}
}

// containsAll reports whether text, its whitespace folded, contains every
// phrase.
func containsAll(text string, phrases ...string) bool {
	text = strings.Join(strings.Fields(text), " ")
	for _, p := range phrases {
		if !strings.Contains(text, p) {
			return false
		}
	}
	return true
}

package provider

// Checks: what the tests assert about Mesibo, the API calls that reached it,
// Terraform's diagnostics, and waits that cannot hang.

import (
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// testWait bounds every wait of a test for another goroutine: a broken
// turn or client fails the test instead of hanging it until go test's own
// timeout.
const testWait = 30 * time.Second

// mustReceive returns the next value from ch, and fails the test when none
// comes within testWait; what names the awaited event.
func mustReceive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testWait):
		t.Fatalf("%s did not happen within %s", what, testWait)
		panic("unreachable")
	}
}

// mustWait waits for wg, and fails the test when it takes longer than
// testWait; what names what the group does.
func mustWait(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	mustReceive(t, done, what)
}

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

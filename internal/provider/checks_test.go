package provider

// Checks: what the tests assert about Mesibo, the API calls that reached it,
// Terraform's diagnostics, and waits that cannot hang.

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
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

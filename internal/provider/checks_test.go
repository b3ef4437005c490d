package provider

// Checks: what the tests assert about Mesibo, the API calls that reached it,
// Terraform's diagnostics, and waits that cannot hang.

import (
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

// Package testwait bounds the waits of tests for other goroutines: a broken
// turn or client fails its test instead of hanging the run until go test's
// own timeout. It is imported only by tests.
package testwait

import (
	"sync"
	"testing"
	"time"
)

// Timeout is how long a test waits for another goroutine.
const Timeout = 30 * time.Second

// MustReceive returns the next value from ch, and fails the test when none
// comes within Timeout; what names the awaited event.
func MustReceive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Timeout):
		t.Fatalf("%s did not happen within %s", what, Timeout)
		panic("unreachable")
	}
}

// MustWait waits for wg, and fails the test when it takes longer than
// Timeout; what names what the group does.
func MustWait(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	MustReceive(t, done, what)
}

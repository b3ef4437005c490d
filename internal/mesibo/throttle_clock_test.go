package mesibo

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// fakeClock drives a throttle on a clock of the test's own, in one
// goroutine: nothing depends on how busy the machine is.
type fakeClock struct {
	at time.Time
	// sleep, when set, decides what one sleep does; by default it passes
	// the whole time asked for.
	sleep func(ctx context.Context, d time.Duration) error
}

func newFakeClock() *fakeClock {
	return &fakeClock{at: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time { return c.at }

func (c *fakeClock) advance(d time.Duration) { c.at = c.at.Add(d) }

// fakeThrottle is a throttle of perSecond (0: no rate limit) on clock.
func fakeThrottle(perSecond float64, clock *fakeClock) *throttle {
	t := newThrottle(perSecond)
	t.now = clock.now
	t.sleep = func(ctx context.Context, d time.Duration) error {
		if clock.sleep != nil {
			return clock.sleep(ctx, d)
		}
		if d > 0 {
			clock.advance(d)
		}
		return ctx.Err()
	}
	return t
}

// TestShorterPauseKeepsLonger: a 429 whose Retry-After is shorter than the
// pause already in force, answered to another request meanwhile, does not
// cut that pause short.
func TestShorterPauseKeepsLonger(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	th := fakeThrottle(0, clock)
	start := clock.now()
	th.pauseFor(10 * time.Second)
	clock.advance(time.Second)
	th.pauseFor(2 * time.Second)
	if left := th.pauseLeft(); left != 9*time.Second {
		t.Fatalf("after a 10s pause and, 1s later, a 2s one: %s left, want 9s", left)
	}
	if _, err := th.wait(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := clock.now().Sub(start); got != 10*time.Second {
		t.Errorf("a request was released %s after the 10s pause began, want 10s", got)
	}
	// A longer pause does extend a shorter one.
	th.pauseFor(time.Second)
	th.pauseFor(3 * time.Second)
	if left := th.pauseLeft(); left != 3*time.Second {
		t.Errorf("a 3s pause after a 1s one: %s left, want 3s", left)
	}
}

// TestPauseDuringRateLimitWaitHoldsBack: a request waiting for its turn
// under the rate limit when a 429 pauses the client is held back until the
// pause is over, not released at its turn.
func TestPauseDuringRateLimitWaitHoldsBack(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	th := fakeThrottle(1, clock)
	start := clock.now()
	if _, err := th.wait(context.Background(), nil); err != nil { // takes the first turn
		t.Fatal(err)
	}
	paused := false
	clock.sleep = func(ctx context.Context, d time.Duration) error {
		if !paused {
			// While this request waits 1s for its turn, another one is
			// answered 429 with Retry-After: 5.
			paused = true
			th.pauseFor(5 * time.Second)
		}
		clock.advance(d)
		return ctx.Err()
	}
	if _, err := th.wait(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if !paused {
		t.Fatal("the second request did not wait for its turn")
	}
	if got := clock.now().Sub(start); got < 5*time.Second {
		t.Errorf("the request was released %s after the 5s pause began, during the pause", got)
	}
}

// TestCancelledWaitGivesBackItsTurn: a request that gives up waiting for its
// turn under the rate limit gives the turn back, so the next request goes
// when the cancelled one would have gone, not a whole interval later.
func TestCancelledWaitGivesBackItsTurn(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	th := fakeThrottle(1, clock)
	start := clock.now()
	if _, err := th.wait(context.Background(), nil); err != nil { // takes the turn at 0s
		t.Fatal(err)
	}
	// The second request would go at 1s; its caller gives up after 200ms.
	ctx, cancel := context.WithCancel(context.Background())
	clock.sleep = func(ctx context.Context, d time.Duration) error {
		clock.advance(200 * time.Millisecond)
		cancel()
		return ctx.Err()
	}
	if _, err := th.wait(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled wait: %v, want context.Canceled", err)
	}
	clock.sleep = nil
	if _, err := th.wait(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := clock.now().Sub(start); got != time.Second {
		t.Errorf("the request after a cancelled one went at %s, want 1s (the turn given back)", got)
	}
}

// TestRateLimitAtMostNPerSecond: whatever the arrivals, the limiter releases
// at most N requests in any one second (a half-open window), and a request
// that finds the limiter idle goes at once. Requests that wait are taken as
// waiting side by side, as concurrent calls do: the clock moves only with
// the arrivals.
func TestRateLimitAtMostNPerSecond(t *testing.T) {
	t.Parallel()
	for _, perSecond := range []float64{1, 3, 7.5, 40} {
		for seed := range uint64(5) {
			clock := newFakeClock()
			th := fakeThrottle(perSecond, clock)
			var released []time.Time
			clock.sleep = func(ctx context.Context, d time.Duration) error {
				released = append(released, clock.now().Add(max(d, 0)))
				return ctx.Err()
			}
			rng := rand.New(rand.NewPCG(seed, uint64(perSecond*1000)))
			idleAt := clock.now() // when the limiter has no turn left to hand out
			for range 200 {
				// Bursts of arrivals at one instant, and quiet spells.
				if rng.IntN(3) == 0 {
					clock.advance(time.Duration(rng.Int64N(int64(3 * time.Second / time.Duration(perSecond)))))
				}
				idle := !clock.now().Before(idleAt)
				if _, err := th.wait(context.Background(), nil); err != nil {
					t.Fatal(err)
				}
				last := released[len(released)-1]
				if idle && !last.Equal(clock.now()) {
					t.Fatalf("%v/s, seed %d: a request that found the limiter idle waited %s", perSecond, seed, last.Sub(clock.now()))
				}
				idleAt = last.Add(th.interval)
			}
			sort.Slice(released, func(i, j int) bool { return released[i].Before(released[j]) })
			// Evenly spaced, at most ceil(N) fit in a one-second window.
			n := int(math.Ceil(perSecond))
			for i := 0; i+n < len(released); i++ {
				if gap := released[i+n].Sub(released[i]); gap < time.Second {
					t.Fatalf("%v/s, seed %d: %d requests released within %s", perSecond, seed, n+1, gap)
				}
			}
			// And over longer spans: k+1 requests take at least k/N seconds.
			for k := 1; k <= 3*n; k++ {
				for i := 0; i+k < len(released); i++ {
					if gap := released[i+k].Sub(released[i]); gap.Seconds()*perSecond < float64(k)-1e-9 {
						t.Fatalf("%v/s, seed %d: %d requests released within %s", perSecond, seed, k+1, gap)
					}
				}
			}
		}
	}
}

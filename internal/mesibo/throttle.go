package mesibo

import (
	"context"
	"math"
	"sync"
	"time"
)

// throttle is what every request of a client waits for before it is sent:
// the client-wide pause that a 429 or 503 starts, and the rate limit. It is
// shared by all the requests of one client, so that one provider process
// slows down as a whole instead of each request finding out on its own.
type throttle struct {
	// perSecond is the rate limit, 0 for none.
	perSecond float64
	// interval is the least time between two requests, 0 for no limit:
	// a second divided by perSecond, rounded up to the nanosecond, so that
	// no k+1 requests are ever sent within less than k/perSecond seconds.
	interval time.Duration

	// now and sleep are the clock: time.Now and sleep, except in tests,
	// which drive the throttle on a clock of their own.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu          sync.Mutex
	pausedUntil time.Time // no request is sent before this time
	nextTurn    time.Time // the earliest time the rate limit gives the next request
}

// maxInterval bounds the time between two requests that a tiny rate limit
// asks for.
const maxInterval = 24 * time.Hour

// LongWait is how long a request may wait for the rate limit or a pause
// before the client says so in its debug log, before the wait begins: a plan
// that stalls for a low limit or a long Retry-After is otherwise silent.
const LongWait = 2 * time.Second

func newThrottle(perSecond float64) *throttle {
	t := &throttle{perSecond: perSecond, now: time.Now, sleep: sleep}
	if perSecond > 0 {
		// Requests are spaced evenly, never bunched (a burst of one), so the
		// limit holds over any one-second window. The arithmetic is in whole
		// nanoseconds: no rounding can let two requests come closer.
		iv := math.Ceil(float64(time.Second) / perSecond)
		t.interval = time.Duration(min(iv, float64(maxInterval)))
	}
	return t
}

// takeTurn gives the next request its time under the rate limit: now when
// the last turn was given at least interval ago, else interval after it.
func (t *throttle) takeTurn(now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	turn := t.nextTurn
	if turn.Before(now) {
		turn = now
	}
	t.nextTurn = turn.Add(t.interval)
	return turn
}

// giveBack returns a turn that will not be used, so that the next request
// may take it. A turn is given back only while it is the last one given: the
// turns given after it are already promised to other requests.
func (t *throttle) giveBack(turn time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nextTurn.Equal(turn.Add(t.interval)) {
		t.nextTurn = turn
	}
}

// pauseFor makes every request wait d from now before it is sent. A longer
// pause already in force is kept.
func (t *throttle) pauseFor(d time.Duration) {
	until := t.now().Add(d)
	t.mu.Lock()
	defer t.mu.Unlock()
	if until.After(t.pausedUntil) {
		t.pausedUntil = until
	}
}

// pauseLeft is how long the client-wide pause still lasts.
func (t *throttle) pauseLeft() time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pausedUntil.Sub(now)
}

// wait blocks until a request may be sent: the pause is over and the rate
// limit allows it. It returns ctx's error at once when ctx is done, and
// reports how long it waited. Before a wait of LongWait or more it calls
// long, when not nil, with the wait and whether it is a pause (or the rate
// limit).
func (t *throttle) wait(ctx context.Context, long func(d time.Duration, paused bool)) (time.Duration, error) {
	start := t.now()
	for {
		if err := ctx.Err(); err != nil {
			return t.now().Sub(start), err
		}
		if d := t.pauseLeft(); d > 0 {
			if long != nil && d >= LongWait {
				long(d, true)
			}
			if err := t.sleep(ctx, d); err != nil {
				return t.now().Sub(start), err
			}
			continue // the pause may have been extended meanwhile
		}
		if t.interval > 0 {
			now := t.now()
			turn := t.takeTurn(now)
			d := turn.Sub(now)
			if long != nil && d >= LongWait {
				long(d, false)
			}
			if err := t.sleep(ctx, d); err != nil {
				// Give the turn back, so that the next request does not
				// wait for one that is never sent.
				t.giveBack(turn)
				return t.now().Sub(start), err
			}
			// A pause that began while this request waited for its turn
			// holds it back too; it then takes a new turn, so that the
			// requests released together by the end of a pause are still
			// spaced by the limit.
			if t.pauseLeft() > 0 {
				continue
			}
		}
		return t.now().Sub(start), nil
	}
}

// sleep waits d, or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

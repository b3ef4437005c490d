package mesibo

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle is what every request of a client waits for before it is sent:
// the client-wide pause that a 429 or 503 starts, and the rate limit. It is
// shared by all the requests of one client, so that one provider process
// slows down as a whole instead of each request finding out on its own.
type throttle struct {
	// limiter spaces the requests; nil when there is no rate limit.
	limiter *rate.Limiter
	// perSecond is the rate limit, 0 for none.
	perSecond float64

	mu          sync.Mutex
	pausedUntil time.Time // no request is sent before this time
}

// LongWait is how long a request may wait for the rate limit or a pause
// before the client says so in its debug log, before the wait begins: a plan
// that stalls for a low limit or a long Retry-After is otherwise silent.
const LongWait = 2 * time.Second

func newThrottle(perSecond float64) *throttle {
	t := &throttle{perSecond: perSecond}
	if perSecond > 0 {
		// A burst of one: requests are spaced evenly, never bunched, so the
		// limit holds over any one-second window.
		t.limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	return t
}

// pauseFor makes every request wait d from now before it is sent. A longer
// pause already in force is kept.
func (t *throttle) pauseFor(d time.Duration) {
	until := time.Now().Add(d)
	t.mu.Lock()
	defer t.mu.Unlock()
	if until.After(t.pausedUntil) {
		t.pausedUntil = until
	}
}

// pauseLeft is how long the client-wide pause still lasts.
func (t *throttle) pauseLeft() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Until(t.pausedUntil)
}

// wait blocks until a request may be sent: the pause is over and the rate
// limit allows it. It returns ctx's error at once when ctx is done, and
// reports how long it waited. Before a wait of LongWait or more it calls
// long, when not nil, with the wait and whether it is a pause (or the rate
// limit).
func (t *throttle) wait(ctx context.Context, long func(d time.Duration, paused bool)) (time.Duration, error) {
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return time.Since(start), err
		}
		if d := t.pauseLeft(); d > 0 {
			if long != nil && d >= LongWait {
				long(d, true)
			}
			if err := sleep(ctx, d); err != nil {
				return time.Since(start), err
			}
			continue // the pause may have been extended meanwhile
		}
		if t.limiter != nil {
			r := t.limiter.Reserve()
			if d := r.Delay(); long != nil && d >= LongWait {
				long(d, false)
			}
			if err := sleep(ctx, r.Delay()); err != nil {
				r.Cancel()
				return time.Since(start), err
			}
			// A pause that began while this request waited for its turn
			// holds it back too; it then takes a new turn, so that the
			// requests released together by the end of a pause are still
			// spaced by the limit.
			if t.pauseLeft() > 0 {
				continue
			}
		}
		return time.Since(start), nil
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

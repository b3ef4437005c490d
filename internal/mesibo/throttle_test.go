package mesibo

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/testwait"
)

// arrivals records when each request reached a fake server, by the server's
// clock, and the first request's answer.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
	ops   []string
}

func (a *arrivals) add(op string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.times = append(a.times, time.Now())
	a.ops = append(a.ops, op)
}

func (a *arrivals) all() ([]time.Time, []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.times...), append([]string(nil), a.ops...)
}

// signalLogger closes retrying when the client logs that a call failed and
// will be retried: by then the client has seen the failure and started any
// client-wide pause.
type signalLogger struct {
	once     sync.Once
	retrying chan struct{}
}

func newSignalLogger() *signalLogger { return &signalLogger{retrying: make(chan struct{})} }

func (l *signalLogger) Debug(_ context.Context, msg string, _ map[string]any) {
	if msg == "Mesibo API call failed, retrying" {
		l.once.Do(func() { close(l.retrying) })
	}
}

func (l *signalLogger) Trace(context.Context, string, map[string]any) {}

// throttledServer answers its first request with status (and Retry-After,
// when set) and every later one with success.
func throttledServer(t *testing.T, status int, retryAfter string, rec *arrivals) *fakeServer {
	t.Helper()
	return newServer(t, func(w http.ResponseWriter, _ *http.Request, form url.Values, n int) {
		rec.add(form.Get("op"))
		if n == 1 {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			return
		}
		switch form.Get("op") {
		case "groupadd":
			writeJSON(w, groupAdded)
		case "message":
			writeJSON(w, `{"op":"message","result":"OK"}`)
		default:
			writeJSON(w, `{"op":"`+form.Get("op")+`","result":true}`)
		}
	})
}

// TestPauseHoldsBackEveryRequest checks that a 429 or 503 holds back every
// request of the client, not only the one it answered: requests begun after
// it, groupadd and message (which are not retried once they may have been
// processed) included, reach the server only when the pause is over. The
// pause lasts what Retry-After asks, or the backoff without one.
func TestPauseHoldsBackEveryRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		retryAfter string
		waitMin    time.Duration
		atLeast    time.Duration // the shortest pause the answer can cause
	}{
		{"429 with Retry-After", http.StatusTooManyRequests, "1", time.Millisecond, time.Second},
		{"503 with Retry-After", http.StatusServiceUnavailable, "1", time.Millisecond, time.Second},
		// The first backoff lies between half and all of RetryWaitMin.
		{"429 without Retry-After", http.StatusTooManyRequests, "", 600 * time.Millisecond, 300 * time.Millisecond},
		{"503 without Retry-After", http.StatusServiceUnavailable, "", 600 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &arrivals{}
			srv := throttledServer(t, tc.status, tc.retryAfter, rec)
			logger := newSignalLogger()
			c := newClient(t, srv.endpoint(), func(c *Config) {
				c.RetryWaitMin, c.RetryWaitMax = tc.waitMin, tc.waitMin
				c.Logger = logger
			})
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			wg.Go(func() { errs <- c.DeleteUser(ctx, 1) })
			testwait.MustReceive(t, logger.retrying, "the retry after the 429/503") // the client has it and paused
			wg.Go(func() { errs <- c.DeleteGroup(ctx, 2) })
			wg.Go(func() { _, err := c.AddGroup(ctx, GroupRequest{}); errs <- err })
			wg.Go(func() { errs <- c.SendMessage(ctx, MessageRequest{From: "a", To: "b", Message: "hi"}) })
			testwait.MustWait(t, &wg, "the calls held back by the pause")
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			times, ops := rec.all()
			if len(times) != 5 {
				t.Fatalf("%d requests (%v), want 5", len(times), ops)
			}
			for i := 1; i < len(times); i++ {
				if gap := times[i].Sub(times[0]); gap < tc.atLeast {
					t.Errorf("%s reached the server %s after the first answer, within the %s pause", ops[i], gap, tc.atLeast)
				}
			}
		})
	}
}

// TestPauseEndsAtCancellation checks that a call held back by a long pause
// returns as soon as its context is done, without sending anything.
func TestPauseEndsAtCancellation(t *testing.T) {
	t.Parallel()
	rec := &arrivals{}
	srv := throttledServer(t, http.StatusTooManyRequests, "120", rec)
	logger := newSignalLogger()
	c := newClient(t, srv.endpoint(), func(c *Config) { c.Logger = logger })
	first, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.DeleteUser(first, 1) }()
	testwait.MustReceive(t, logger.retrying, "the retry after the 429")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.DeleteGroup(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want context.DeadlineExceeded", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, ccancel)
	if _, err := c.AddGroup(cctx, GroupRequest{}); !errors.Is(err, context.Canceled) || errors.Is(err, ErrGroupMayExist) {
		t.Errorf("error %v, want context.Canceled and no group that may exist", err)
	}
	stop()
	if err := testwait.MustReceive(t, done, "the end of the cancelled retry"); !errors.Is(err, context.Canceled) {
		t.Errorf("the paused retry: error %v, want context.Canceled", err)
	}
	if _, ops := rec.all(); len(ops) != 1 {
		t.Errorf("requests %v sent during the pause", ops)
	}
}

func TestMaxRequestsPerSecondValidated(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := New(Config{AppToken: "x", MaxRequestsPerSecond: v}); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("MaxRequestsPerSecond %v: error %v, want ErrInvalidRequest", v, err)
		}
	}
	for _, v := range []float64{0, 0.01, 1, 1e9} {
		if _, err := New(Config{AppToken: "x", MaxRequestsPerSecond: v}); err != nil {
			t.Errorf("MaxRequestsPerSecond %v: %v", v, err)
		}
	}
}

// waitLines returns the lines of l that say a request waits, once at least
// n of them are there or the deadline has passed.
func waitLines(l *recordingLogger, n int, deadline time.Duration) []logLine {
	var out []logLine
	for end := time.Now().Add(deadline); ; time.Sleep(5 * time.Millisecond) {
		out = out[:0]
		for _, line := range l.all() {
			if strings.HasPrefix(line.Msg, "Mesibo API request waits") {
				out = append(out, line)
			}
		}
		if len(out) >= n || time.Now().After(end) {
			return out
		}
	}
}

// TestLongWaitIsLogged: a request that is about to wait LongWait or more for
// the rate limit, or for the pause after a 429, says so in the debug log
// before it waits, with how long, so that a plan held back by a low
// max_requests_per_second is not silent. Short waits say nothing.
func TestLongWaitIsLogged(t *testing.T) {
	t.Parallel()
	t.Run("rate limit", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"op":"userdel","result":true}`)
		log := &recordingLogger{}
		c := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRequestsPerSecond = 0.1; c.Logger = log })
		if err := c.DeleteUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		// The next request may go in 10 s: it says so at once, and gives up
		// when cancelled.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.DeleteUser(ctx, 2) }()
		lines := waitLines(log, 1, 5*time.Second)
		cancel()
		if err := testwait.MustReceive(t, done, "the end of the cancelled request"); !errors.Is(err, context.Canceled) {
			t.Errorf("the waiting request: %v, want context.Canceled", err)
		}
		if len(lines) != 1 {
			t.Fatalf("%d lines say that the request waits, want 1: %v", len(lines), log.all())
		}
		l := lines[0]
		if l.Level != "debug" || !strings.Contains(l.Msg, "rate limit (max_requests_per_second)") ||
			l.Fields["max_requests_per_second"] != 0.1 || l.Fields["op"] != "userdel" {
			t.Errorf("the line is %+v", l)
		}
		if ms, _ := l.Fields["wait_ms"].(int64); ms < 9000 || ms > 10000 {
			t.Errorf("wait_ms = %v, want about 10000", l.Fields["wait_ms"])
		}
		if n := srv.count(); n != 1 {
			t.Errorf("%d requests reached the server, want 1", n)
		}
	})
	t.Run("pause", func(t *testing.T) {
		t.Parallel()
		rec := &arrivals{}
		srv := throttledServer(t, http.StatusTooManyRequests, "3", rec)
		log := &recordingLogger{}
		retrying := newSignalLogger()
		c := newClient(t, srv.endpoint(), func(c *Config) { c.Logger = teeLogger{log, retrying} })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		first := make(chan error, 1)
		go func() { first <- c.DeleteUser(ctx, 1) }()
		testwait.MustReceive(t, retrying.retrying, "the retry after the 429") // the 429 has paused the client for 3 s
		second := make(chan error, 1)
		go func() { second <- c.DeleteUser(ctx, 2) }()
		lines := waitLines(log, 1, 5*time.Second)
		cancel()
		for _, call := range []chan error{first, second} {
			if err := testwait.MustReceive(t, call, "the end of a cancelled call"); !errors.Is(err, context.Canceled) {
				t.Errorf("a paused call: %v, want context.Canceled", err)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0].Msg, "HTTP 429 or 503, which pauses every request") {
			t.Fatalf("the lines that say a request waits: %+v", lines)
		}
		if ms, _ := lines[0].Fields["wait_ms"].(int64); ms < 2000 || ms > 3000 {
			t.Errorf("wait_ms = %v, want about 3000", lines[0].Fields["wait_ms"])
		}
	})
	t.Run("short waits", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"op":"userdel","result":true}`)
		log := &recordingLogger{}
		c := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRequestsPerSecond = 4; c.Logger = log })
		for i := range 3 {
			if err := c.DeleteUser(context.Background(), int64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
		if lines := waitLines(log, 1, 0); len(lines) != 0 {
			t.Errorf("waits of 250ms were logged: %+v", lines)
		}
	})
}

// teeLogger sends every line to both loggers.
type teeLogger struct{ a, b Logger }

func (l teeLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	l.a.Debug(ctx, msg, fields)
	l.b.Debug(ctx, msg, fields)
}

func (l teeLogger) Trace(ctx context.Context, msg string, fields map[string]any) {
	l.a.Trace(ctx, msg, fields)
	l.b.Trace(ctx, msg, fields)
}

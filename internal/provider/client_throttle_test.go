package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/testwait"
)

// The client that every resource of one provider process shares is tested
// here against the emulator's 429 fault: the client cannot import the
// emulator, and this package sees both.

// retryLogger signals the first time its client logs that a call will be
// retried: by then the client has read the failed answer and paused.
type retryLogger struct {
	once     sync.Once
	retrying chan struct{}
}

func (l *retryLogger) Debug(_ context.Context, msg string, _ map[string]any) {
	if msg == "Mesibo API call failed, retrying" {
		l.once.Do(func() { close(l.retrying) })
	}
}

func (l *retryLogger) Trace(context.Context, string, map[string]any) {}

// stormResult is what the server saw of one storm.
type stormResult struct {
	inPause int // requests that arrived while the first 429's Retry-After ran
	total   int
	faults  int
}

// storm runs a 429 storm against the emulator: every request is answered
// 429, every other one with "Retry-After: 1", the first one included. One
// call meets the first 429; once its client has read it, ten more calls
// begin. With shared, all eleven go through one client, as the resources
// of one provider process do; without, each has a client of its own, which
// is how the provider behaved before the pause was shared: each request
// found the 429 on its own. The storm ends shortly before the first
// Retry-After has run out, and every call then succeeds.
func storm(t *testing.T, shared bool) stormResult {
	t.Helper()
	const token = "storm-token"
	emu, err := emulator.New(emulator.Options{AppToken: token, FaultRate: 1, Faults: []emulator.Fault{emulator.Fault429}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var arrivals []time.Time
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	defer hs.Close()
	newClient := func(log mesibo.Logger) *mesibo.Client {
		c, err := mesibo.New(mesibo.Config{
			Endpoint: hs.URL + "/api.php", AppToken: token, MaxRetries: 10,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Logger: log,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	logger := &retryLogger{retrying: make(chan struct{})}
	first := newClient(logger)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = first.GetUsers(ctx, mesibo.GetUsersRequest{}) })
	testwait.MustReceive(t, logger.retrying, "the retry after the 429")
	mu.Lock()
	t0 := arrivals[0]
	mu.Unlock()
	for range 10 {
		c := first
		if !shared {
			c = newClient(nil)
		}
		wg.Go(func() { _, _ = c.GetUsers(ctx, mesibo.GetUsersRequest{}) })
	}
	time.Sleep(time.Until(t0.Add(900 * time.Millisecond)))
	emu.SetFaults(0)
	testwait.MustWait(t, &wg, "the calls held back by the pause")

	mu.Lock()
	defer mu.Unlock()
	r := stormResult{total: len(arrivals), faults: emu.Stats().Faults[string(emulator.Fault429)]}
	for _, at := range arrivals[1:] {
		if at.Sub(t0) < time.Second {
			r.inPause++
		}
	}
	return r
}

// TestClientPauseSharedDuringStorm: once a 429 has asked for a second of
// quiet, the provider sends nothing more until it is over; before, every
// other request went on and met its own 429s.
func TestClientPauseSharedDuringStorm(t *testing.T) {
	t.Parallel()
	before := storm(t, false)
	now := storm(t, true)
	t.Logf("one client per request: %d requests during the first Retry-After, %d in all, %d answered 429", before.inPause, before.total, before.faults)
	t.Logf("one shared client:      %d requests during the first Retry-After, %d in all, %d answered 429", now.inPause, now.total, now.faults)
	if now.inPause != 0 {
		t.Errorf("%d requests were sent during the pause that the first 429 asked for", now.inPause)
	}
	if before.inPause < 10 {
		t.Errorf("without a shared pause only %d requests were sent during the storm: the comparison shows nothing", before.inPause)
	}
	if now.total >= before.total {
		t.Errorf("the shared pause sent %d requests in all, not fewer than the %d of one client per request", now.total, before.total)
	}
}

package mesibo

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Fault kinds a server (or a proxy in front of it) may answer with.
const (
	fault429       = "429"
	fault500       = "500"
	fault502       = "502"
	fault503       = "503"
	faultReset     = "reset"
	faultGarbage   = "garbage"
	faultTruncated = "truncated"
	faultEmpty     = "empty"
	faultHTML      = "html"
	faultTimeout   = "timeout"
	faultSlowBody  = "slowbody"
)

// testTimeout is the per-attempt timeout of clients in tests that make the
// server stall.
const testTimeout = 100 * time.Millisecond

// writeFault answers r with the fault kind.
func writeFault(w http.ResponseWriter, r *http.Request, kind string) {
	switch kind {
	case fault429:
		w.WriteHeader(http.StatusTooManyRequests)
	case fault500:
		http.Error(w, "internal error", http.StatusInternalServerError)
	case fault502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	case fault503:
		w.WriteHeader(http.StatusServiceUnavailable)
	case faultReset:
		resetConn(w)
	case faultGarbage:
		writeJSON(w, "\x00\xff\xfegarbage}{")
	case faultTruncated:
		writeJSON(w, `{"op":"x","result":tr`)
	case faultEmpty:
		writeJSON(w, "")
	case faultHTML:
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>Maintenance</title>"))
	case faultTimeout:
		// Stall until the client gives up on this attempt.
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	case faultSlowBody:
		// Send the status and part of the body, then stall.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"op":"x",`))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	default:
		panic("unknown fault " + kind)
	}
}

// faultyServer answers its first len(faults) requests with those faults and
// every later one with the success answer.
func faultyServer(t *testing.T, success string, faults ...string) *fakeServer {
	t.Helper()
	return newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, n int) {
		if n <= len(faults) {
			writeFault(w, r, faults[n-1])
			return
		}
		writeJSON(w, success)
	})
}

// fast shortens the backoff between attempts. The attempt timeout stays the
// default, which no answer reaches even on a busy machine: a short one made
// tests with ordinary answers fail when the machine was loaded.
func fast(c *Config) {
	c.RetryWaitMin = time.Millisecond
	c.RetryWaitMax = 5 * time.Millisecond
}

// stalling gives up each attempt after testTimeout, for tests whose server
// stalls on purpose.
func stalling(c *Config) { c.RequestTimeout = testTimeout }

// timeoutFor returns stalling for a fault that stalls, and no change for the
// others.
func timeoutFor(kind string) func(*Config) {
	if kind == faultTimeout || kind == faultSlowBody {
		return stalling
	}
	return func(*Config) {}
}

var allFaults = []string{
	fault429, fault500, fault502, fault503, faultReset, faultGarbage,
	faultTruncated, faultEmpty, faultHTML, faultTimeout, faultSlowBody,
}

// TestSafeOpsRetryEveryTransientFault checks that an idempotent operation
// survives two faults of each kind in a row.
func TestSafeOpsRetryEveryTransientFault(t *testing.T) {
	t.Parallel()
	for _, kind := range allFaults {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, `{"op":"userdel","result":true}`, kind, kind)
			c := newClient(t, srv.endpoint(), fast, timeoutFor(kind))
			if err := c.DeleteUser(context.Background(), 3); err != nil {
				t.Fatalf("DeleteUser after two %s faults: %v", kind, err)
			}
			if n := srv.count(); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
		})
	}
}

// TestEverySafeOpIsRetried checks that each operation documented as safe to
// repeat is repeated after a fault that came after the request was processed,
// in both request formats, each attempt with the same body.
func TestEverySafeOpIsRetried(t *testing.T) {
	t.Parallel()
	for _, format := range RequestFormats {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			everySafeOpIsRetried(t, format)
		})
	}
}

func everySafeOpIsRetried(t *testing.T, format RequestFormat) {
	ctx := context.Background()
	success := `{"result":true,"user":{"uid":1,"token":"t"},"users":[{"uid":1,"address":"a"}],"group":{"gid":1},"members":[]}`
	ops := map[string]func(*Client) error{
		"useradd": func(c *Client) error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "b"}); return err },
		"userset": func(c *Client) error { return c.SetUser(ctx, SetUserRequest{UID: 1}) },
		"userdel": func(c *Client) error { return c.DeleteUser(ctx, 1) },
		"usersget": func(c *Client) error {
			_, err := c.GetUsers(ctx, GetUsersRequest{})
			return err
		},
		"groupset":         func(c *Client) error { return c.SetGroup(ctx, 1, GroupRequest{}) },
		"groupdel":         func(c *Client) error { return c.DeleteGroup(ctx, 1) },
		"groupeditmembers": func(c *Client) error { return c.AddGroupMembers(ctx, 1, []string{"a"}) },
		"groupeditmembers with permissions": func(c *Client) error {
			return c.AddGroupMembersWithPermissions(ctx, 1, []string{"a"}, AllPermissions)
		},
		"groupgetmembers": func(c *Client) error {
			_, err := c.GetGroupMembers(ctx, 1, 0)
			return err
		},
	}
	if format == FormatJSON {
		ops["useradd without a token"] = func(c *Client) error { return c.SetUserName(ctx, "a", "A") }
	}
	for name, call := range ops {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, success, fault500, faultReset)
			if err := call(newClient(t, srv.endpoint(), fast, func(c *Config) { c.RequestFormat = format })); err != nil {
				t.Fatalf("%s after a 500 and a reset: %v", name, err)
			}
			reqs := srv.requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			op, _, _ := strings.Cut(name, " ")
			for _, r := range reqs {
				if r.Form.Get("op") != op {
					t.Errorf("op %q, want %q", r.Form.Get("op"), op)
				}
				if r.Body != reqs[0].Body {
					t.Errorf("a retry sent %s, the first attempt %s", r.Body, reqs[0].Body)
				}
			}
		})
	}
}

// TestRetriesStopAtMaxRetries checks the number of attempts and that the last
// error reports it.
func TestRetriesStopAtMaxRetries(t *testing.T) {
	t.Parallel()
	for _, maxRetries := range []int{0, 1, 4} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
			writeFault(w, r, fault502)
		})
		c := newClient(t, srv.endpoint(), fast, func(c *Config) { c.MaxRetries = maxRetries })
		err := c.SetUser(context.Background(), SetUserRequest{UID: 1})
		var te *TransportError
		if !errors.As(err, &te) {
			t.Fatalf("MaxRetries %d: error %v is not a *TransportError", maxRetries, err)
		}
		if n := srv.count(); n != maxRetries+1 {
			t.Errorf("MaxRetries %d: %d requests, want %d", maxRetries, n, maxRetries+1)
		}
		if te.Attempts != maxRetries+1 {
			t.Errorf("MaxRetries %d: Attempts %d", maxRetries, te.Attempts)
		}
		if te.StatusCode != 502 {
			t.Errorf("StatusCode %d, want 502", te.StatusCode)
		}
		if maxRetries > 0 && !strings.Contains(err.Error(), "attempts") {
			t.Errorf("message does not say how many attempts were made: %v", err)
		}
	}
}

func TestDefaultMaxRetriesIsNotZeroValue(t *testing.T) {
	t.Parallel()
	// MaxRetries 0 means no retry; the provider passes DefaultMaxRetries.
	if DefaultMaxRetries < 1 {
		t.Errorf("DefaultMaxRetries %d", DefaultMaxRetries)
	}
	if _, err := New(Config{AppToken: "x", MaxRetries: -1}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("negative MaxRetries: %v", err)
	}
}

// TestClientErrorsNotRetried checks that 4xx answers other than 429, and
// redirects, are final.
func TestClientErrorsNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 405, 413, 301, 307} {
		srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
			if status >= 300 && status < 400 {
				w.Header().Set("Location", "https://elsewhere.invalid/")
			}
			w.WriteHeader(status)
		})
		err := newClient(t, srv.endpoint(), fast).DeleteGroup(context.Background(), 1)
		var te *TransportError
		if !errors.As(err, &te) || te.StatusCode != status {
			t.Errorf("status %d: error %v", status, err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("status %d: %d requests, want 1", status, n)
		}
	}
}

// TestUndecodableAnswersNotRetried checks that a well-formed JSON answer of
// the wrong shape is reported at once: repeating would get the same answer.
func TestUndecodableAnswersNotRetried(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"op":"useradd","user":{"uid":1}}`,                  // result missing
		`{"op":"useradd","result":true,"user":{"uid":true}}`, // wrong type
		`{"op":"useradd","result":{"x":1},"user":{"uid":1}}`, // result of wrong type
		`{"op":"useradd","result":false,"error":"BADOP"}`,    // an API error
		`{"op":"useradd","result":false,"error":"AUTHFAIL"}`, // an API error
		`{"op":"useradd","result":true,"user":{"uid":1,"flag":"x"}}`,
	} {
		srv := jsonServer(t, body)
		_, err := newClient(t, srv.endpoint(), fast).AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
		if err == nil {
			t.Errorf("%s: no error", body)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("%s: %d requests, want 1", body, n)
		}
	}
}

const groupAdded = `{"op":"groupadd","result":true,"group":{"gid":42}}`

// TestGroupAddRetriedWhenNotProcessed checks that groupadd is repeated after
// answers that say the request was refused before being processed.
func TestGroupAddRetriedWhenNotProcessed(t *testing.T) {
	t.Parallel()
	for _, faults := range [][]string{{fault429}, {fault503}, {fault429, fault503, fault429}} {
		srv := faultyServer(t, groupAdded, faults...)
		gid, err := newClient(t, srv.endpoint(), fast).AddGroup(context.Background(), GroupRequest{Name: ptr("g")})
		if err != nil || gid != 42 {
			t.Errorf("after %v: got %d, %v; want gid 42", faults, gid, err)
		}
		if n := srv.count(); n != len(faults)+1 {
			t.Errorf("after %v: %d requests, want %d", faults, n, len(faults)+1)
		}
	}
}

// TestGroupAddExhaustedRefusalsIsNotMayExist checks that a groupadd refused
// every time is an ordinary error: no group was created.
func TestGroupAddExhaustedRefusalsIsNotMayExist(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
		writeFault(w, r, fault503)
	})
	_, err := newClient(t, srv.endpoint(), fast, func(c *Config) { c.MaxRetries = 2 }).AddGroup(context.Background(), GroupRequest{})
	var te *TransportError
	if !errors.As(err, &te) || te.MaybeProcessed || te.Attempts != 3 {
		t.Errorf("error %#v, want a *TransportError after 3 attempts, not processed", err)
	}
	if errors.Is(err, ErrGroupMayExist) {
		t.Errorf("groupadd refused with 503 says a group may exist: %v", err)
	}
	if n := srv.count(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// TestGroupAddNotRepeatedWhenMaybeProcessed checks that after a fault that
// may have come after the group was created, groupadd is sent exactly once
// and the error says a group may exist.
func TestGroupAddNotRepeatedWhenMaybeProcessed(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{fault500, fault502, faultReset, faultGarbage, faultTruncated, faultEmpty, faultHTML, faultTimeout, faultSlowBody} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, groupAdded, kind)
			gid, err := newClient(t, srv.endpoint(), fast, timeoutFor(kind)).AddGroup(context.Background(), GroupRequest{Name: ptr("team")})
			if gid != 0 {
				t.Errorf("gid %d", gid)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("%d requests reached the server, want exactly 1", n)
			}
			if !errors.Is(err, ErrGroupMayExist) {
				t.Fatalf("error %v does not match ErrGroupMayExist", err)
			}
			var gme *GroupMayExistError
			if !errors.As(err, &gme) || gme.Name != "team" {
				t.Errorf("error %v is not a *GroupMayExistError for team", err)
			}
			var te *TransportError
			if !errors.As(err, &te) || !te.MaybeProcessed || te.Attempts != 1 {
				t.Errorf("error %#v does not unwrap to the *TransportError of one attempt", err)
			}
			assertNoToken(t, err)
		})
	}
}

// TestGroupAddMixedFaults checks that a fault after processing ends the
// retries even when earlier attempts were refused.
func TestGroupAddMixedFaults(t *testing.T) {
	t.Parallel()
	srv := faultyServer(t, groupAdded, fault429, fault500)
	_, err := newClient(t, srv.endpoint(), fast).AddGroup(context.Background(), GroupRequest{})
	if !errors.Is(err, ErrGroupMayExist) {
		t.Errorf("error %v does not match ErrGroupMayExist", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestGroupAddAPIErrorIsNotMayExist(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"groupadd","result":false,"error":"AUTHFAIL","code":401}`)
	_, err := newClient(t, srv.endpoint(), fast).AddGroup(context.Background(), GroupRequest{Name: ptr("g")})
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("error %v, want ErrUnauthorized", err)
	}
	if errors.Is(err, ErrGroupMayExist) {
		t.Errorf("an API error says a group may exist: %v", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// closedEndpoint returns an endpoint on which nothing listens.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/api.php"
}

// TestNoConnectionIsRetriedForAllOps checks that a connection that could not
// be made is retried, for groupadd and message too, and is not reported as a
// group that may exist.
func TestNoConnectionIsRetriedForAllOps(t *testing.T) {
	t.Parallel()
	endpoint := closedEndpoint(t)
	c := newClient(t, endpoint, fast, func(c *Config) { c.MaxRetries = 2 })
	ctx := context.Background()
	_, gerr := c.AddGroup(ctx, GroupRequest{Name: ptr("g")})
	merr := c.SendMessage(ctx, MessageRequest{From: "a", To: "b"})
	derr := c.DeleteUser(ctx, 1)
	for name, err := range map[string]error{"groupadd": gerr, "message": merr, "userdel": derr} {
		var te *TransportError
		if !errors.As(err, &te) {
			t.Errorf("%s: error %v is not a *TransportError", name, err)
			continue
		}
		if te.MaybeProcessed {
			t.Errorf("%s: a connection that was never made may have been processed?", name)
		}
		if te.Attempts != 3 {
			t.Errorf("%s: %d attempts, want 3", name, te.Attempts)
		}
		if te.StatusCode != 0 {
			t.Errorf("%s: status %d", name, te.StatusCode)
		}
		if errors.Is(err, ErrGroupMayExist) {
			t.Errorf("%s: says a group may exist: %v", name, err)
		}
		assertNoToken(t, err)
	}
}

// TestGroupAddRetriedAfterFailedDial checks that groupadd succeeds when the
// first connection cannot be made and the next one can.
func TestGroupAddRetriedAfterFailedDial(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, groupAdded)
	var dials atomic.Int32
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	c := newClient(t, srv.endpoint(), fast, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	gid, err := c.AddGroup(context.Background(), GroupRequest{})
	if err != nil || gid != 42 {
		t.Errorf("got %d, %v; want 42", gid, err)
	}
	if dials.Load() != 2 || srv.count() != 1 {
		t.Errorf("%d dials, %d requests; want 2 and 1", dials.Load(), srv.count())
	}
}

// TestMessageNotRepeated checks that a message is sent once when the answer
// is lost, so it is never delivered twice, and is repeated after 429/503.
func TestMessageNotRepeated(t *testing.T) {
	t.Parallel()
	ok := `{"op":"message","result":"OK"}`
	for _, kind := range []string{fault500, fault502, faultReset, faultGarbage, faultTimeout} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, ok, kind)
			err := newClient(t, srv.endpoint(), fast, timeoutFor(kind)).SendMessage(context.Background(), MessageRequest{From: "a", GID: 3, Message: "m"})
			var te *TransportError
			if !errors.As(err, &te) || !te.MaybeProcessed {
				t.Errorf("error %v, want a *TransportError that may have been processed", err)
			}
			if errors.Is(err, ErrGroupMayExist) {
				t.Errorf("a message error says a group may exist: %v", err)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("%d requests, want exactly 1", n)
			}
		})
	}
	t.Run("refused first", func(t *testing.T) {
		t.Parallel()
		srv := faultyServer(t, ok, fault429, fault503)
		if err := newClient(t, srv.endpoint(), fast).SendMessage(context.Background(), MessageRequest{From: "a", To: "b"}); err != nil {
			t.Errorf("after 429 and 503: %v", err)
		}
		if n := srv.count(); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
}

// TestAttemptTimeoutMessages checks what a caller reads when attempts time out.
func TestAttemptTimeoutMessages(t *testing.T) {
	t.Parallel()
	for kind, want := range map[string]string{
		faultTimeout:  "no answer within 100ms",
		faultSlowBody: "did not arrive within 100ms",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
				writeFault(w, r, kind)
			})
			start := time.Now()
			err := newClient(t, srv.endpoint(), fast, stalling, func(c *Config) { c.MaxRetries = 1 }).DeleteUser(context.Background(), 1)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("took %s for two attempts of 100ms", elapsed)
			}
			var te *TransportError
			if !errors.As(err, &te) || te.Attempts != 2 {
				t.Fatalf("error %v, want a *TransportError after 2 attempts", err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("an attempt timeout reads as a cancelled call: %v", err)
			}
			if !errors.Is(err, ErrRequestTimeout) {
				t.Errorf("error %v does not match ErrRequestTimeout", err)
			}
		})
	}
}

// TestRetryAfterHonoured checks, once and with a one-second header, that the
// client waits at least what Retry-After asked for.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	var first, gap atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, n int) {
		if n == 1 {
			first.Store(time.Now().UnixNano())
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		gap.Store(time.Now().UnixNano() - first.Load())
		writeJSON(w, groupAdded)
	})
	// The backoff alone would wait at most 5ms.
	gid, err := newClient(t, srv.endpoint(), fast).AddGroup(context.Background(), GroupRequest{})
	if err != nil || gid != 42 {
		t.Fatalf("got %d, %v", gid, err)
	}
	if d := time.Duration(gap.Load()); d < time.Second {
		t.Errorf("retried after %s, Retry-After asked for 1s", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                               0,
		"0":                              0,
		"1":                              time.Second,
		" 7 ":                            7 * time.Second,
		"120":                            2 * time.Minute,
		"9227000000":                     maxRetryAfter, // would overflow a Duration
		"99999999999999999999":           0,             // not a number Atoi can read
		"-5":                             0,
		"1.5":                            0,
		"soon":                           0,
		"Sun, 01 Mar 2026 12:00:30 GMT":  30 * time.Second,
		"Sunday, 01-Mar-26 12:01:00 GMT": time.Minute,
		"Sun Mar  1 12:00:10 2026":       10 * time.Second,
		"Sun, 01 Mar 2026 11:59:00 GMT":  0, // in the past
		"Sun, 01 Mar 2026 12:00:00 GMT":  0, // now
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := newClient(t, "https://example.com/api.php", func(c *Config) {
		c.RetryWaitMin = 100 * time.Millisecond
		c.RetryWaitMax = time.Second
	})
	steps := map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		4: 800 * time.Millisecond, 5: time.Second, 6: time.Second, 50: time.Second, 1000: time.Second,
	}
	for attempt, step := range steps {
		lo, hi := step, time.Duration(0)
		for range 200 {
			d := c.backoff(attempt, 0)
			if d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, d, step/2, step)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if hi-lo < step/10 {
			t.Errorf("backoff(%d) has no jitter: %s..%s", attempt, lo, hi)
		}
	}
	// Retry-After replaces the backoff, within a cap.
	if d := c.backoff(1, 3*time.Second); d != 3*time.Second {
		t.Errorf("with Retry-After 3s: %s", d)
	}
	if d := c.backoff(1, time.Hour); d != maxRetryAfter {
		t.Errorf("with Retry-After 1h: %s, want the cap %s", d, maxRetryAfter)
	}
}

// TestBackoffHugeLimits checks that extreme configured waits cannot overflow.
func TestBackoffHugeLimits(t *testing.T) {
	t.Parallel()
	c := newClient(t, "https://example.com/api.php", func(c *Config) {
		c.RetryWaitMin = time.Duration(1) << 61
		c.RetryWaitMax = time.Duration(1<<63 - 1)
	})
	for _, attempt := range []int{1, 2, 3, 10, 100} {
		if d := c.backoff(attempt, 0); d <= 0 {
			t.Errorf("backoff(%d) = %s", attempt, d)
		}
	}
}

// TestCancelDuringBackoff checks that cancelling the context ends a long wait
// between attempts at once.
func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	for name, retryAfter := range map[string]string{"backoff": "", "Retry-After": "100"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			c := newClient(t, srv.endpoint(), func(c *Config) {
				c.RetryWaitMin = time.Minute
				c.RetryWaitMax = time.Minute
			})
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			err := c.DeleteGroup(ctx, 1)
			if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
				t.Errorf("returned %s after the call began, the cancel came at 50ms", elapsed)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v does not match context.Canceled", err)
			}
			var te *TransportError
			if !errors.As(err, &te) || te.StatusCode != 503 {
				t.Errorf("error %v does not carry the last attempt's failure", err)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestCancelDuringRequest checks that cancelling ends a call whose request is
// in flight, and that a groupadd cut short this way may have created a group.
func TestCancelDuringRequest(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
		writeFault(w, r, faultTimeout)
	})
	c := newClient(t, srv.endpoint())
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.AddGroup(ctx, GroupRequest{})
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Errorf("returned after %s", elapsed)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrGroupMayExist) {
		t.Errorf("error %v, want context.Canceled and ErrGroupMayExist", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestDeadlineDuringBackoff(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
		writeFault(w, r, fault500)
	})
	c := newClient(t, srv.endpoint(), func(c *Config) { c.RetryWaitMin = time.Minute; c.RetryWaitMax = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.SetGroup(ctx, 1, GroupRequest{})
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Errorf("returned after %s", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not match context.DeadlineExceeded", err)
	}
}

func TestAlreadyCancelledSendsNothing(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, groupAdded)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newClient(t, srv.endpoint()).AddGroup(ctx, GroupRequest{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if errors.Is(err, ErrGroupMayExist) {
		t.Errorf("a call that sent nothing says a group may exist: %v", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestRefusalsAreNotProcessed checks that a 4xx other than 408 and 429 (a
// wrong endpoint path answers 404) is a refusal: reported at once, not
// processed, and so not a group that may exist.
func TestRefusalsAreNotProcessed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 405, 410, 413, 415, 501, 505} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(status)
				_, _ = io.WriteString(w, "<html><body><h1>Not Found</h1></body></html>")
			})
			_, err := newClient(t, srv.endpoint(), fast).AddGroup(context.Background(), GroupRequest{Name: ptr("g")})
			if errors.Is(err, ErrGroupMayExist) {
				t.Errorf("a refused groupadd says a group may exist: %v", err)
			}
			var te *TransportError
			if !errors.As(err, &te) || te.MaybeProcessed || te.Retryable() || te.StatusCode != status {
				t.Errorf("error %#v, want a refusal with status %d, not processed, not retryable", err, status)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestRequestTimeoutStatus checks that a 408 is retried where that is safe,
// and that groupadd is not repeated after it: the server does not say whether
// it had begun.
func TestRequestTimeoutStatus(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		writeJSON(w, `{"op":"userdel","result":true}`)
	})
	if err := newClient(t, srv.endpoint(), fast).DeleteUser(context.Background(), 1); err != nil {
		t.Errorf("userdel after a 408: %v", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	gsrv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
		w.WriteHeader(http.StatusRequestTimeout)
	})
	if _, err := newClient(t, gsrv.endpoint(), fast).AddGroup(context.Background(), GroupRequest{}); !errors.Is(err, ErrGroupMayExist) {
		t.Errorf("groupadd after a 408: %v, want ErrGroupMayExist", err)
	}
	if n := gsrv.count(); n != 1 {
		t.Errorf("groupadd sent %d times, want 1", n)
	}
}

// TestAttemptTimeoutIsNotCancellation checks that the caller can tell the
// client's own per-attempt timeout from its own context running out.
func TestAttemptTimeoutIsNotCancellation(t *testing.T) {
	t.Parallel()
	stall := func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) { writeFault(w, r, faultTimeout) }
	t.Run("request timeout", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, stall)
		err := newClient(t, srv.endpoint(), fast, stalling, func(c *Config) { c.MaxRetries = 0 }).DeleteUser(context.Background(), 1)
		if !errors.Is(err, ErrRequestTimeout) {
			t.Errorf("error %v does not match ErrRequestTimeout", err)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Errorf("an attempt timeout reads as the caller's cancellation: %v", err)
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, stall)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := newClient(t, srv.endpoint(), func(c *Config) { c.RequestTimeout = time.Minute }).DeleteUser(ctx, 1)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not match context.DeadlineExceeded", err)
		}
		if errors.Is(err, ErrRequestTimeout) {
			t.Errorf("the caller's deadline reads as the client's request timeout: %v", err)
		}
	})
}

// TestPermanentFailuresNotRetried checks that failures no retry can cure are
// reported after one attempt, and that failures of the network are still
// retried.
func TestPermanentFailuresNotRetried(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
		writeJSON(w, `{"op":"userdel","result":true}`)
	}
	tlsServer := func(t *testing.T) (*httptest.Server, *atomic.Int32) {
		var conns atomic.Int32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, `{"op":"userdel","result":true}`)
		}))
		srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv, &conns
	}
	t.Run("https to a plain-http port", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ok)
		err := newClient(t, strings.Replace(srv.endpoint(), "http://", "https://", 1), fast).DeleteUser(context.Background(), 1)
		assertPermanent(t, err, "HTTP response to HTTPS client")
		if n := srv.conns.Load(); n != 1 {
			t.Errorf("%d connections, want 1", n)
		}
		if n := srv.count(); n != 0 {
			t.Errorf("%d requests reached the handler", n)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		srv, conns := tlsServer(t)
		err := newClient(t, srv.URL+"/api.php", fast).DeleteUser(context.Background(), 1)
		assertPermanent(t, err, "certificate")
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections, want 1", n)
		}
	})
	t.Run("certificate for another host", func(t *testing.T) {
		t.Parallel()
		srv, conns := tlsServer(t)
		// The test certificate names 127.0.0.1 and example.com, not localhost.
		endpoint := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/api.php"
		err := newClient(t, endpoint, fast, func(c *Config) { c.HTTPClient = srv.Client() }).DeleteUser(context.Background(), 1)
		assertPermanent(t, err, "certificate")
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections, want 1", n)
		}
	})
	t.Run("trusted certificate works", func(t *testing.T) {
		t.Parallel()
		srv, _ := tlsServer(t)
		if err := newClient(t, srv.URL+"/api.php", fast, func(c *Config) { c.HTTPClient = srv.Client() }).DeleteUser(context.Background(), 1); err != nil {
			t.Errorf("with the certificate trusted: %v", err)
		}
	})
	dnsFailure := func(dnsErr *net.DNSError) (*Client, *atomic.Int32) {
		var dials atomic.Int32
		tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
			dials.Add(1)
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: dnsErr}
		}}
		c := newClient(t, "https://mesibo.example.invalid/api.php", fast, func(c *Config) {
			c.HTTPClient = &http.Client{Transport: tr}
			c.MaxRetries = 2
		})
		return c, &dials
	}
	t.Run("unknown host name", func(t *testing.T) {
		t.Parallel()
		c, dials := dnsFailure(&net.DNSError{Err: "no such host", Name: "mesibo.example.invalid", IsNotFound: true})
		err := c.DeleteUser(context.Background(), 1)
		assertPermanent(t, err, "no such host")
		if n := dials.Load(); n != 1 {
			t.Errorf("%d dials, want 1", n)
		}
	})
	t.Run("name server unreachable", func(t *testing.T) {
		t.Parallel()
		c, dials := dnsFailure(&net.DNSError{Err: "i/o timeout", Name: "mesibo.example.invalid", IsTimeout: true, IsTemporary: true})
		err := c.DeleteUser(context.Background(), 1)
		var te *TransportError
		if !errors.As(err, &te) || !te.Retryable() || te.Attempts != 3 {
			t.Errorf("error %v, want a retryable *TransportError after 3 attempts", err)
		}
		if n := dials.Load(); n != 3 {
			t.Errorf("%d dials, want 3", n)
		}
	})
}

// assertPermanent checks that err is a failure of one attempt, not
// retryable, not processed, and says what went wrong.
func assertPermanent(t *testing.T, err error, mention string) {
	t.Helper()
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not a *TransportError", err, err)
	}
	if te.Retryable() || te.Attempts != 1 || te.MaybeProcessed {
		t.Errorf("retryable %v, %d attempts, maybe processed %v; want a failure of one attempt, never processed: %v",
			te.Retryable(), te.Attempts, te.MaybeProcessed, err)
	}
	if !strings.Contains(err.Error(), mention) {
		t.Errorf("error %q does not mention %q", err, mention)
	}
	assertNoToken(t, err)
}

// TestMessageNotRepeatedWhenMaybeDelivered checks that after a fault that
// may have come after the message was accepted, message is sent exactly once
// and the error says it may have been delivered; a refusal or a failure
// before the request was sent says no such thing.
func TestMessageNotRepeatedWhenMaybeDelivered(t *testing.T) {
	t.Parallel()
	send := func(c *Client) error {
		return c.SendMessage(context.Background(), MessageRequest{From: "a", To: "b", Message: "hello"})
	}
	for _, kind := range []string{fault500, faultReset, faultGarbage, faultTimeout} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, `{"op":"message","result":true}`, kind)
			err := send(newClient(t, srv.endpoint(), fast, timeoutFor(kind)))
			if n := srv.count(); n != 1 {
				t.Errorf("%d requests reached the server, want exactly 1", n)
			}
			if !errors.Is(err, ErrMessageMayBeDelivered) {
				t.Errorf("error %v does not match ErrMessageMayBeDelivered", err)
			}
			var te *TransportError
			if !errors.As(err, &te) || !te.MaybeProcessed {
				t.Errorf("error %#v does not unwrap to a *TransportError that may have been processed", err)
			}
		})
	}
	refused := jsonServer(t, `{"op":"message","result":false,"error":"NOUSER"}`)
	if err := send(newClient(t, refused.endpoint(), fast)); err == nil || errors.Is(err, ErrMessageMayBeDelivered) {
		t.Errorf("a refused message: error %v, want one that does not match ErrMessageMayBeDelivered", err)
	}
	closed := jsonServer(t, `{}`)
	closed.Close()
	if err := send(newClient(t, closed.endpoint(), fast)); err == nil || errors.Is(err, ErrMessageMayBeDelivered) {
		t.Errorf("no server: error %v, want one that does not match ErrMessageMayBeDelivered", err)
	}
}

// TestThrottledWhenRetriesRunOut: when the last attempt was refused with 429
// or 503, the error matches ErrThrottled, so that the caller can say which
// settings slow the client down; other failures do not, a message included.
func TestThrottledWhenRetriesRunOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault     string
		throttled bool
	}{{fault429, true}, {fault503, true}, {fault502, false}, {faultReset, false}} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
			writeFault(w, r, tc.fault)
		})
		c := newClient(t, srv.endpoint(), fast, func(c *Config) { c.MaxRetries = 2 })
		for op, call := range map[string]func() error{
			"userset": func() error { return c.SetUser(context.Background(), SetUserRequest{UID: 1}) },
			"message": func() error {
				return c.SendMessage(context.Background(), MessageRequest{From: "a", To: "b", Message: "hi"})
			},
		} {
			err := call()
			if got := errors.Is(err, ErrThrottled); got != tc.throttled {
				t.Errorf("%s after %s on every attempt: errors.Is(err, ErrThrottled) = %v, want %v (%v)", op, tc.fault, got, tc.throttled, err)
			}
			var te *TransportError
			if tc.throttled && (!errors.As(err, &te) || te.Attempts != 3) {
				t.Errorf("%s after %s: %v, want a *TransportError after 3 attempts", op, tc.fault, err)
			}
		}
	}
}

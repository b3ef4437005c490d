package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	got, err := ParseFaults(" 429, RESET,,truncate ")
	if err != nil || !reflect.DeepEqual(got, []Fault{Fault429, FaultReset, FaultTruncate}) {
		t.Fatalf("ParseFaults = %v, %v", got, err)
	}
	if got, err := ParseFaults(""); err != nil || len(got) != 0 {
		t.Fatalf("ParseFaults(\"\") = %v, %v", got, err)
	}
	_, err = ParseFaults("429,404")
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "garbage") {
		t.Fatalf("unknown fault error %v must name it and list the valid ones", err)
	}
	all, err := ParseFaults("429,503,500,502,reset,garbage,truncate")
	if err != nil || !reflect.DeepEqual(all, allFaults) {
		t.Fatalf("all kinds: %v, %v", all, err)
	}
}

// rawReply is the status and headers of an HTTP answer.
type rawReply struct {
	StatusCode int
	Header     http.Header
}

// useradd sends one useradd for addr with the test token and returns the raw
// answer; err is set when no answer arrived or its body could not be read.
func useradd(ts *httptest.Server, addr string) (rawReply, []byte, error) {
	form := vals("op", "useradd", "token", testToken, "addr", addr, "appid", "a")
	resp, err := ts.Client().PostForm(ts.URL+"/api.php", form)
	if err != nil {
		return rawReply{}, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return rawReply{StatusCode: resp.StatusCode, Header: resp.Header}, body, err
}

// Pre-processing faults answer before anything happens: a retry is safe.
func TestPreProcessingFaultsLeaveStateUntouched(t *testing.T) {
	s, ts := newTestServer(t, Options{FaultRate: 1, Faults: []Fault{Fault429}})
	var retryAfter []string
	for i := range 4 {
		resp, body, err := useradd(ts, "pre")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("request %d: status %d, want 429", i, resp.StatusCode)
		}
		if json.Valid(body) {
			t.Fatalf("429 body is JSON: %s", body)
		}
		retryAfter = append(retryAfter, resp.Header.Get("Retry-After"))
	}
	if !reflect.DeepEqual(retryAfter, []string{"1", "", "1", ""}) {
		t.Fatalf("Retry-After headers %q, want every other one set to 1", retryAfter)
	}

	s.SetFaults(1, Fault503)
	resp, _, err := useradd(ts, "pre")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("503 fault: %v, %v", resp, err)
	}

	if st := s.Snapshot(); len(st.Users) != 0 {
		t.Fatalf("pre-processing faults changed the state: %+v", st.Users)
	}
	stats := s.Stats()
	if stats.Requests["useradd"] != 5 || stats.Faults["429"] != 4 || stats.Faults["503"] != 1 {
		t.Fatalf("stats %+v", stats)
	}
}

// Post-processing faults break the answer after the change was made: the
// client cannot tell, and must find out by reading.
func TestPostProcessingFaultsChangeState(t *testing.T) {
	cases := []struct {
		fault Fault
		check func(t *testing.T, resp rawReply, body []byte, err error)
	}{
		{Fault500, func(t *testing.T, resp rawReply, body []byte, err error) {
			if err != nil || resp.StatusCode != 500 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html>") {
				t.Fatalf("500: %v %v %s", resp, err, body)
			}
		}},
		{Fault502, func(t *testing.T, resp rawReply, body []byte, err error) {
			if err != nil || resp.StatusCode != 502 || !strings.Contains(string(body), "502 Bad Gateway") {
				t.Fatalf("502: %v %v %s", resp, err, body)
			}
		}},
		{FaultGarbage, func(t *testing.T, resp rawReply, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || json.Valid(body) || len(body) == 0 {
				t.Fatalf("garbage: %v %v %s", resp, err, body)
			}
		}},
		{FaultTruncate, func(t *testing.T, resp rawReply, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || json.Valid(body) || !strings.HasPrefix(string(body), `{"op":"useradd"`) {
				t.Fatalf("truncate: %v %v %s", resp, err, body)
			}
		}},
		{FaultReset, func(t *testing.T, resp rawReply, body []byte, err error) {
			if err == nil {
				t.Fatalf("reset: got an answer %v %s", resp, body)
			}
		}},
	}
	for _, c := range cases {
		t.Run(string(c.fault), func(t *testing.T) {
			s, ts := newTestServer(t, Options{FaultRate: 1, Faults: []Fault{c.fault}})
			resp, body, err := useradd(ts, "post-"+string(c.fault))
			c.check(t, resp, body, err)
			users := s.Snapshot().Users
			if len(users) != 1 || users[0].Address != "post-"+string(c.fault) {
				t.Fatalf("the request did not take effect: %+v", users)
			}
			if s.Stats().Faults[string(c.fault)] != 1 {
				t.Fatalf("stats %+v", s.Stats())
			}
		})
	}
}

// A truncated answer is exactly the first half of the real one.
func TestTruncateCutsTheRealAnswerInHalf(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	a := send(t, ts, http.MethodPost, "/api.php", nil, vals("op", "usersget", "token", testToken))
	full := a.raw
	s.SetFaults(1, FaultTruncate)
	b := send(t, ts, http.MethodPost, "/api.php", nil, vals("op", "usersget", "token", testToken))
	if string(b.raw) != string(full[:len(full)/2]) {
		t.Fatalf("truncated %q, want first half of %q", b.raw, full)
	}
}

func TestSetFaultsAtRunTime(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	if resp, _, err := useradd(ts, "a"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("no faults configured: %v %v", resp, err)
	}
	s.SetFaults(1, Fault502)
	if resp, _, err := useradd(ts, "b"); err != nil || resp.StatusCode != 502 {
		t.Fatalf("after SetFaults(1, 502): %v %v", resp, err)
	}
	s.SetFaults(0)
	if resp, _, err := useradd(ts, "c"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after SetFaults(0): %v %v", resp, err)
	}
	// Rate 1 with no kinds: every kind is possible.
	s.SetFaults(1)
	for range 60 {
		_, _, _ = useradd(ts, "d")
	}
	if got := len(s.Stats().Faults); got != len(allFaults) {
		t.Fatalf("60 faults with all kinds allowed hit %d kinds: %v", got, s.Stats().Faults)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("SetFaults with an unknown kind did not panic")
			}
		}()
		s.SetFaults(1, Fault("teapot"))
	}()
}

// The fault rate is a fraction, and a seed makes the draws repeatable.
func TestFaultRateAndSeed(t *testing.T) {
	run := func() []int {
		_, ts := newTestServer(t, Options{FaultRate: 0.3, Faults: []Fault{Fault503}, Seed: 42})
		var statuses []int
		for range 200 {
			resp, _, err := useradd(ts, "x")
			if err != nil {
				t.Fatal(err)
			}
			statuses = append(statuses, resp.StatusCode)
		}
		return statuses
	}
	first := run()
	faulted := 0
	for _, s := range first {
		if s == 503 {
			faulted++
		}
	}
	if faulted < 30 || faulted > 90 {
		t.Fatalf("rate 0.3 faulted %d of 200 requests", faulted)
	}
	if second := run(); !reflect.DeepEqual(first, second) {
		t.Fatal("the same seed gave different fault sequences")
	}
}

func TestInspectEndpointsAreNeverFaultedOrDelayed(t *testing.T) {
	s, ts := newTestServer(t, Options{FaultRate: 1, Latency: time.Hour})
	for _, p := range []string{"/_emulator/state", "/_emulator/stats"} {
		a := send(t, ts, http.MethodGet, p, nil, nil)
		if a.status != 200 || a.body == nil {
			t.Fatalf("GET %s: %d %s", p, a.status, a.raw)
		}
		if a := send(t, ts, http.MethodPost, p, nil, nil); a.status != http.StatusMethodNotAllowed {
			t.Fatalf("POST %s: %d", p, a.status)
		}
	}
	if got := s.Stats(); len(got.Faults) != 0 || len(got.Requests) != 0 {
		t.Fatalf("inspect requests counted as API requests: %+v", got)
	}
}

func TestInspectEndpointsMatchSnapshotAndStats(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "u1")
	gid := addGroup(t, ts, "name", "g")
	api(t, ts, "groupeditmembers", "gid", jsonInt(gid), "m", "u1,x")
	api(t, ts, "message", "from", "u1", "to", "x", "msg", "m")
	api(t, ts, "nosuchop")
	send(t, ts, http.MethodPost, "/api.php", nil, vals("token", testToken))

	var st State
	a := send(t, ts, http.MethodGet, "/_emulator/state", nil, nil)
	if err := json.Unmarshal(a.raw, &st); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st, s.Snapshot()) {
		t.Fatalf("/_emulator/state %+v\nSnapshot %+v", st, s.Snapshot())
	}
	var stats Stats
	a = send(t, ts, http.MethodGet, "/_emulator/stats", nil, nil)
	if err := json.Unmarshal(a.raw, &stats); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"useradd": 1, "groupadd": 1, "groupeditmembers": 1, "message": 1, "nosuchop": 1, "(none)": 1}
	if !reflect.DeepEqual(stats.Requests, want) || !reflect.DeepEqual(stats, s.Stats()) {
		t.Fatalf("stats %+v, want requests %v", stats, want)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestLatencyDelaysAnswers(t *testing.T) {
	s, ts := newTestServer(t, Options{Latency: 150 * time.Millisecond})
	start := time.Now()
	if resp, _, err := useradd(ts, "slow"); err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("answered after %v, want at least 150ms", d)
	}
	s.SetLatency(0)
	start = time.Now()
	if _, _, err := useradd(ts, "fast"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("SetLatency(0) still answered after %v", d)
	}
}

// A client that gives up during the delay must not have its request run later.
func TestLatencyHonoursCancellation(t *testing.T) {
	s, err := New(Options{AppToken: testToken, Latency: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	form := vals("op", "useradd", "token", testToken, "addr", "gone", "appid", "a")
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api.php", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan struct{})
	go func() { s.ServeHTTP(httptest.NewRecorder(), req); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handler kept waiting after the request was cancelled")
	}
	if n := len(s.Snapshot().Users); n != 0 {
		t.Fatalf("a cancelled request was processed")
	}

	// Over the network: the client times out, the server drops the request.
	_, ts := newTestServer(t, Options{Latency: 300 * time.Millisecond})
	srv, _ := ts.Config.Handler.(*Server)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	hreq, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/api.php", strings.NewReader(form.Encode()))
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ts.Client().Do(hreq)
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a client timeout, got %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	if n := len(srv.Snapshot().Users); n != 0 {
		t.Fatal("the request of a client that gave up was processed")
	}
}

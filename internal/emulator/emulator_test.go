package emulator

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Many clients at once: no lost updates, no duplicate ids (run with -race).
func TestConcurrentRequests(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	gid := addGroup(t, ts)
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				addr := fmt.Sprintf("w%d-%d", w, i)
				for _, form := range []map[string]string{
					{"op": "useradd", "addr": addr, "appid": "a"},
					{"op": "groupeditmembers", "gid": fmt.Sprint(gid), "m": addr},
					{"op": "groupadd"},
					{"op": "usersget", "addr": "w*"},
				} {
					v := vals("token", testToken)
					for k, x := range form {
						v.Set(k, x)
					}
					resp, err := ts.Client().PostForm(ts.URL+"/api.php", v)
					if err != nil {
						errs <- err
						continue
					}
					resp.Body.Close()
				}
			}
		}()
	}
	// Readers of the inspection API run alongside.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				_ = s.Snapshot()
				_ = s.Stats()
				s.SetFaults(0)
				s.SetLatency(0)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	st := s.Snapshot()
	if len(st.Users) != workers*each {
		t.Fatalf("%d users, want %d", len(st.Users), workers*each)
	}
	seen := map[int64]bool{}
	for i, u := range st.Users {
		if seen[u.UID] || (i > 0 && u.UID <= st.Users[i-1].UID) {
			t.Fatalf("uids not unique and sorted: %+v", st.Users)
		}
		seen[u.UID] = true
	}
	if len(st.Groups) != 1+workers*each || len(st.Groups[0].Members) != workers*each {
		t.Fatalf("%d groups, %d members", len(st.Groups), len(st.Groups[0].Members))
	}
	if got := s.Stats().Requests["useradd"]; got != workers*each {
		t.Fatalf("stats count %d useradds, want %d", got, workers*each)
	}
}

// The request log is for people: op, outcome and fault, never a token.
func TestLogNeverShowsTokens(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	_, ts := newTestServer(t, Options{Logf: logf, FaultRate: 0})
	_, userToken := addUser(t, ts, "logged")
	api(t, ts, testToken) // a token sent as the op must not reach the log either
	send(t, ts, http.MethodPost, "/api.php", nil, vals("op", "usersget", "token", "bad-token-xyz"))

	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 3 {
		t.Fatalf("want one log line per request, got %q", lines)
	}
	all := strings.Join(lines, "\n")
	for _, secret := range []string{testToken, userToken, "bad-token-xyz"} {
		if strings.Contains(all, secret) {
			t.Fatalf("log shows a token:\n%s", all)
		}
	}
	if !strings.Contains(lines[0], `op="useradd"`) || !strings.Contains(lines[0], "outcome=ok") {
		t.Fatalf("log line lacks op or outcome: %s", lines[0])
	}
	if !strings.Contains(lines[2], "outcome=AUTHFAIL") {
		t.Fatalf("log line lacks the error code: %s", lines[2])
	}
}

// TestStatsSince: the counters since a mark are the later reading less the
// earlier one, ops and fault kinds with nothing since left out, and Total
// counts every request.
func TestStatsSince(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "before")
	api(t, ts, "usersget")
	mark := s.Stats()
	if mark.Total() != 2 {
		t.Fatalf("Total %d before the mark, want 2 (%v)", mark.Total(), mark.Requests)
	}
	api(t, ts, "usersget")
	api(t, ts, "usersget")
	addGroup(t, ts)
	s.SetFaults(1, Fault500)
	send(t, ts, http.MethodPost, "/api.php", nil, vals("op", "groupadd", "token", testToken))
	s.SetFaults(0)

	since := s.Stats().Since(mark)
	wantReq := map[string]int{"usersget": 2, "groupadd": 2}
	if !reflect.DeepEqual(since.Requests, wantReq) {
		t.Errorf("requests since the mark %v, want %v", since.Requests, wantReq)
	}
	if !reflect.DeepEqual(since.Faults, map[string]int{"500": 1}) || since.TotalFaults() != 1 {
		t.Errorf("faults since the mark %v, want one 500", since.Faults)
	}
	if since.Total() != 4 {
		t.Errorf("Total since the mark %d, want 4", since.Total())
	}
	if got := s.Stats().Since(s.Stats()); got.Total() != 0 || len(got.Requests) != 0 || len(got.Faults) != 0 {
		t.Errorf("nothing since a mark taken now: %+v", got)
	}
	if got := (Stats{}).Since(Stats{}); got.Requests == nil || got.Faults == nil {
		t.Errorf("Since of empty readings gives nil maps: %+v", got)
	}
}

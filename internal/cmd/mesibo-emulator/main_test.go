package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer that tests can read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningLine = regexp.MustCompile(`(?m)^mesibo-emulator listening on (http://(?:127\.0\.0\.1|\[::1\]):[0-9]+/api\.php)$`)

// instance is a running command.
type instance struct {
	endpoint       string
	stdout, stderr *syncBuffer
	stop           func() error // cancels and returns run's error
}

// start runs the command with args and waits until it prints its endpoint.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, in.stdout, in.stderr) }()
	var once sync.Once
	var runErr error
	in.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = errors.New("run did not return after cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = in.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningLine.FindStringSubmatch(in.stdout.String()); m != nil {
			in.endpoint = m[1]
			return in
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before listening: %v\nstderr: %s", err, in.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no listening line; stdout %q stderr %q", in.stdout.String(), in.stderr.String())
	return nil
}

// post sends a form like `curl -d` does and decodes the JSON answer.
func post(t *testing.T, endpoint string, kv ...string) map[string]any {
	t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	resp, err := http.PostForm(endpoint, form)
	return answer(t, resp, err)
}

// answer decodes the JSON answer of a request that had to succeed.
func answer(t *testing.T, resp *http.Response, err error) map[string]any {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, decode %v", resp.StatusCode, err)
	}
	return body
}

func TestRunServesAndStops(t *testing.T) {
	dir := t.TempDir()
	endpointFile := filepath.Join(dir, "endpoint")
	in := start(t, "-listen", "127.0.0.1:0", "-app-token", "cli-secret-token", "-endpoint-file", endpointFile)

	b, err := os.ReadFile(endpointFile)
	if err != nil || strings.TrimSpace(string(b)) != in.endpoint {
		t.Fatalf("endpoint file %q (%v), want %s", b, err, in.endpoint)
	}
	if strings.Count(in.stdout.String(), "\n") != 1 {
		t.Fatalf("stdout must be the one listening line when a token is given: %q", in.stdout.String())
	}

	body := post(t, in.endpoint, "op", "useradd", "token", "cli-secret-token", "addr", "alice", "appid", "demo")
	if body["result"] != true {
		t.Fatalf("useradd: %v", body)
	}
	user, _ := body["user"].(map[string]any)
	userToken, _ := user["token"].(string)
	if len(userToken) < 40 {
		t.Fatalf("useradd answered no token: %v", body)
	}

	// GET with a query string, on the /backend/ path.
	resp, err := http.Get(strings.TrimSuffix(in.endpoint, "api.php") + "backend/?op=usersget&token=cli-secret-token&addr=al*")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `"address":"alice"`) {
		t.Fatalf("usersget over GET: %s", raw)
	}
	if body := post(t, in.endpoint, "op", "usersget", "token", "wrong"); body["error"] != "AUTHFAIL" {
		t.Fatalf("wrong token: %v", body)
	}

	if err := in.stop(); err != nil {
		t.Fatalf("run after cancellation: %v", err)
	}
	logs := in.stderr.String()
	if !strings.Contains(logs, `op="useradd" outcome=ok`) || !strings.Contains(logs, "outcome=AUTHFAIL") {
		t.Fatalf("request log lacks op or outcome:\n%s", logs)
	}
	for _, secret := range []string{"cli-secret-token", userToken} {
		if strings.Contains(logs+in.stdout.String(), secret) {
			t.Fatalf("a token was printed:\nstdout %s\nstderr %s", in.stdout.String(), logs)
		}
	}
	if _, err := os.Stat(endpointFile); !os.IsNotExist(err) {
		t.Fatalf("endpoint file left behind after exit: %v", err)
	}
	if resp, err := http.Get(in.endpoint); err == nil {
		resp.Body.Close()
		t.Fatal("still serving after run returned")
	}
}

func TestRunGeneratesAndPrintsToken(t *testing.T) {
	in := start(t, "-listen", "127.0.0.1:0", "-quiet")
	var m []string
	deadline := time.Now().Add(5 * time.Second)
	re := regexp.MustCompile(`app token \(generated; pass -app-token to choose one\): ([0-9a-f]{32})\n`)
	for m == nil && time.Now().Before(deadline) {
		m = re.FindStringSubmatch(in.stdout.String())
		time.Sleep(5 * time.Millisecond)
	}
	if m == nil {
		t.Fatalf("generated token not printed: %q", in.stdout.String())
	}
	if body := post(t, in.endpoint, "op", "groupadd", "token", m[1]); body["result"] != true {
		t.Fatalf("the printed token does not work: %v", body)
	}
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	if logs := in.stderr.String(); strings.Contains(logs, "groupadd") || strings.Contains(logs, m[1]) {
		t.Fatalf("-quiet still logged requests, or the token: %q", logs)
	}
}

func TestRunKeepsStateAcrossRestarts(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	in := start(t, "-listen", "127.0.0.1:0", "-app-token", "t", "-state", state, "-quiet")
	post(t, in.endpoint, "op", "useradd", "token", "t", "addr", "kept", "appid", "a")
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	in = start(t, "-listen", "127.0.0.1:0", "-app-token", "t", "-state", state, "-quiet")
	body := post(t, in.endpoint, "op", "usersget", "token", "t", "addr", "kept")
	if users, _ := body["users"].([]any); len(users) != 1 {
		t.Fatalf("user lost across a restart: %v", body)
	}
}

func TestRunInjectsFaults(t *testing.T) {
	in := start(t, "-listen", "127.0.0.1:0", "-app-token", "t", "-fault-rate", "1", "-faults", "503", "-latency", "1ms")
	resp, err := http.PostForm(in.endpoint, url.Values{"op": {"usersget"}, "token": {"t"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	_ = in.stop()
	if !strings.Contains(in.stderr.String(), "fault=503") {
		t.Fatalf("the log does not show the fault: %s", in.stderr.String())
	}
}

// -usersget-match chooses how usersget reads its pattern; the default is
// "*" as the only wildcard.
func TestRunUsersGetMatch(t *testing.T) {
	answers := func(in *instance, pattern string) []string {
		t.Helper()
		var out []string
		users, _ := post(t, in.endpoint, "op", "usersget", "token", "t", "addr", pattern)["users"].([]any)
		for _, u := range users {
			m, _ := u.(map[string]any)
			addr, _ := m["address"].(string)
			out = append(out, addr)
		}
		return out
	}
	for flagValue, want := range map[string][2]string{
		// The users opse and ops[eu] answered for the patterns
		// "ops[eu]" and "ops_".
		"":     {"ops[eu]", ""},
		"star": {"ops[eu]", ""},
		"glob": {"opse", ""},
		"LIKE": {"ops[eu]", "opse"},
	} {
		args := []string{"-listen", "127.0.0.1:0", "-app-token", "t", "-quiet"}
		if flagValue != "" {
			args = append(args, "-usersget-match", flagValue)
		}
		in := start(t, args...)
		for _, addr := range []string{"opse", "ops[eu]"} {
			post(t, in.endpoint, "op", "useradd", "token", "t", "addr", addr, "appid", "a")
		}
		for i, pattern := range []string{"ops[eu]", "ops_"} {
			if got := strings.Join(answers(in, pattern), ","); got != want[i] {
				t.Errorf("-usersget-match %q: usersget %q answered %q, want %q", flagValue, pattern, got, want[i])
			}
		}
		if err := in.stop(); err != nil {
			t.Error(err)
		}
	}
	// -usersget-ignore-case makes any matcher match either case.
	in := start(t, "-listen", "127.0.0.1:0", "-app-token", "t", "-quiet", "-usersget-match", "like", "-usersget-ignore-case")
	for _, addr := range []string{"Ops[EU]", "opse"} {
		post(t, in.endpoint, "op", "useradd", "token", "t", "addr", addr, "appid", "a")
	}
	if got := strings.Join(answers(in, "OPS_"), ","); got != "opse" {
		t.Errorf("-usersget-ignore-case: usersget %q answered %q, want %q", "OPS_", got, "opse")
	}
	if got := strings.Join(answers(in, "ops[eu]"), ","); got != "Ops[EU]" {
		t.Errorf("-usersget-ignore-case: usersget %q answered %q, want %q", "ops[eu]", got, "Ops[EU]")
	}
	if err := in.stop(); err != nil {
		t.Error(err)
	}
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"-app-token", "t", "-usersget-match", "regex"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-usersget-match") || !strings.Contains(err.Error(), "star, glob and like") {
		t.Errorf("unknown matcher: error %v, want one naming the flag and the valid matchers", err)
	}
}

// Servers stay on loopback unless the user says otherwise.
func TestRunRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:8080", "example.com:8080"} {
		var stdout, stderr syncBuffer
		err := run(context.Background(), []string{"-listen", addr, "-app-token", "t"}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "-allow-remote") {
			t.Errorf("-listen %s: error %v, want a refusal naming -allow-remote", addr, err)
		}
		if stdout.String() != "" {
			t.Errorf("-listen %s printed %q", addr, stdout.String())
		}
	}
	// Loopback in its other spellings is fine.
	for _, addr := range []string{"localhost:0", "[::1]:0"} {
		if addr == "[::1]:0" && !ipv6Loopback() {
			continue
		}
		in := start(t, "-listen", addr, "-app-token", "t", "-quiet")
		if body := post(t, in.endpoint, "op", "usersget", "token", "t"); body["result"] != true {
			t.Errorf("-listen %s: %v", addr, body)
		}
		if err := in.stop(); err != nil {
			t.Errorf("-listen %s: %v", addr, err)
		}
	}
}

func ipv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestRunUsageAndBadFlags(t *testing.T) {
	var stdout, stderr syncBuffer
	if err := run(context.Background(), []string{"-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if u := stderr.String(); !strings.Contains(u, "Example:") || !strings.Contains(u, "-app-token") {
		t.Fatalf("usage lacks an example or the flags:\n%s", u)
	}
	for _, args := range [][]string{
		{"-faults", "429,teapot"},
		{"-fault-rate", "2"},
		{"-latency", "-1s"},
		{"-nosuchflag"},
		{"stray-argument"},
		{"-listen", "no-port"},
	} {
		err := run(context.Background(), append([]string{"-app-token", "t"}, args...), &stdout, &stderr)
		if err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	err := run(context.Background(), []string{"-faults", "teapot"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "garbage") {
		t.Fatalf("unknown fault error %v does not list the valid kinds", err)
	}
}

// postJSON posts a JSON body like `curl -H 'Content-Type: application/json' -d`
// and decodes the JSON answer.
func postJSON(t *testing.T, url, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	return answer(t, resp, err)
}

// TestRunServesJSONAndItsSettings: the command serves the JSON API at
// /backend/, and its flags choose whether groupgetmembers answers
// permissions, whether usersget answers names, and a token per app ID.
func TestRunServesJSONAndItsSettings(t *testing.T) {
	first := func(t *testing.T, body map[string]any, key string) map[string]any {
		t.Helper()
		list, _ := body[key].([]any)
		if len(list) == 0 {
			t.Fatalf("no %s in %v", key, body)
		}
		m, _ := list[0].(map[string]any)
		return m
	}
	for _, tc := range []struct {
		flags             []string
		perms, name       bool
		rowsOfTwoAppUsers int
	}{
		{nil, true, true, 1},
		{[]string{"-omit-member-permissions"}, false, true, 1},
		{[]string{"-omit-user-names", "-token-per-app"}, true, false, 2},
	} {
		in := start(t, append([]string{"-listen", "127.0.0.1:0", "-app-token", "t", "-quiet"}, tc.flags...)...)
		backend := strings.TrimSuffix(in.endpoint, "/api.php") + "/backend/"
		for _, app := range []string{"android", "web"} {
			add := postJSON(t, backend, `{"op":"useradd","token":"t","user":{"address":"ann","name":"Ann","token":{"appid":"`+app+`"}}}`)
			if add["result"] != true {
				t.Fatalf("%v: a JSON useradd answered %v", tc.flags, add)
			}
		}
		group := postJSON(t, backend, `{"op":"groupadd","token":"t","group":{"name":"g","members":{"m":"ann","permissions":{"send":false,"recv":true,"pub":true,"sub":true,"list":true}}}}`)
		g, _ := group["group"].(map[string]any)
		gid, ok := g["gid"].(float64)
		if !ok {
			t.Fatalf("%v: groupadd answered %v", tc.flags, group)
		}
		members := postJSON(t, backend, `{"op":"groupgetmembers","token":"t","group":{"gid":`+strconv.Itoa(int(gid))+`}}`)
		perms, has := first(t, members, "members")["permissions"].(map[string]any)
		if has != tc.perms || (has && perms["send"] != false) {
			t.Errorf("%v: groupgetmembers answered permissions %v (present %v), want present %v", tc.flags, perms, has, tc.perms)
		}
		users := post(t, in.endpoint, "op", "usersget", "token", "t", "addr", "ann")
		if _, has := first(t, users, "users")["name"]; has != tc.name {
			t.Errorf("%v: usersget answered a name: %v, want %v", tc.flags, has, tc.name)
		}
		if rows, _ := users["users"].([]any); len(rows) != tc.rowsOfTwoAppUsers {
			t.Errorf("%v: %d usersget rows for a user of two apps, want %d", tc.flags, len(rows), tc.rowsOfTwoAppUsers)
		}
		if err := in.stop(); err != nil {
			t.Error(err)
		}
	}
}

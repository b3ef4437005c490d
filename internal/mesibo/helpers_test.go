package mesibo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testToken is distinctive so that a test can tell whether it leaked anywhere.
const testToken = "apptok7f3c9d2e1b8a4f60SECRETe5d4c3b2a1"

// userToken is an access token a fake server hands out in useradd answers.
const userToken = "usertok9a8b7c6d5e4f3UTOKEN2a1b0c9d8e7"

// seen is one request as the server received it.
type seen struct {
	Method      string
	Path        string
	RawQuery    string
	ContentType string
	UserAgent   string
	// Body is the request body as it was sent.
	Body string
	// Form is the form parameters or, for a JSON body, its values under
	// their dotted paths ("user.address"), so handlers read the op the
	// same way in both formats.
	Form url.Values
}

// fakeServer is an httptest server that records every request and answers
// through a handler. n is the 1-based number of the request.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []seen
	conns   atomic.Int32
	handler func(w http.ResponseWriter, r *http.Request, form url.Values, n int)
}

func newServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, form url.Values, n int)) *fakeServer {
	t.Helper()
	fs := &fakeServer{handler: handler}
	fs.Server = httptest.NewUnstartedServer(http.HandlerFunc(fs.serve))
	fs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			fs.conns.Add(1)
		}
	}
	fs.Start()
	t.Cleanup(fs.Close)
	return fs
}

// jsonServer answers every request with the same 200 JSON body.
func jsonServer(t *testing.T, body string) *fakeServer {
	t.Helper()
	return newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
		writeJSON(w, body)
	})
}

func (fs *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var form url.Values
	if ct := r.Header.Get("Content-Type"); ct == "application/json" {
		form = url.Values{}
		for k, v := range describeJSON(raw, func(s string) string { return s }) {
			form.Set(k, v)
		}
		if tok, ok := bodyToken(raw); ok { // describeJSON masks it
			form.Set("token", tok)
		}
	} else {
		var err error
		if form, err = url.ParseQuery(string(raw)); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
	}
	fs.mu.Lock()
	fs.reqs = append(fs.reqs, seen{
		Method:      r.Method,
		Path:        r.URL.Path,
		RawQuery:    r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"),
		UserAgent:   r.Header.Get("User-Agent"),
		Body:        string(raw),
		Form:        form,
	})
	n := len(fs.reqs)
	fs.mu.Unlock()
	fs.handler(w, r, form, n)
}

func (fs *fakeServer) requests() []seen {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]seen(nil), fs.reqs...)
}

func (fs *fakeServer) count() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.reqs)
}

// endpoint is the server's URL with the path the real API uses.
func (fs *fakeServer) endpoint() string { return fs.URL + "/api.php" }

// backend is the server's URL with the path of the JSON backend API: a
// client for it writes JSON unless told otherwise.
func (fs *fakeServer) backend() string { return fs.URL + "/backend/" }

// bodyToken is the top-level "token" of a JSON body.
func bodyToken(body []byte) (string, bool) {
	var v struct {
		Token *string `json:"token"`
	}
	if json.Unmarshal(body, &v) != nil || v.Token == nil {
		return "", false
	}
	return *v.Token, true
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

// resetConn closes the connection without answering, after the request was read.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // send RST rather than FIN
	}
	_ = conn.Close()
}

// testConfig is a configuration with tiny waits for tests.
func testConfig(endpoint string) Config {
	return Config{
		Endpoint:       endpoint,
		AppToken:       testToken,
		Version:        "1.2.3",
		UserAgent:      "test-suite",
		RequestTimeout: 5 * time.Second,
		MaxRetries:     3,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   5 * time.Millisecond,
	}
}

func newClient(t *testing.T, endpoint string, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := testConfig(endpoint)
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// assertForm checks that form holds exactly want, one value per key.
func assertForm(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	flat := map[string]string{}
	for k, v := range got {
		if len(v) != 1 {
			t.Errorf("parameter %q sent %d times: %q", k, len(v), v)
		}
		flat[k] = strings.Join(v, "|")
	}
	if !reflect.DeepEqual(flat, want) {
		t.Errorf("parameters sent:\n got  %v\n want %v", sortedMap(flat), sortedMap(want))
	}
}

func sortedMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q ", k, m[k])
	}
	return b.String()
}

// assertNoToken fails when err's message contains the app token or a user access token.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, secret := range []string{testToken, userToken} {
		if strings.Contains(msg, secret) {
			t.Errorf("error message contains a secret: %s", msg)
		}
	}
}

// logLine is one line a recordingLogger received.
type logLine struct {
	Level  string
	Msg    string
	Fields map[string]any
}

type recordingLogger struct {
	mu    sync.Mutex
	lines []logLine
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.add("debug", msg, fields)
}

func (l *recordingLogger) Trace(_ context.Context, msg string, fields map[string]any) {
	l.add("trace", msg, fields)
}

func (l *recordingLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := make(map[string]any, len(fields))
	for k, v := range fields {
		cp[k] = v
	}
	l.lines = append(l.lines, logLine{level, msg, cp})
}

func (l *recordingLogger) all() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logLine(nil), l.lines...)
}

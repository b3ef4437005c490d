package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const testToken = "test-app-token-5f1c2a9e"

// newTestServer starts an emulator behind a real HTTP server.
func newTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.AppToken == "" {
		opts.AppToken = testToken
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// answer is an HTTP answer with its body decoded as a JSON object when it is one.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// send makes one request. A non-empty form is sent as a form-encoded body.
func send(t *testing.T, ts *httptest.Server, method, path string, query, form url.Values) answer {
	t.Helper()
	u := ts.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return do(t, ts.Client(), req)
}

func do(t *testing.T, c *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&a.body)
	return a
}

// vals builds url.Values from name, value pairs.
func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// api sends op with the test token and the given name, value pairs as a
// form-encoded POST to /api.php, checks that the answer is HTTP 200 JSON and
// returns the decoded body.
func api(t *testing.T, ts *httptest.Server, op string, kv ...string) map[string]any {
	t.Helper()
	form := vals(append([]string{"op", op, "token", testToken}, kv...)...)
	a := send(t, ts, http.MethodPost, "/api.php", nil, form)
	mustJSON(t, a)
	return a.body
}

// mustJSON checks the things every API answer has in common.
func mustJSON(t *testing.T, a answer) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", a.status, a.raw)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if a.body == nil {
		t.Fatalf("body is not a JSON object: %s", a.raw)
	}
}

// mustOK fails unless body is a success answer for op.
func mustOK(t *testing.T, body map[string]any, op string) {
	t.Helper()
	wantResult := any(true)
	if op == "message" {
		wantResult = "OK"
	}
	if body["op"] != op || body["result"] != wantResult {
		t.Fatalf("want success for %s, got %v", op, body)
	}
	if _, has := body["error"]; has {
		t.Fatalf("success answer carries an error: %v", body)
	}
}

// mustFail fails unless body is a failure answer with the given error code,
// HTTP-like code and properties.
func mustFail(t *testing.T, body map[string]any, op, code string, httpCode int64, props ...string) {
	t.Helper()
	wantResult := any(false)
	if op == "message" {
		wantResult = "FAIL"
	}
	if body["op"] != op || body["result"] != wantResult || body["error"] != code {
		t.Fatalf("want op %q result %v error %s, got %v", op, wantResult, code, body)
	}
	if got := num(t, body["code"]); got != httpCode {
		t.Fatalf("code %d, want %d (%v)", got, httpCode, body)
	}
	if c, _ := body["cause"].(string); c == "" {
		t.Fatalf("failure without a cause: %v", body)
	}
	gotProps, ok := body["properties"].([]any)
	if !ok {
		t.Fatalf("properties missing or not a list: %v", body)
	}
	if len(gotProps) != len(props) {
		t.Fatalf("properties %v, want %v", gotProps, props)
	}
	for i := range props {
		if gotProps[i] != props[i] {
			t.Fatalf("properties %v, want %v", gotProps, props)
		}
	}
}

// num reads a JSON number (decoded with UseNumber) as an int64.
func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a JSON number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%v is not an integer", v)
	}
	return i
}

func obj(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v (%T) is not a JSON object", v, v)
	}
	return m
}

func list(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v (%T) is not a JSON array", v, v)
	}
	return l
}

// addUser creates a user and returns its uid and token.
func addUser(t *testing.T, ts *httptest.Server, addr string, kv ...string) (int64, string) {
	t.Helper()
	body := api(t, ts, "useradd", append([]string{"addr", addr, "appid", "com.example.app"}, kv...)...)
	mustOK(t, body, "useradd")
	u := obj(t, body["user"])
	tok, _ := u["token"].(string)
	return num(t, u["uid"]), tok
}

// addGroup creates a group and returns its gid.
func addGroup(t *testing.T, ts *httptest.Server, kv ...string) int64 {
	t.Helper()
	body := api(t, ts, "groupadd", kv...)
	mustOK(t, body, "groupadd")
	return num(t, obj(t, body["group"])["gid"])
}

// postJSON posts body, a JSON document, to /backend/ with Content-Type
// application/json, checks that the answer is HTTP 200 JSON and returns the
// decoded answer.
func postJSON(t *testing.T, ts *httptest.Server, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/backend/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	a := do(t, ts.Client(), req)
	mustJSON(t, a)
	return a.body
}

// apiJSON posts {"op": op, "token": the test token, ...rest} to /backend/;
// rest is the body's other members, written as JSON without the braces.
func apiJSON(t *testing.T, ts *httptest.Server, op, rest string) map[string]any {
	t.Helper()
	body := `{"op":"` + op + `","token":"` + testToken + `"`
	if rest != "" {
		body += "," + rest
	}
	return postJSON(t, ts, body+"}")
}

// user returns the user with address in s, failing the test when there is none.
func user(t *testing.T, s *Server, address string) StateUser {
	t.Helper()
	for _, u := range s.Snapshot().Users {
		if u.Address == address {
			return u
		}
	}
	t.Fatalf("no user %q", address)
	return StateUser{}
}

// group returns the group gid in s, failing the test when there is none.
func group(t *testing.T, s *Server, gid int64) StateGroup {
	t.Helper()
	for _, g := range s.Snapshot().Groups {
		if g.GID == gid {
			return g
		}
	}
	t.Fatalf("no group %d", gid)
	return StateGroup{}
}

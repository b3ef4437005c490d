package emulator

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Clients in the wild send parameters three ways; all must work on all three paths.
func TestRequestStylesAndPaths(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	for i, path := range []string{"/api.php", "/backend/", "/backend"} {
		addr := func(style string) string { return style + "-" + strconv.Itoa(i) }

		a := send(t, ts, http.MethodGet, path, vals("op", "useradd", "token", testToken, "addr", addr("get"), "appid", "a"), nil)
		mustJSON(t, a)
		mustOK(t, a.body, "useradd")

		a = send(t, ts, http.MethodPost, path, nil, vals("op", "useradd", "token", testToken, "addr", addr("form"), "appid", "a"))
		mustJSON(t, a)
		mustOK(t, a.body, "useradd")

		a = send(t, ts, http.MethodPost, path, vals("op", "useradd", "token", testToken, "addr", addr("query"), "appid", "a"), nil)
		mustJSON(t, a)
		mustOK(t, a.body, "useradd")
	}
	if got := len(s.Snapshot().Users); got != 9 {
		t.Fatalf("%d users, want 9", got)
	}
}

func TestBodyOverridesQuery(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	a := send(t, ts, http.MethodPost, "/api.php",
		vals("op", "useradd", "token", "wrong", "addr", "from-query", "appid", "q"),
		vals("token", testToken, "addr", "from-body"))
	mustJSON(t, a)
	mustOK(t, a.body, "useradd")
	users := s.Snapshot().Users
	if len(users) != 1 || users[0].Address != "from-body" || users[0].AppID != "q" {
		t.Fatalf("want one user from-body with appid from the query, got %+v", users)
	}
}

func TestRepeatedParameterLastWins(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api.php?op=useradd&token="+testToken+"&addr=first&addr=last&appid=x", nil)
	a := do(t, ts.Client(), req)
	mustOK(t, a.body, "useradd")
	if u := s.Snapshot().Users; len(u) != 1 || u[0].Address != "last" {
		t.Fatalf("users %+v, want the last addr", u)
	}
}

func TestMultipartBody(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range [][2]string{{"op", "useradd"}, {"token", testToken}, {"addr", "mp"}, {"appid", "a"}} {
		_ = mw.WriteField(kv[0], kv[1])
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api.php", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	a := do(t, ts.Client(), req)
	mustJSON(t, a)
	mustOK(t, a.body, "useradd")
	if u := s.Snapshot().Users; len(u) != 1 || u[0].Address != "mp" {
		t.Fatalf("users %+v", u)
	}
}

func TestOtherPathsAre404(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for _, p := range []string{"/", "/api", "/api.php/x", "/backend/api.php", "/_emulator/", "/_emulator/reset"} {
		a := send(t, ts, http.MethodGet, p, vals("op", "usersget", "token", testToken), nil)
		if a.status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, a.status)
		}
	}
}

// Mesibo serves its JSON API at /backend/; at /api.php the emulator must
// say clearly where JSON goes rather than answer AUTHFAIL or MISSINGPARA.
func TestJSONBodyAtAPIPHPIsRefusedClearly(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", ""} {
		body := `{"op":"useradd","token":"` + testToken + `","user":{"address":"j","token":{"appid":"a"}}}`
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api.php", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		a := do(t, ts.Client(), req)
		mustJSON(t, a)
		mustFail(t, a.body, "useradd", "BADREQUEST", 415)
		if cause, _ := a.body["cause"].(string); !strings.Contains(cause, "JSON") || !strings.Contains(cause, "/backend/") {
			t.Errorf("cause %q does not say that JSON goes to /backend/", cause)
		}
		if strings.Contains(string(a.raw), testToken) {
			t.Errorf("answer echoes the token: %s", a.raw)
		}
	}
	if len(s.Snapshot().Users) != 0 {
		t.Fatal("a JSON request to /api.php created a user")
	}
	// The same bodies at /backend/ and /backend are served.
	for i, path := range []string{"/backend/", "/backend"} {
		for j, ct := range []string{"application/json", "application/json; charset=utf-8", ""} {
			addr := fmt.Sprintf("j%d%d", i, j)
			body := `{"op":"useradd","token":"` + testToken + `","user":{"address":"` + addr + `","token":{"appid":"a"}}}`
			req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			a := do(t, ts.Client(), req)
			mustJSON(t, a)
			mustOK(t, a.body, "useradd")
		}
	}
	if n := len(s.Snapshot().Users); n != 6 {
		t.Fatalf("%d users from six JSON useradds at /backend/", n)
	}
}

func TestUnreadableRequests(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	cases := []struct {
		name, method, rawQuery, contentType, body string
		code                                      int64
	}{
		{"put", http.MethodPut, "op=usersget&token=" + testToken, "", "", 405},
		{"delete", http.MethodDelete, "op=usersget&token=" + testToken, "", "", 405},
		{"text body", http.MethodPost, "", "text/plain", "op=usersget&token=" + testToken, 415},
		{"bad escape in body", http.MethodPost, "", "application/x-www-form-urlencoded", "op=usersget&token=%zz", 400},
		{"bad escape in query", http.MethodGet, "op=usersget&addr=%zz&token=" + testToken, "", "", 400},
		{"multipart without boundary", http.MethodPost, "", "multipart/form-data", "op=usersget", 400},
		{"too large", http.MethodPost, "", "application/x-www-form-urlencoded", "op=usersget&m=" + strings.Repeat("a", maxBodyBytes), 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, ts.URL+"/api.php?"+c.rawQuery, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			a := do(t, ts.Client(), req)
			mustJSON(t, a)
			op, _ := a.body["op"].(string)
			mustFail(t, a.body, op, "BADREQUEST", c.code)
		})
	}
}

// The checks run in a fixed order, so a client sees the most basic problem first.
func TestCheckOrder(t *testing.T) {
	_, ts := newTestServer(t, Options{})

	// No op: MISSINGPARA, even with a wrong token.
	a := send(t, ts, http.MethodPost, "/api.php", nil, vals("token", "wrong"))
	mustJSON(t, a)
	mustFail(t, a.body, "", "MISSINGPARA", 400, "op")

	// Token missing or wrong: AUTHFAIL, even for an unknown op.
	a = send(t, ts, http.MethodPost, "/api.php", nil, vals("op", "nosuchop"))
	mustFail(t, a.body, "nosuchop", "AUTHFAIL", 401, "token")
	a = send(t, ts, http.MethodPost, "/api.php", nil, vals("op", "useradd", "token", "wrong-token-value"))
	mustFail(t, a.body, "useradd", "AUTHFAIL", 401, "token")
	if strings.Contains(string(a.raw), "wrong-token-value") {
		t.Fatalf("AUTHFAIL echoes the token: %s", a.raw)
	}

	// Unknown op (case matters).
	mustFail(t, api(t, ts, "USERADD", "addr", "x", "appid", "y"), "USERADD", "BADOP", 400, "op")

	// Missing before malformed: every missing name is listed.
	mustFail(t, api(t, ts, "useradd", "expiry", "x"), "useradd", "MISSINGPARA", 400, "addr", "appid")

	// Malformed before not found: every malformed name is listed.
	mustFail(t, api(t, ts, "userset", "uid", "1e3", "active", "2"), "userset", "BADPARA", 400, "active", "uid")
	mustFail(t, api(t, ts, "userset", "uid", "999"), "userset", "NOUSER", 404, "uid")
}

func TestMalformedNumbers(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	uid, _ := addUser(t, ts, "n")
	for _, bad := range []string{"-1", "+1", " 1", "1 ", "0x10", "1.0", "1e2", "١", "99999999999999999999"} {
		mustFail(t, api(t, ts, "userset", "uid", strconv.FormatInt(uid, 10), "flag", bad), "userset", "BADPARA", 400, "flag")
	}
	mustFail(t, api(t, ts, "groupadd", "expiry", "1y", "expiryext", "-5", "flag", "two"), "groupadd", "BADPARA", 400, "flag", "expiry", "expiryext")
	mustFail(t, api(t, ts, "groupgetmembers", "gid", "abc"), "groupgetmembers", "BADPARA", 400, "gid")
	mustFail(t, api(t, ts, "useradd", "addr", "n", "appid", "a", "groups", "many"), "useradd", "BADPARA", 400, "groups")
}

func TestIDIsEchoed(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	body := api(t, ts, "groupadd", "id", "req-42")
	mustOK(t, body, "groupadd")
	if body["id"] != "req-42" {
		t.Fatalf("id %v, want req-42", body["id"])
	}
	body = api(t, ts, "groupdel", "gid", "1", "id", "7")
	mustFail(t, body, "groupdel", "NOGROUP", 404, "gid")
	if body["id"] != "7" {
		t.Fatalf("id %v, want \"7\"", body["id"])
	}
	if body := api(t, ts, "groupadd"); body["id"] != nil {
		t.Fatalf("id %v in an answer to a request without one", body["id"])
	}
}

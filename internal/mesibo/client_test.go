package mesibo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/testwait"
)

func TestValidateEndpoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		endpoint string
		insecure bool
		ok       bool
	}{
		{"https://api.mesibo.com/api.php", false, true},
		{"https://api.mesibo.com/backend/", false, true},
		{"HTTPS://API.MESIBO.COM/api.php", false, true},
		{"https://10.0.0.5:8443/api.php", false, true},
		{"http://127.0.0.1:8080/api.php", false, true},
		{"http://127.1.2.3/api.php", false, true},
		{"http://localhost:8080/api.php", false, true},
		{"http://LocalHost/api.php", false, true},
		{"http://[::1]:8080/api.php", false, true},
		{"http://api.example.com/api.php", false, false},
		{"http://10.0.0.5/api.php", false, false},
		{"http://0.0.0.0:8080/api.php", false, false},
		{"http://localhost.example.com/api.php", false, false},
		{"http://127.0.0.1.example.com/api.php", false, false},
		{"http://[::ffff:10.0.0.1]/api.php", false, false},
		{"http://api.example.com/api.php", true, true},
		{"http://10.0.0.5/api.php", true, true},
		{"https://user:secret@api.mesibo.com/api.php", false, false},
		{"https://user@api.mesibo.com/api.php", false, false},
		{"http://user:secret@127.0.0.1/api.php", true, false},
		{"https://api.mesibo.com/api.php?token=x", false, false},
		{"https://api.mesibo.com/api.php?", false, true},
		{"https://api.mesibo.com/api.php#frag", false, false},
		{"ftp://api.mesibo.com/api.php", true, false},
		{"ws://127.0.0.1/api.php", true, false},
		{"file:///etc/passwd", true, false},
		{"api.mesibo.com/api.php", true, false},
		{"//api.mesibo.com/api.php", true, false},
		{"https://", true, false},
		{"https:///api.php", true, false},
		{"https://:443/api.php", true, false},
		{"https:api.mesibo.com", true, false},
		{"", true, false},
		{"https://api.mesibo.com/\x00", true, false},
		{"https://api.mesibo.com:notaport/", true, false},
	}
	for _, tc := range cases {
		err := ValidateEndpoint(tc.endpoint, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateEndpoint(%q, insecure=%v) = %v, want ok=%v", tc.endpoint, tc.insecure, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ValidateEndpoint(%q) error quotes the credentials: %v", tc.endpoint, err)
		}
		_, nerr := New(Config{Endpoint: tc.endpoint, AllowInsecureHTTP: tc.insecure, AppToken: "x"})
		if tc.endpoint != "" && (nerr == nil) != (err == nil) {
			t.Errorf("New and ValidateEndpoint disagree on %q: %v vs %v", tc.endpoint, nerr, err)
		}
	}
}

// TestEndpointErrorsHideCredentials checks that every refusal of an endpoint
// with credentials in it keeps them out of the message.
func TestEndpointErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{
		"ftp://user:" + testToken + "@host/",
		"http://user:" + testToken + "@/x",
		"https://user:" + testToken + "@host/x?y=1",
		"http://user:" + testToken + "@example.com/",
		"https://user:" + testToken + "@host:port/",
		"https://host/x?token=" + testToken,
		"https://host/x#" + testToken,
		"http://example.com/api.php/" + testToken + "%zz",
		"user:" + testToken + "@host/api.php",
		"host/api.php?token=" + testToken,
		"host/api.php#" + testToken,
	} {
		err := ValidateEndpoint(endpoint, false)
		if err == nil {
			t.Errorf("%q accepted", endpoint)
			continue
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("the error for %q quotes the secret: %v", endpoint, err)
		}
	}
}

func TestDefaultEndpoint(t *testing.T) {
	t.Parallel()
	c, err := New(Config{AppToken: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if c.endpoint != DefaultEndpoint || DefaultEndpoint != "https://api.mesibo.com/api.php" {
		t.Errorf("endpoint %q", c.endpoint)
	}
}

// TestNoRedirectFollowed checks that a redirect cannot carry the app token to
// another server, with the default HTTP client and with one the caller gives.
func TestNoRedirectFollowed(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"default client", "caller's client"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			other := jsonServer(t, `{"result":true}`)
			for _, status := range []int{301, 302, 303, 307, 308} {
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) {
					http.Redirect(w, r, other.endpoint(), status)
				})
				c := newClient(t, srv.endpoint(), func(c *Config) {
					if name == "caller's client" {
						c.HTTPClient = &http.Client{}
					}
				})
				err := c.DeleteUser(context.Background(), 1)
				var te *TransportError
				if !errors.As(err, &te) || te.StatusCode != status {
					t.Errorf("redirect %d: error %v, want a *TransportError with its status", status, err)
				}
			}
			if n := other.count(); n != 0 {
				t.Errorf("the redirect target got %d requests", n)
			}
		})
	}
}

// TestCallersHTTPClientUntouched checks that the client does not change the
// *http.Client it was given.
func TestCallersHTTPClientUntouched(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	if _, err := New(Config{AppToken: "x", HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("New changed the caller's http.Client")
	}
}

// TestConnectionReuse checks that sequential calls, failed ones included,
// share one TCP connection.
func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, form url.Values, n int) {
		switch n {
		case 3:
			http.Error(w, strings.Repeat("oops ", 1000), http.StatusInternalServerError)
		case 5:
			writeJSON(w, `{"result":false,"error":"NOUSER","cause":"`+strings.Repeat("x", 5000)+`"}`)
		default:
			writeJSON(w, `{"result":true,"users":[],"members":[]}`)
		}
	})
	c := newClient(t, srv.endpoint())
	ctx := context.Background()
	for i := range 2 {
		if err := c.SetUser(ctx, SetUserRequest{UID: int64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteUser(ctx, 1); err != nil { // a 500, then success
		t.Fatal(err)
	}
	err := c.DeleteUser(ctx, 1)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error %v, want ErrNotFound", err)
	}
	if len(err.Error()) > 1000 {
		t.Errorf("a 5000-byte cause makes a %d-byte message", len(err.Error()))
	}
	if _, err := c.GetUsers(ctx, GetUsersRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetGroupMembers(ctx, 1, 0); err != nil {
		t.Fatal(err)
	}
	if n := srv.count(); n != 7 {
		t.Errorf("%d requests, want 7", n)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections for 7 sequential requests, want 1", n)
	}
}

// TestConcurrentUse checks that one client serves many goroutines.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values, n int) {
		if n%5 == 0 {
			writeFault(w, r, fault503)
			return
		}
		writeJSON(w, fmt.Sprintf(`{"result":true,"user":{"uid":%s,"token":"t"}}`, form.Get("addr")[1:]))
	})
	c := newClient(t, srv.endpoint(), fast, func(c *Config) { c.MaxRetries = 10 })
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			u, err := c.AddUser(context.Background(), AddUserRequest{Address: fmt.Sprintf("u%d", i+1), AppID: "a"})
			if err == nil && u.UID != int64(i+1) {
				err = fmt.Errorf("user %d got uid %d", i+1, u.UID)
			}
			errs[i] = err
		})
	}
	testwait.MustWait(t, &wg, "the concurrent useradd calls")
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}

// TestLoggerNeverSeesSecrets runs successful, failing and retried calls and
// checks every logged field for the app token and user access tokens.
func TestLoggerNeverSeesSecrets(t *testing.T) {
	t.Parallel()
	answers := map[string][]string{
		// Each op's answers in order; the last repeats.
		"useradd": {
			fault503,
			`{"op":"useradd","result":true,"user":{"uid":3,"address":"a","token":"` + userToken + `"}}`,
			`{"op":"useradd","result":true,"user":{"uid":true,"token":"` + userToken + `"}}`,
		},
		"userdel": {
			fault500, faultReset,
			`{"op":"userdel","result":false,"error":"AUTHFAIL","cause":"bad token ` + testToken + `","properties":["` + testToken + `"]}`,
		},
		"usersget": {
			"<html>token=" + testToken + "</html>",
			`{"result":true,"users":[{"uid":3,"address":"a","token":"` + userToken + `"}]}`,
		},
		"groupadd": {
			faultTimeout,
		},
		"message": {
			`{"result":"FAIL","error":"` + testToken + `"}`,
		},
	}
	var mu sync.Mutex
	next := map[string]int{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values, _ int) {
		op := form.Get("op")
		mu.Lock()
		list := answers[op]
		a := list[min(next[op], len(list)-1)]
		next[op]++
		mu.Unlock()
		switch a {
		case fault500, fault503, faultReset, faultTimeout:
			writeFault(w, r, a)
		default:
			writeJSON(w, a)
		}
	})
	log := &recordingLogger{}
	c := newClient(t, srv.endpoint(), fast, stalling, func(c *Config) { c.Logger = log; c.MaxRetries = 2 })
	ctx := context.Background()
	u, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "b"})
	if err != nil || u.Token != userToken {
		t.Fatalf("AddUser: %v, %v", u, err)
	}
	_, err = c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "b"})
	assertNoToken(t, err)
	assertNoToken(t, c.DeleteUser(ctx, 3))
	_, err = c.GetUsers(ctx, GetUsersRequest{})
	assertNoToken(t, err)
	_, err = c.AddGroup(ctx, GroupRequest{Name: ptr("g")})
	assertNoToken(t, err)
	assertNoToken(t, c.SendMessage(ctx, MessageRequest{From: "a", To: "b", Message: "hello"}))

	lines := log.all()
	var retried, failed, params bool
	for _, l := range lines {
		text := l.Msg + " " + fmt.Sprint(l.Fields)
		for _, secret := range []string{testToken, userToken} {
			if strings.Contains(text, secret) {
				t.Errorf("a %s line contains a secret: %s", l.Level, text)
			}
		}
		if strings.Contains(l.Msg, "retrying") {
			retried = true
		}
		if strings.Contains(l.Msg, "failed") && l.Fields["error"] != nil {
			failed = true
		}
		if p, ok := l.Fields["parameters"].(map[string]string); ok && p["op"] == "message" && p["msg"] == "hello" {
			params = true
			if p["token"] != "***" {
				t.Errorf("token logged as %q", p["token"])
			}
		}
	}
	if !retried || !failed || !params {
		t.Errorf("the log lacks lines the test relies on (retried %v, failed %v, parameters %v): %d lines", retried, failed, params, len(lines))
	}
}

// TestValidateEndpointSaysWhatToChange: each refusal says what is wrong with
// the endpoint, and only the one that AllowInsecureHTTP would cure matches
// ErrInsecureEndpoint.
func TestValidateEndpointSaysWhatToChange(t *testing.T) {
	t.Parallel()
	for endpoint, want := range map[string]string{
		"api.mesibo.com/api.php":       `endpoint "api.mesibo.com/api.php" has no scheme: write it as "https://api.mesibo.com/api.php"`,
		"localhost:8080/api.php":       `has no scheme: write it as "https://localhost:8080/api.php"`,
		"127.0.0.1:8080/api.php":       `has no scheme: write it as "https://127.0.0.1:8080/api.php"`,
		"//api.mesibo.com/api.php":     `has no scheme: write it as "https://api.mesibo.com/api.php"`,
		"mesibo.example.com":           `has no scheme: write it as "https://mesibo.example.com"`,
		"host/api.php?x=1":             `write it as "https://host/api.php"`,
		"https://api.mesibo.com/x\n":   "begins or ends with whitespace",
		" https://api.mesibo.com/x":    "begins or ends with whitespace",
		"ftp://api.mesibo.com/api.php": "must be an https:// URL",
		"http://mesibo.example.com/x":  "uses plain http to a host that is not loopback",
	} {
		err := ValidateEndpoint(endpoint, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateEndpoint(%q) = %v, want it to say %q", endpoint, err, want)
		}
		if insecure := strings.HasPrefix(endpoint, "http://"); errors.Is(err, ErrInsecureEndpoint) != insecure {
			t.Errorf("ValidateEndpoint(%q): errors.Is(err, ErrInsecureEndpoint) = %v, want %v", endpoint, !insecure, insecure)
		}
	}
}

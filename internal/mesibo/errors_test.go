package mesibo

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestAPIErrorFields(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"useradd","result":false,"error":"MISSINGPARA","code":"400","cause":"Missing parameters","properties":["appid","addr"]}`)
	_, err := newClient(t, srv.endpoint()).AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	want := &APIError{Op: "useradd", Code: "MISSINGPARA", Status: 400, Cause: "Missing parameters", Properties: []string{"appid", "addr"}}
	if !reflect.DeepEqual(apiErr, want) {
		t.Errorf("got %+v, want %+v", apiErr, want)
	}
	msg := err.Error()
	for _, part := range []string{"useradd", "MISSINGPARA", "400", "Missing parameters", "appid, addr"} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q does not mention %q", msg, part)
		}
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) {
		t.Errorf("MISSINGPARA matches a sentinel: %v", err)
	}
	if srv.count() != 1 {
		t.Errorf("an API error was retried: %d requests", srv.count())
	}
}

func TestAPIErrorClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code                   string
		notFound, unauthorized bool
	}{
		{"NOUSER", true, false},
		{"NOGROUP", true, false},
		{"AUTHFAIL", false, true},
		{"INVALIDTOKEN", false, true},
		{"TOKENBREACH", false, true},
		{"BADOP", false, false},
		{"MISSINGPARA", false, false},
		{"nouser", false, false}, // codes are matched exactly
		{"SOMETHINGNEW", false, false},
		{"", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, `{"op":"userdel","result":false,"error":"`+tc.code+`","code":401}`)
			err := newClient(t, srv.endpoint()).DeleteUser(context.Background(), 3)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code || apiErr.Op != "userdel" || apiErr.Status != 401 {
				t.Fatalf("error %#v, want an *APIError with code %q", err, tc.code)
			}
			if got := errors.Is(err, ErrNotFound); got != tc.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v", got)
			}
			if got := errors.Is(err, ErrUnauthorized); got != tc.unauthorized {
				t.Errorf("errors.Is(ErrUnauthorized) = %v", got)
			}
			if errors.Is(err, ErrGroupMayExist) || errors.Is(err, ErrInvalidRequest) || errors.Is(err, ErrMissingAppToken) {
				t.Errorf("matches an unrelated sentinel: %v", err)
			}
			var te *TransportError
			if errors.As(err, &te) {
				t.Errorf("an API error is also a *TransportError: %v", err)
			}
			if srv.count() != 1 {
				t.Errorf("an API error was retried: %d requests", srv.count())
			}
		})
	}
}

// TestAPIErrorEnvelopeVariants checks that failure envelopes in every
// spelling become an *APIError.
func TestAPIErrorEnvelopeVariants(t *testing.T) {
	t.Parallel()
	for answer, code := range map[string]string{
		`{"op":"userdel","result":false,"error":"NOUSER"}`:                                            "NOUSER",
		`{"op":"userdel","result":"false","error":"NOUSER"}`:                                          "NOUSER",
		`{"op":"userdel","result":0,"error":"NOUSER"}`:                                                "NOUSER",
		`{"op":"userdel","result":"0","error":"NOUSER"}`:                                              "NOUSER",
		`{"op":"userdel","result":"FAIL","error":"NOUSER"}`:                                           "NOUSER",
		`{"op":"userdel","error":"NOUSER"}`:                                                           "NOUSER",
		`{"op":"userdel","result":false}`:                                                             "",
		`{"op":"userdel","result":false,"error":"NOUSER","properties":"uid"}`:                         "NOUSER",
		`{"op":"userdel","result":false,"error":"NOUSER","code":null,"cause":null,"properties":null}`: "NOUSER",
	} {
		srv := jsonServer(t, answer)
		err := newClient(t, srv.endpoint()).DeleteUser(context.Background(), 3)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != code {
			t.Errorf("%s: error %v, want an *APIError with code %q", answer, err, code)
		}
	}
}

// transportCase is an answer that is not a well-formed envelope.
type transportCase struct {
	name        string
	status      int
	contentType string
	body        string
	// mention lists what the error message must say.
	mention []string
}

func transportCases() []transportCase {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>token=" + testToken + " nginx</body></html>"
	return []transportCase{
		{"HTTP 500 JSON", 500, "application/json", `{"error":"internal","token":"` + testToken + `"}`, []string{"500", "application/json", `\"error\":\"internal\"`}},
		{"HTTP 502 HTML", 502, "text/html; charset=utf-8", html, []string{"502", "text/html", "<!DOCTYPE html>"}},
		{"HTTP 404", 404, "text/plain", "no such page " + testToken, []string{"404", "text/plain", "no such page"}},
		{"HTTP 401", 401, "application/json", `{"result":false,"error":"AUTHFAIL"}`, []string{"401"}},
		{"HTML with 200", 200, "text/html", html, []string{"not JSON", "text/html", "<!DOCTYPE html>"}},
		{"empty body", 200, "application/json", "", []string{"empty"}},
		{"whitespace body", 200, "application/json", " \r\n\t ", []string{"empty"}},
		{"truncated JSON", 200, "application/json", `{"op":"useradd","result":true,"user":{"uid":1,"token":"` + testToken, []string{"truncated"}},
		{"JSON array", 200, "application/json", `[{"result":true}]`, []string{"not a JSON object"}},
		{"JSON string", 200, "application/json", `"` + testToken + `"`, []string{"not a JSON object"}},
		{"JSON null", 200, "application/json", `null`, []string{"not a JSON object"}},
		{"two objects", 200, "application/json", `{"result":true}{"result":true}`, nil},
		{"result missing", 200, "application/json", `{"op":"useradd","token":"` + testToken + `"}`, []string{"result"}},
		{"result of wrong type", 200, "application/json", `{"op":"useradd","result":"` + testToken + `"}`, []string{"wrong type"}},
		{"result an object", 200, "application/json", `{"op":"useradd","result":{"ok":true}}`, []string{"wrong type"}},
		{"uid true", 200, "application/json", `{"op":"useradd","result":true,"user":{"uid":true,"token":"t"}}`, []string{"wrong type"}},
		{"uid the token", 200, "application/json", `{"op":"useradd","result":true,"user":{"uid":"` + testToken + `","token":"t"}}`, []string{"wrong type"}},
		{"uid fractional", 200, "application/json", `{"op":"useradd","result":true,"user":{"uid":1.5}}`, []string{"wrong type"}},
		{"uid huge", 200, "application/json", `{"op":"useradd","result":true,"user":{"uid":1e400}}`, []string{"wrong type"}},
		{"user a string", 200, "application/json", `{"op":"useradd","result":true,"user":"` + testToken + `"}`, []string{"wrong type"}},
		{"error an object", 200, "application/json", `{"op":"useradd","result":false,"error":{"token":"` + testToken + `"}}`, []string{"wrong type"}},
		{"over the size cap", 200, "application/json", `{"op":"useradd","result":true,"pad":"` + strings.Repeat("a", maxResponseBytes) + `"}`, []string{"larger than"}},
		{"over the cap, token at the cut", 200, "application/json", `{"x":"` + strings.Repeat("a", snippetBytes-10) + testToken + strings.Repeat("b", maxResponseBytes) + `"}`, []string{"larger than"}},
	}
}

// TestTransportErrors checks that each kind of answer that is not a
// well-formed envelope becomes a *TransportError that says what came back and
// never quotes the app token, even when the server echoes it.
func TestTransportErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range transportCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			c := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRetries = 0 })
			u, err := c.AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
			if u != nil {
				t.Errorf("got a user %+v", u)
			}
			var te *TransportError
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not a *TransportError", err, err)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				t.Errorf("also an *APIError: %v", err)
			}
			if te.Op != "useradd" {
				t.Errorf("Op %q", te.Op)
			}
			if te.StatusCode != tc.status {
				t.Errorf("StatusCode %d, want %d", te.StatusCode, tc.status)
			}
			// A 4xx is a refusal: the request was not carried out. Any
			// other answer came after the server may have acted on it.
			if refused := tc.status >= 400 && tc.status < 500; te.MaybeProcessed == refused {
				t.Errorf("MaybeProcessed = %v for HTTP %d", te.MaybeProcessed, tc.status)
			}
			msg := err.Error()
			for _, part := range tc.mention {
				if !strings.Contains(msg, part) {
					t.Errorf("message does not mention %q: %s", part, msg)
				}
			}
			if len(msg) > 1000 {
				t.Errorf("message is %d bytes long", len(msg))
			}
			assertNoToken(t, err)
			if strings.Contains(te.Snippet, testToken) || strings.Contains(te.ContentType, testToken) {
				t.Errorf("TransportError fields carry the token: %+v", te)
			}
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) {
				t.Errorf("a transport error matches an API sentinel: %v", err)
			}
		})
	}
}

// TestTokenNeverEchoed checks every place where text from the server reaches
// an error: code, cause, properties, snippet and content type.
func TestTokenNeverEchoed(t *testing.T) {
	t.Parallel()
	answers := []struct {
		contentType, body string
		status            int
	}{
		{"application/json", `{"op":"userdel","result":false,"error":"AUTHFAIL","code":401,"cause":"token ` + testToken + ` is not valid","properties":["token=` + testToken + `"]}`, 200},
		{"application/json", `{"op":"userdel","result":false,"error":"` + testToken + `"}`, 200},
		{"application/json", `{"op":"userdel","result":false,"error":"NOUSER","properties":"` + testToken + `,uid"}`, 200},
		{"application/json", `{"op":"userdel","result":false,"error":"NOUSER","code":"` + testToken + `"}`, 200},
		{"application/json", `{"op":"userdel","result":"` + testToken + `"}`, 200},
		{"application/json", `{"op":"userdel","result":false,"cause":["` + testToken + `"]}`, 200},
		{"text/html; x=" + testToken, "<p>bad</p>", 500},
		{testToken + "/" + testToken, "<p>bad</p>", 500},
		{"text/plain", "op=userdel&token=" + testToken + "&uid=3", 400},
	}
	for _, a := range answers {
		srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
			w.Header().Set("Content-Type", a.contentType)
			w.WriteHeader(a.status)
			_, _ = w.Write([]byte(a.body))
		})
		err := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRetries = 1 }).DeleteUser(context.Background(), 3)
		if err == nil {
			t.Errorf("%s: no error", a.body)
			continue
		}
		// Compare without case: a parsed content type is lower-cased.
		if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(testToken)) {
			t.Errorf("the error quotes the app token: %s", err)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			all := apiErr.Code + apiErr.Cause + strings.Join(apiErr.Properties, ",")
			if strings.Contains(all, testToken) {
				t.Errorf("APIError fields carry the app token: %+v", apiErr)
			}
		}
	}
}

// TestTokenPrefixNotLeaked checks that cutting a long answer short for an
// error message cannot leave part of the token behind.
func TestTokenPrefixNotLeaked(t *testing.T) {
	t.Parallel()
	prefix := testToken[:len(testToken)/2]
	for _, body := range []string{
		// The token straddles the point where the snippet is cut.
		strings.Repeat("<", snippetBytes-len(prefix)) + testToken + "</html>",
		// The same in a body over the size cap.
		strings.Repeat("<", snippetBytes-len(prefix)) + testToken + strings.Repeat("x", maxResponseBytes),
		// A flexible field that quotes its bad value.
		`{"op":"useradd","result":true,"user":{"uid":"` + testToken + `"}}`,
		`{"op":"useradd","result":true,"user":{"active":"` + testToken + `"}}`,
		`{"op":"useradd","result":"` + testToken + `"}`,
	} {
		srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) {
			_, _ = w.Write([]byte(body))
		})
		_, err := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRetries = 0 }).AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
		if err == nil || strings.Contains(err.Error(), prefix) {
			t.Errorf("error quotes part of the app token: %v", err)
		}
	}
}

// TestUserTokenNotQuoted checks that an answer carrying a user access token
// that cannot be decoded does not put that token into the error message.
func TestUserTokenNotQuoted(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"op":"useradd","result":true,"user":{"uid":true,"token":"` + userToken + `"}}`,
		`{"op":"useradd","result":true,"user":{"token":"` + userToken + `","uid":1,"flag":"x"}}`,
		`{"op":"useradd","result":true,"user":{"uid":1,"token": "` + userToken,
		`{"op":"useradd","result":true,"user":{"token":"` + userToken + `"}}`,
	} {
		srv := jsonServer(t, body)
		_, err := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRetries = 0 }).AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
		if err == nil {
			t.Errorf("%s: no error", body)
		}
		assertNoToken(t, err)
	}
}

func TestGroupMayExistErrorShape(t *testing.T) {
	t.Parallel()
	inner := &TransportError{Op: "groupadd", Reason: "x", MaybeProcessed: true}
	err := error(&GroupMayExistError{Name: "team", Err: inner})
	if !errors.Is(err, ErrGroupMayExist) {
		t.Error("does not match ErrGroupMayExist")
	}
	var te *TransportError
	if !errors.As(err, &te) || te != inner {
		t.Error("does not unwrap to its *TransportError")
	}
	msg := err.Error()
	for _, part := range []string{`"team"`, "may have been created", "import"} {
		if !strings.Contains(msg, part) {
			t.Errorf("message does not say %q: %s", part, msg)
		}
	}
}

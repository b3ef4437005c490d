package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseRequest sends arbitrary methods, content types, query strings and
// bodies: the emulator must never panic and must always answer an API
// envelope, as the real service answers every request on its API path.
func FuzzParseRequest(f *testing.F) {
	f.Add("POST", "application/x-www-form-urlencoded", "", []byte("op=useradd&token="+testToken+"&addr=a&appid=b"))
	f.Add("GET", "", "op=usersget&token="+testToken+"&addr=*&count=5", []byte(nil))
	f.Add("POST", "application/json", "id=1", []byte(`{"op":"useradd","token":"x"}`))
	f.Add("POST", "multipart/form-data; boundary=XX", "", []byte("--XX\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\ngroupadd\r\n--XX--\r\n"))
	f.Add("PATCH", "text/plain", "op=%zz", []byte("\x00\xff"))
	// JSON bodies, as the provider's client and Mesibo's samples send them.
	f.Add("POST", "application/json", "", []byte(`{"op":"useradd","token":"`+testToken+`","user":{"address":"a","name":"A","active":true,"token":{"appid":"b","expiry":60}}}`))
	f.Add("POST", "application/json", "", []byte(`{"op":"groupadd","group":{"name":"g","flags":0,"members":{"m":["a","b"],"permissions":{"send":true,"recv":1,"pub":"0","sub":null,"list":false}}},"token":"`+testToken+`"}`))
	f.Add("POST", "application/json; charset=utf-8", "id=7", []byte(`{"op":"userset","token":"`+testToken+`","user":{"address":"a","token":{"remove":true}},"id":{"x":1}}`))
	f.Add("POST", "", "", []byte(`{"op":"message","token":"`+testToken+`","message":{"from":"a","to":"","gid":0,"flags":null,"message":"\u00e9"}}`))
	f.Add("POST", "application/json", "", []byte(`{"op":"groupgetmembers","token":"`+testToken+`","group":{"gid":1e3},"count":-1}`))
	f.Add("POST", "application/json", "", []byte(`[{"op":"usersget"}]`))
	f.Fuzz(func(t *testing.T, method, contentType, rawQuery string, body []byte) {
		// Every request goes to the form-only path and to the path that
		// takes JSON too.
		for _, path := range []string{"/api.php", "/backend/"} {
			fuzzRequest(t, path, method, contentType, rawQuery, body)
		}
	})
}

// fuzzRequest is one request of FuzzParseRequest, to path.
func fuzzRequest(t *testing.T, path, method, contentType, rawQuery string, body []byte) {
	t.Helper()
	s, err := New(Options{AppToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Method = method
	req.URL.RawQuery = rawQuery
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)

	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d", path, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	var env map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %q", err, rec.Body.Bytes())
	}
	if _, ok := env["op"].(string); !ok {
		t.Fatalf("answer without op: %s", rec.Body.Bytes())
	}
	switch env["result"] {
	case true, "OK":
	case false, "FAIL":
		if code, _ := env["error"].(string); code == "" {
			t.Fatalf("failure without an error code: %s", rec.Body.Bytes())
		}
	default:
		t.Fatalf("answer without a valid result: %s", rec.Body.Bytes())
	}
	// A failure never shows the app token, except where the request put
	// it into a value that is echoed (op, id).
	op, _ := env["op"].(string)
	id, _ := env["id"].(string)
	failed := env["result"] == false || env["result"] == "FAIL"
	if failed && !strings.Contains(op+id, testToken) && strings.Contains(rec.Body.String(), testToken) {
		t.Fatalf("%s: failure answer shows the app token: %s", path, rec.Body.Bytes())
	}
}

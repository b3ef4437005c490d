package mesibo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cannedTransport answers every request with the same status and body,
// without a network, so that fuzzing runs the client's whole call path fast.
type cannedTransport struct {
	status int
	header http.Header
	body   []byte
	calls  atomic.Int32
}

func (ct *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.calls.Add(1)
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode:    ct.status,
		Status:        strconv.Itoa(ct.status),
		Header:        ct.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(ct.body)),
		ContentLength: -1,
		Request:       r,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
	}, nil
}

// FuzzDecodeAnswer sends arbitrary answers through every kind of call. The
// client must never panic; it returns a value or a *TransportError or
// *APIError, and no error quotes the app token.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(200, []byte(`{"op":"useradd","result":true,"user":{"uid":10,"token":"t"}}`))
	f.Add(200, []byte(`{"result":"OK","users":[{"uid":"1","address":"a"}],"members":["a",{"uid":2,"addr":"b"}],"group":{"gid":"5"},"count":"25"}`))
	f.Add(200, []byte(`{"op":"x","result":false,"error":"AUTHFAIL","code":401,"cause":"token `+testToken+`","properties":["token"]}`))
	f.Add(502, []byte(`<html><body>Bad Gateway `+testToken+`</body></html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		status = 100 + (status%500+500)%500 // a status a server could send
		for _, format := range RequestFormats {
			fuzzAnswer(t, format, status, body)
		}
	})
}

// fuzzAnswer is one run of FuzzDecodeAnswer, with a client of format.
func fuzzAnswer(t *testing.T, format RequestFormat, status int, body []byte) {
	ct := &cannedTransport{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
	c, err := New(Config{
		Endpoint:      "https://api.mesibo.invalid/api.php",
		AppToken:      testToken,
		HTTPClient:    &http.Client{Transport: ct},
		MaxRetries:    0,
		RequestFormat: format,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(op string, err error) {
		t.Helper()
		if err == nil {
			if status != 200 {
				t.Errorf("%s: HTTP %d accepted", op, status)
			}
			return
		}
		var te *TransportError
		var apiErr *APIError
		isTE, isAPI := errors.As(err, &te), errors.As(err, &apiErr)
		if isTE == isAPI {
			t.Errorf("%s: error %v (%T) is not exactly one of *TransportError, *APIError", op, err, err)
		}
		if status != 200 && (!isTE || te.StatusCode != status) {
			t.Errorf("%s: HTTP %d gave %v", op, status, err)
		}
		if isAPI && (errors.Is(err, ErrGroupMayExist) || apiErr.Op != op) {
			t.Errorf("%s: API error %#v", op, apiErr)
		}
		msg := err.Error()
		if strings.Contains(msg, testToken) {
			t.Errorf("%s: error quotes the app token: %s", op, msg)
		}
		if isAPI {
			all := apiErr.Code + apiErr.Cause + strings.Join(apiErr.Properties, "")
			if strings.Contains(all, testToken) {
				t.Errorf("%s: API error fields carry the app token", op)
			}
		}
		if len(msg) > 4096 {
			t.Errorf("%s: a %d-byte error message", op, len(msg))
		}
	}

	u, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "b"})
	check("useradd", err)
	if err == nil && (u == nil || u.UID <= 0 || u.Address == "" || u.AppID == "") {
		t.Errorf("useradd succeeded with %+v", u)
	}
	users, err := c.GetUsers(ctx, GetUsersRequest{Count: 5})
	if !errors.Is(err, ErrNotFound) {
		check("usersget", err)
	}
	if err == nil && (users == nil || len(users) > 5) {
		t.Errorf("usersget succeeded with %d users", len(users))
	}
	gid, err := c.AddGroup(ctx, GroupRequest{Name: ptr("g")})
	if errors.Is(err, ErrGroupMayExist) {
		var te *TransportError
		if !errors.As(err, &te) || !te.MaybeProcessed {
			t.Errorf("groupadd: %v says a group may exist without a processed transport failure", err)
		}
	}
	check("groupadd", err)
	if err == nil && gid <= 0 {
		t.Errorf("groupadd succeeded with gid %d", gid)
	}
	gm, err := c.GetGroupMembers(ctx, 7, 0)
	check("groupgetmembers", err)
	if err == nil {
		if gm == nil || gm.GID != 7 || len(gm.Members) > len(body) {
			t.Errorf("groupgetmembers succeeded with %+v", gm)
		}
		for _, m := range gm.Members {
			if m.Address == "" {
				t.Error("groupgetmembers returned a member without an address")
			}
		}
	}
	check("message", c.SendMessage(ctx, MessageRequest{From: "a", GID: 3}))
	check("userdel", c.DeleteUser(ctx, 1))
	if n := ct.calls.Load(); n != 6 {
		t.Errorf("%s: %d requests for 6 calls without retries", format, n)
	}
}

// FuzzFlexTypes feeds arbitrary JSON values to the lenient decoders: they must
// not panic, must agree with what the value says, and must describe a bad
// value without quoting it.
func FuzzFlexTypes(f *testing.F) {
	for _, s := range []string{`10`, `"10"`, `true`, `"OK"`, `null`, `""`, `["a",1]`, `{"a":1}`, `"a,b"`, `1e3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkErr := func(kind string, err error) {
			if err == nil {
				return
			}
			msg := err.Error()
			if len(msg) > 200 {
				t.Errorf("%s: a %d-byte error", kind, len(msg))
			}
			// A string value is described, never quoted.
			var s string
			if json.Unmarshal(data, &s) == nil && len(s) >= 8 && strings.Contains(msg, s) {
				t.Errorf("%s: error quotes the value: %s", kind, msg)
			}
		}

		var fi flexInt
		err := fi.UnmarshalJSON(data)
		checkErr("flexInt", err)
		if err == nil && fi.Set {
			checkIntValue(t, data, fi.Value)
		}
		if err == nil && !fi.Set && fi.Value != 0 {
			t.Errorf("flexInt unset with value %d", fi.Value)
		}

		var fb flexBool
		err = fb.UnmarshalJSON(data)
		checkErr("flexBool", err)
		if err == nil && fb.Set {
			checkBoolValue(t, data, fb.Value)
		}

		var fs flexString
		err = fs.UnmarshalJSON(data)
		checkErr("flexString", err)
		var plain string
		if json.Unmarshal(data, &plain) == nil && (err != nil || string(fs) != plain) {
			t.Errorf("flexString of a JSON string %s: %q, %v", data, fs, err)
		}

		var fss flexStrings
		err = fss.UnmarshalJSON(data)
		checkErr("flexStrings", err)
		var list []string
		if json.Unmarshal(data, &list) == nil && list != nil && (err != nil || len(fss) != len(list)) {
			t.Errorf("flexStrings of a JSON list %s: %q, %v", data, fss, err)
		}
		for _, item := range fss {
			if err == nil && bytes.TrimSpace(data)[0] != '[' && (item == "" || strings.Contains(item, ",")) {
				t.Errorf("flexStrings split %s into %q", data, fss)
			}
		}

		// The same values as fields of a JSON object, the way answers carry them.
		if json.Valid(data) {
			doc := []byte(`{"i":` + string(data) + `,"b":` + string(data) + `,"s":` + string(data) + `,"l":` + string(data) + `}`)
			var v struct {
				I flexInt     `json:"i"`
				B flexBool    `json:"b"`
				S flexString  `json:"s"`
				L flexStrings `json:"l"`
			}
			_ = json.Unmarshal(doc, &v)
			var env envelope
			_ = json.Unmarshal([]byte(`{"result":`+string(data)+`,"error":`+string(data)+`,"code":`+string(data)+`,"properties":`+string(data)+`}`), &env)
			var m memberJSON
			_ = json.Unmarshal(data, &m)
			var u userJSON
			_ = json.Unmarshal(data, &u)
		}
	})
}

// checkIntValue checks that a decoded integer is exactly the number written.
func checkIntValue(t *testing.T, data []byte, got int64) {
	t.Helper()
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal([]byte(s), &s); err != nil {
			t.Fatalf("flexInt accepted %s, not a valid JSON string", data)
		}
		s = strings.TrimSpace(s)
	}
	want, ok := new(big.Float).SetPrec(2048).SetString(s)
	if !ok || strings.ContainsAny(s, "xXpP_") || strings.Contains(strings.ToLower(s), "inf") || strings.Contains(strings.ToLower(s), "nan") {
		t.Errorf("flexInt accepted %s, which is not a decimal number, as %d", data, got)
		return
	}
	if want.Cmp(new(big.Float).SetInt64(got)) != 0 {
		t.Errorf("flexInt decoded %s as %d", data, got)
	}
}

// checkBoolValue checks that a decoded boolean is one of the spellings of its value.
func checkBoolValue(t *testing.T, data []byte, got bool) {
	t.Helper()
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, `"`) {
		_ = json.Unmarshal([]byte(s), &s)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	trueSpellings := map[string]bool{"true": true, "1": true, "ok": true, "yes": true}
	falseSpellings := map[string]bool{"false": true, "0": true, "fail": true, "no": true}
	if (got && !trueSpellings[s]) || (!got && !falseSpellings[s]) {
		t.Errorf("flexBool decoded %s as %v", data, got)
	}
}

// FuzzParseRetryAfter checks that no header can make the client wait a
// negative time or panic.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "5", "-1", "99999999999999999999", "Sun, 01 Mar 2026 12:00:30 GMT", "soon"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c, err := New(Config{AppToken: "x", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := parseRetryAfter(v, now)
		if d < 0 {
			t.Errorf("parseRetryAfter(%q) = %s", v, d)
		}
		if w := c.backoff(1, d); w <= 0 || w > maxRetryAfter {
			t.Errorf("backoff with Retry-After %q = %s", v, w)
		}
	})
}

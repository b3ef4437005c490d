package mesibo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

func TestAddUserDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		answer string
		want   User
	}{
		{
			name:   "uid as number",
			answer: `{"op":"useradd","result":true,"user":{"uid":10,"token":"tk"}}`,
			want:   User{UID: 10, Address: "alice", AppID: "app", Token: "tk"},
		},
		{
			name:   "uid as numeric string, result as string",
			answer: `{"op":"useradd","result":"true","user":{"uid":"10","token":"tk"}}`,
			want:   User{UID: 10, Address: "alice", AppID: "app", Token: "tk"},
		},
		{
			name:   "result 1, server's own spelling of address and app",
			answer: `{"op":"useradd","result":1,"user":{"uid":11,"address":"Alice","appid":"other","token":"tk","active":1,"flag":"3"}}`,
			want:   User{UID: 11, Address: "Alice", AppID: "other", Token: "tk", Active: ptr(true), Flag: ptr(int64(3))},
		},
		{
			name:   "addr spelling, result \"1\", inactive",
			answer: `{"op":"useradd","result":"1","user":{"uid":12,"addr":"al","token":"tk","active":"0","flag":0}}`,
			want:   User{UID: 12, Address: "al", AppID: "app", Token: "tk", Active: ptr(false), Flag: ptr(int64(0))},
		},
		{
			name:   "unknown fields ignored",
			answer: `{"op":"useradd","result":true,"id":"x","extra":{"a":[1,2,{}]},"user":{"uid":13,"token":"tk","expiry":"2030-01-01","groups":null,"nested":{"x":1}}}`,
			want:   User{UID: 13, Address: "alice", AppID: "app", Token: "tk"},
		},
		{
			name:   "user token from the server",
			answer: `{"op":"useradd","result":true,"user":{"uid":14,"token":"` + userToken + `"}}`,
			want:   User{UID: 14, Address: "alice", AppID: "app", Token: userToken},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, tc.answer)
			c := newClient(t, srv.endpoint())
			u, err := c.AddUser(context.Background(), AddUserRequest{Address: "alice", AppID: "app"})
			if err != nil {
				t.Fatalf("AddUser: %v", err)
			}
			if !reflect.DeepEqual(*u, tc.want) {
				t.Errorf("got %s, want %s", fmtUser(*u), fmtUser(tc.want))
			}
		})
	}
}

func fmtUser(u User) string {
	s := fmt.Sprintf("{uid %d addr %q app %q token %q", u.UID, u.Address, u.AppID, u.Token)
	if u.Active != nil {
		s += fmt.Sprintf(" active %v", *u.Active)
	}
	if u.Flag != nil {
		s += fmt.Sprintf(" flag %d", *u.Flag)
	}
	return s + "}"
}

// TestAddUserWithoutUID checks that a success answer without a usable uid is
// not taken for a created user.
func TestAddUserWithoutUID(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"op":"useradd","result":true}`,
		`{"op":"useradd","result":true,"user":null}`,
		`{"op":"useradd","result":true,"user":{"token":"tk"}}`,
		`{"op":"useradd","result":true,"user":{"uid":0,"token":"tk"}}`,
		`{"op":"useradd","result":true,"user":{"uid":"","token":"tk"}}`,
		`{"op":"useradd","result":true,"user":{"uid":-4,"token":"tk"}}`,
	} {
		srv := jsonServer(t, answer)
		c := newClient(t, srv.endpoint())
		u, err := c.AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
		var te *TransportError
		if !errors.As(err, &te) || u != nil {
			t.Errorf("%s: got %v, %v; want a *TransportError", answer, u, err)
		}
	}
}

func TestGetUsersDecoding(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"usersget","result":true,"count":"3","users":[
		{"uid":"1","address":"a","appid":"app1","active":true,"flag":"0"},
		{"uid":2,"addr":"b","active":"0","flag":4,"unknown":[1]},
		{"uid":3,"address":"c"}
	]}`)
	c := newClient(t, srv.endpoint())
	users, err := c.GetUsers(context.Background(), GetUsersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{UID: 1, Address: "a", AppID: "app1", Active: ptr(true), Flag: ptr(int64(0))},
		{UID: 2, Address: "b", Active: ptr(false), Flag: ptr(int64(4))},
		{UID: 3, Address: "c"}, // active and flag missing: nil, not false and 0
	}
	if !reflect.DeepEqual(users, want) {
		for i := range users {
			t.Logf("got[%d] = %s", i, fmtUser(users[i]))
		}
		t.Errorf("users differ from %v", want)
	}
	if users[2].Active != nil || users[2].Flag != nil {
		t.Error("fields the API did not send must be nil")
	}
}

// TestGetUsersCapsAtCount checks that a server returning more than asked does
// not make the client return more than asked.
func TestGetUsersCapsAtCount(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"a"},{"uid":2,"address":"b"},{"uid":3,"address":"c"}]}`)
	c := newClient(t, srv.endpoint())
	users, err := c.GetUsers(context.Background(), GetUsersRequest{Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 {
		t.Errorf("got %d users, want 2", len(users))
	}
}

func TestGetUsersEmpty(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"op":"usersget","result":true,"users":[]}`,
		`{"op":"usersget","result":true}`,
		`{"op":"usersget","result":true,"users":null}`,
		`{"op":"usersget","result":false,"error":"NOUSER"}`,
	} {
		srv := jsonServer(t, answer)
		c := newClient(t, srv.endpoint())
		users, err := c.GetUsers(context.Background(), GetUsersRequest{Address: "nobody"})
		if err != nil {
			t.Errorf("%s: error %v, want an empty list", answer, err)
			continue
		}
		if users == nil || len(users) != 0 {
			t.Errorf("%s: got %#v, want an empty non-nil list", answer, users)
		}
	}
}

func TestGetUsersOtherErrorsPropagate(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"usersget","result":false,"error":"AUTHFAIL","code":401}`)
	c := newClient(t, srv.endpoint())
	users, err := c.GetUsers(context.Background(), GetUsersRequest{})
	if !errors.Is(err, ErrUnauthorized) || users != nil {
		t.Errorf("got %v, %v; want ErrUnauthorized", users, err)
	}
}

func TestFindUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("exact match among several", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"bobby"},{"uid":2,"address":"bob","active":true}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if err != nil || u.UID != 2 || u.Address != "bob" || u.Active == nil || !*u.Active {
			t.Errorf("got %+v, %v; want uid 2", u, err)
		}
	})
	t.Run("exact address absent", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"bobby"},{"uid":3,"address":"bo"}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) || u != nil {
			t.Errorf("got %+v, %v; want ErrNotFound", u, err)
		}
	})
	t.Run("only a prefix match", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"bobby"}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) || u != nil {
			t.Errorf("got %+v, %v; want ErrNotFound", u, err)
		}
	})
	t.Run("empty list", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[]}`)
		_, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
	})
	t.Run("NOUSER", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":false,"error":"NOUSER"}`)
		_, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
	})
	t.Run("another case is another address", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":4,"address":"Bob@Example.com"}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob@example.com")
		var nf *UserNotFoundError
		if !errors.Is(err, ErrNotFound) || u != nil || !errors.As(err, &nf) {
			t.Fatalf("got %+v, %v; want a *UserNotFoundError", u, err)
		}
		if len(nf.LookAlikes) != 1 || nf.LookAlikes[0].UID != 4 {
			t.Errorf("look-alikes %+v, want uid 4", nf.LookAlikes)
		}
		if !strings.Contains(err.Error(), `"Bob@Example.com" (UID 4)`) {
			t.Errorf("error %q does not name the look-alike", err)
		}
	})
	t.Run("transport failure is not not-found", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `<html>`)
		_, err := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRetries = 0 }).FindUser(ctx, "bob")
		var te *TransportError
		if errors.Is(err, ErrNotFound) || !errors.As(err, &te) {
			t.Errorf("got %v; want a *TransportError that is not ErrNotFound", err)
		}
	})
}

// usersAnswer is a usersget answer listing addrs, with uids from 1.
func usersAnswer(addrs ...string) string {
	var b strings.Builder
	b.WriteString(`{"op":"usersget","result":true,"users":[`)
	for i, a := range addrs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"uid":%d,"address":%q}`, i+1, a)
	}
	b.WriteString(`]}`)
	return b.String()
}

// confusers returns n addresses that match pattern-like wildcards but are
// none of the addresses looked up in these tests.
func confusers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("ops-%02d@example.com", i)
	}
	return out
}

// TestFindUserPatternAndFilter checks what FindUser sends and what it makes
// of each kind of answer: the wide pattern first, the address itself only
// after a full answer without it, and ambiguity rather than "not found" when
// neither finds it.
func TestFindUserPatternAndFilter(t *testing.T) {
	t.Parallel()
	const addr = "ops[eu]@example.com"
	const wide = "ops*eu*@example.com"
	full := confusers(MaxListCount)
	cases := []struct {
		name    string
		address string
		answers []string // one per request, in order
		sent    []string // the addr parameter of each request
		wantUID int64    // 0: no user
		wantErr error
		// lookAlikes are the UIDs a not-found error reports as look-alikes.
		lookAlikes []int64
	}{
		{
			name: "exact match among confusers", address: addr,
			answers: []string{usersAnswer("opsXeuY@example.com", addr, "ops-eu-@example.com")},
			sent:    []string{wide}, wantUID: 2,
		},
		{
			name: "exact match in a full answer", address: addr,
			answers: []string{usersAnswer(append(full[:MaxListCount-1:MaxListCount-1], addr)...)},
			sent:    []string{wide}, wantUID: MaxListCount,
		},
		{
			name: "not in an answer that is not full", address: addr,
			answers: []string{usersAnswer(full[:MaxListCount-1]...)},
			sent:    []string{wide}, wantErr: ErrNotFound,
		},
		{
			name: "full answer, found by the address itself", address: addr,
			answers: []string{usersAnswer(full...), usersAnswer(addr)},
			sent:    []string{wide, addr}, wantUID: 1,
		},
		{
			name: "full answer, the address itself finds nothing", address: addr,
			answers: []string{usersAnswer(full...), usersAnswer()},
			sent:    []string{wide, addr}, wantErr: ErrAmbiguousLookup,
		},
		{
			name: "full answer, the address itself is full too", address: addr,
			answers: []string{usersAnswer(full...), usersAnswer(full...)},
			sent:    []string{wide, addr}, wantErr: ErrAmbiguousLookup,
		},
		{
			name: "full answer for an address with nothing to widen", address: "ops@example.com",
			answers: []string{usersAnswer(full...)},
			sent:    []string{"ops@example.com"}, wantErr: ErrAmbiguousLookup,
		},
		{
			name: "another case is not the address", address: addr,
			answers: []string{usersAnswer("opsXeu@example.com", "OPS[EU]@example.com")},
			sent:    []string{wide}, wantErr: ErrNotFound, lookAlikes: []int64{2},
		},
		{
			name: "two other cases", address: addr,
			answers: []string{usersAnswer("Ops[eu]@example.com", "OPS[EU]@example.com")},
			sent:    []string{wide}, wantErr: ErrNotFound, lookAlikes: []int64{1, 2},
		},
		{
			name: "composed address, the decomposed spelling asked for too", address: "zoé@example.com",
			answers: []string{usersAnswer("zoey@example.com"), usersAnswer("zoe\u0301@example.com")},
			sent:    []string{"zoé@example.com", "zoe\u0301@example.com"}, wantErr: ErrNotFound, lookAlikes: []int64{1},
		},
		{
			name: "composed address found before any other spelling is asked for", address: "zoé@example.com",
			answers: []string{usersAnswer("zoe\u0301@example.com", "zoé@example.com")},
			sent:    []string{"zoé@example.com"}, wantUID: 2,
		},
		{
			name: "decomposed address, the composed spelling asked for too", address: "zoe\u0301@example.com",
			answers: []string{usersAnswer(), usersAnswer("ZOÉ@example.com", "zoé@example.com")},
			sent:    []string{"zoe\u0301@example.com", "zoé@example.com"}, wantErr: ErrNotFound, lookAlikes: []int64{1, 2},
		},
		{
			name: "the other spelling's answer is full without it", address: "zoé@example.com",
			answers: []string{usersAnswer(), usersAnswer(full...)},
			sent:    []string{"zoé@example.com", "zoe\u0301@example.com"}, wantErr: ErrAmbiguousLookup,
		},
		{
			name: "case-insensitive match in a full answer", address: addr,
			answers: []string{usersAnswer(append(full[:MaxListCount-1:MaxListCount-1], "OPS[EU]@example.com")...), usersAnswer()},
			sent:    []string{wide, addr}, wantErr: ErrAmbiguousLookup,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, n int) {
				writeJSON(w, tc.answers[min(n, len(tc.answers))-1])
			})
			u, err := newClient(t, srv.endpoint()).FindUser(context.Background(), tc.address)
			var sent []string
			for _, r := range srv.requests() {
				sent = append(sent, r.Form.Get("addr"))
				if r.Form.Get("count") != "20" {
					t.Errorf("count=%q, want 20", r.Form.Get("count"))
				}
			}
			if !reflect.DeepEqual(sent, tc.sent) {
				t.Errorf("patterns sent %q, want %q", sent, tc.sent)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || u != nil {
					t.Fatalf("got %+v, %v; want %v", u, err, tc.wantErr)
				}
				if errors.Is(tc.wantErr, ErrAmbiguousLookup) && errors.Is(err, ErrNotFound) {
					t.Errorf("an ambiguous lookup reads as not found: %v", err)
				}
				var nf *UserNotFoundError
				if errors.As(err, &nf) {
					var got []int64
					for _, u := range nf.LookAlikes {
						got = append(got, u.UID)
					}
					if !reflect.DeepEqual(got, tc.lookAlikes) {
						t.Errorf("look-alikes %v, want %v", got, tc.lookAlikes)
					}
				}
				return
			}
			if err != nil || u.UID != tc.wantUID {
				t.Fatalf("got %+v, %v; want uid %d", u, err, tc.wantUID)
			}
		})
	}
}

// TestAmbiguousLookupMessage checks that the error says what happened.
func TestAmbiguousLookupMessage(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, usersAnswer(confusers(MaxListCount)...))
	_, err := newClient(t, srv.endpoint()).FindUser(context.Background(), "a_b@example.com")
	for _, part := range []string{`"a_b@example.com"`, "ambiguous", "20 users", `"a*b@example.com"`} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("error %v does not say %s", err, part)
		}
	}
}

func TestLookupPattern(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"bob@example.com":        "bob@example.com",
		"first.last@example.com": "first.last@example.com",
		"ops[eu]@example.com":    "ops*eu*@example.com",
		"a_b%c?d@example.com":    "a*b*c*d@example.com",
		`team\lead@example.com`:  "team*lead@example.com",
		"alice+tag@example.com":  "alice*tag@example.com",
		"+14155550100":           "*14155550100",
		"a__%%b":                 "a*b",
		"x(y)|z^$":               "x*y*z*",
		"josé-ü@exämple.com":     "josé-ü@exämple.com",
		"{a}!#~'\"/:;<=>&`":      "*a*",
	} {
		if got := lookupPattern(in); got != want {
			t.Errorf("lookupPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLookupPatternMatchesTheAddress is the property FindUser relies on:
// whatever the server's matcher, the pattern sent for an address matches
// that address. The star, glob and like matchers are the emulator's
// (-usersget-match); a regular expression matcher is written here.
func TestLookupPatternMatchesTheAddress(t *testing.T) {
	t.Parallel()
	var punct []rune
	for r := rune(0x21); r < 0x7f; r++ {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '*' && r != ',' {
			punct = append(punct, r)
		}
	}
	addresses := []string{"bob@example.com", "ops[eu]@example.com", "a_b%c?d@example.com", `te\am@x`, "[!a]", "a[]b", "é[ü]"}
	for _, p := range punct {
		addresses = append(addresses, "a"+string(p)+"b@example.com", string(p)+"x"+string(p), string([]rune{p, p}))
	}
	matchers := map[string]func(pattern string) func(string) bool{
		"star": emulator.MatchStar.Matcher,
		"glob": emulator.MatchGlob.Matcher,
		"like": emulator.MatchLike.Matcher,
		// PHP that turns "*" into ".*" and hands the rest to preg_match
		// unquoted.
		"regexp": func(p string) func(string) bool {
			re, err := regexp.Compile("^(?:" + strings.ReplaceAll(p, "*", ".*") + ")$")
			if err != nil {
				return func(string) bool { return false }
			}
			return re.MatchString
		},
	}
	for _, addr := range addresses {
		pattern := lookupPattern(addr)
		for name, compile := range matchers {
			if !compile(pattern)(addr) {
				t.Errorf("%s matcher: pattern %q for address %q does not match it", name, pattern, addr)
			}
		}
	}
	// The property is not trivial: sent as they are, these addresses are
	// missed by some matcher.
	for addr, matcher := range map[string]string{"ops[eu]@x": "glob", `te\am@x`: "like", "a+b@x": "regexp"} {
		if matchers[matcher](addr)(addr) {
			t.Errorf("%s matcher finds %q sent as it is: the test matchers are too lenient", matcher, addr)
		}
	}
}

func TestReadsSame(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b            string
		same, otherForm bool
	}{
		{"bob@x", "bob@x", false, false},
		{"bob@x", "Bob@X", true, false},
		{"zoé@x", "zoe\u0301@x", true, true},
		{"ZOÉ@x", "zoe\u0301@x", true, false},
		{"zoe@x", "zoé@x", false, false},
		{"bob@x", "bobby@x", false, false},
	} {
		if got := ReadsSame(tc.a, tc.b); got != tc.same {
			t.Errorf("ReadsSame(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
		if got := SameTextOtherForm(tc.a, tc.b); got != tc.otherForm {
			t.Errorf("SameTextOtherForm(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.otherForm)
		}
	}
}

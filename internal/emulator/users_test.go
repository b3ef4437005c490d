package emulator

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"strconv"
	"testing"
)

func TestUserAddCreatesWithDefaults(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	body := api(t, ts, "useradd", "addr", "alice@example.com", "appid", "com.example.chat")
	mustOK(t, body, "useradd")
	u := obj(t, body["user"])
	if uid := num(t, u["uid"]); uid != 101 {
		t.Fatalf("first uid %d, want 101", uid)
	}
	if u["address"] != "alice@example.com" {
		t.Fatalf("address %v", u["address"])
	}
	tok, _ := u["token"].(string)
	if _, err := hex.DecodeString(tok); err != nil || len(tok) < 40 {
		t.Fatalf("token %q is not 40+ hex characters", tok)
	}

	want := StateUser{UID: 101, Address: "alice@example.com", AppID: "com.example.chat", Token: tok,
		Active: true, Flag: 0, Expiry: 525600, Groups: 0}
	if got := s.Snapshot().Users; len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("state %+v, want %+v", got, want)
	}

	_, ts2 := newTestServer(t, Options{})
	if uid, _ := addUser(t, ts2, "x"); uid != 101 {
		t.Fatalf("a new server starts at uid %d, want 101", uid)
	}
	if uid, _ := addUser(t, ts, "bob"); uid != 102 {
		t.Fatalf("second uid %d, want 102", uid)
	}
}

// TestUserAddIsUpsertByAddress: useradd for an existing address keeps the
// uid, issues a new token, and sets the user as a new one would be set: a
// parameter left out takes its documented default (expiry one year, active
// 1, groups 0), not its old value. flag, which useradd is not documented to
// take, is kept.
func TestUserAddIsUpsertByAddress(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	uid, tok1 := addUser(t, ts, "carol", "expiry", "60", "active", "0", "groups", "5", "flag", "3")
	if u := s.Snapshot().Users[0]; u.Expiry != 60 || u.Active || u.Groups != 5 || u.Flag != 3 {
		t.Fatalf("given parameters not set: %+v", u)
	}
	uid2, tok2 := addUser(t, ts, "carol")
	if uid2 != uid {
		t.Fatalf("second useradd gave uid %d, want the same %d", uid2, uid)
	}
	if tok2 == tok1 {
		t.Fatal("second useradd kept the old token; want a new one")
	}
	got := s.Snapshot().Users
	if len(got) != 1 {
		t.Fatalf("%d users after two useradds of one address", len(got))
	}
	want := StateUser{UID: uid, Address: "carol", AppID: "com.example.app", Token: tok2,
		Active: true, Flag: 3, Expiry: 525600, Groups: 0}
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("absent parameters must take their defaults:\n got  %+v\n want %+v", got[0], want)
	}

	_, tok3 := addUser(t, ts, "carol", "expiry", "120", "active", "0", "groups", "7")
	u := s.Snapshot().Users[0]
	if tok3 == tok2 || u.Token != tok3 || u.Expiry != 120 || u.Active || u.Groups != 7 || u.Flag != 3 {
		t.Fatalf("given parameters must overwrite: %+v", u)
	}

	body := api(t, ts, "useradd", "addr", "carol", "appid", "other.app")
	mustOK(t, body, "useradd")
	if u := s.Snapshot().Users[0]; u.AppID != "other.app" || u.Expiry != 525600 || !u.Active || u.Groups != 0 {
		t.Fatalf("after a useradd with only addr and appid: %+v", u)
	}
}

func TestUserAddValidation(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	mustFail(t, api(t, ts, "useradd", "appid", "a"), "useradd", "MISSINGPARA", 400, "addr")
	mustFail(t, api(t, ts, "useradd", "addr", "a"), "useradd", "MISSINGPARA", 400, "appid")
	mustFail(t, api(t, ts, "useradd", "addr", "", "appid", ""), "useradd", "MISSINGPARA", 400, "addr", "appid")
	mustFail(t, api(t, ts, "useradd", "addr", "a", "appid", "a", "active", "yes"), "useradd", "BADPARA", 400, "active")
	if n := len(s.Snapshot().Users); n != 0 {
		t.Fatalf("failed useradds created %d users", n)
	}
}

func TestUserSet(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	uid, tok := addUser(t, ts, "dave", "flag", "4")
	id := strconv.FormatInt(uid, 10)

	body := api(t, ts, "userset", "uid", id, "active", "0")
	mustOK(t, body, "userset")
	if u := s.Snapshot().Users[0]; u.Active || u.Flag != 4 || u.Token != tok {
		t.Fatalf("after active=0: %+v", u)
	}
	mustOK(t, api(t, ts, "userset", "uid", id, "flag", "9"), "userset")
	if u := s.Snapshot().Users[0]; u.Active || u.Flag != 9 {
		t.Fatalf("after flag=9: %+v", u)
	}
	mustOK(t, api(t, ts, "userset", "uid", id, "active", "1"), "userset")
	if u := s.Snapshot().Users[0]; !u.Active {
		t.Fatalf("after active=1: %+v", u)
	}

	mustFail(t, api(t, ts, "userset"), "userset", "MISSINGPARA", 400, "uid")
	mustFail(t, api(t, ts, "userset", "uid", "501"), "userset", "NOUSER", 404, "uid")
	mustFail(t, api(t, ts, "userset", "uid", id, "active", "true"), "userset", "BADPARA", 400, "active")
}

func TestUserDelRemovesFromGroups(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	uid, _ := addUser(t, ts, "erin")
	addUser(t, ts, "frank")
	g1 := addGroup(t, ts)
	g2 := addGroup(t, ts)
	for _, g := range []int64{g1, g2} {
		mustOK(t, api(t, ts, "groupeditmembers", "gid", fmt.Sprint(g), "m", "frank,erin,not-a-user"), "groupeditmembers")
	}

	mustOK(t, api(t, ts, "userdel", "uid", fmt.Sprint(uid)), "userdel")
	st := s.Snapshot()
	if len(st.Users) != 1 || st.Users[0].Address != "frank" {
		t.Fatalf("users after userdel: %+v", st.Users)
	}
	for _, g := range st.Groups {
		if fmt.Sprint(g.Members) != "[frank not-a-user]" {
			t.Fatalf("group %d members %v, want erin removed", g.GID, g.Members)
		}
	}

	mustFail(t, api(t, ts, "userdel", "uid", fmt.Sprint(uid)), "userdel", "NOUSER", 404, "uid")
	mustFail(t, api(t, ts, "userdel"), "userdel", "MISSINGPARA", 400, "uid")

	// The address can come back, as a new user with a new uid.
	uid2, _ := addUser(t, ts, "erin")
	if uid2 == uid {
		t.Fatalf("a deleted uid %d was reused", uid)
	}
}

func TestUsersGet(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for i := range 25 {
		addUser(t, ts, fmt.Sprintf("user%02d@example.com", i))
	}
	addUser(t, ts, "admin@example.org", "flag", "2", "active", "0")

	addresses := func(body map[string]any) []string {
		mustOK(t, body, "usersget")
		var out []string
		for _, u := range list(t, body["users"]) {
			addr, _ := obj(t, u)["address"].(string)
			out = append(out, addr)
		}
		return out
	}

	// Default: every user, at most 20, by uid.
	got := addresses(api(t, ts, "usersget"))
	if len(got) != 20 || got[0] != "user00@example.com" || got[19] != "user19@example.com" {
		t.Fatalf("default usersget: %v", got)
	}
	if got := addresses(api(t, ts, "usersget", "count", "500")); len(got) != 20 {
		t.Fatalf("count=500 answered %d users, want 20", len(got))
	}
	if got := addresses(api(t, ts, "usersget", "count", "3")); fmt.Sprint(got) != "[user00@example.com user01@example.com user02@example.com]" {
		t.Fatalf("count=3: %v", got)
	}
	mustFail(t, api(t, ts, "usersget", "count", "0"), "usersget", "BADPARA", 400, "count")

	// Wildcards.
	if got := addresses(api(t, ts, "usersget", "addr", "user2*")); fmt.Sprint(got) != "[user20@example.com user21@example.com user22@example.com user23@example.com user24@example.com]" {
		t.Fatalf("user2*: %v", got)
	}
	if got := addresses(api(t, ts, "usersget", "addr", "*.org")); fmt.Sprint(got) != "[admin@example.org]" {
		t.Fatalf("*.org: %v", got)
	}
	if got := addresses(api(t, ts, "usersget", "addr", "user1*@*.com", "count", "20")); len(got) != 10 {
		t.Fatalf("user1*@*.com: %v", got)
	}
	// Literal: no partial matches, case matters, other glob characters are plain.
	if got := addresses(api(t, ts, "usersget", "addr", "user01@example.com")); fmt.Sprint(got) != "[user01@example.com]" {
		t.Fatalf("exact: %v", got)
	}
	for _, pattern := range []string{"user01", "USER01@example.com", "user0?@example.com", "user0[1]@example.com"} {
		body := api(t, ts, "usersget", "addr", pattern)
		mustOK(t, body, "usersget")
		if users := list(t, body["users"]); len(users) != 0 {
			t.Fatalf("%q matched %v", pattern, users)
		}
	}

	// Entry shape: numbers for uid, active and flag.
	body := api(t, ts, "usersget", "addr", "admin@example.org")
	u := obj(t, list(t, body["users"])[0])
	if num(t, u["uid"]) != 126 || u["appid"] != "com.example.app" || num(t, u["active"]) != 0 || num(t, u["flag"]) != 2 {
		t.Fatalf("entry %v", u)
	}
	if _, has := u["token"]; has {
		t.Fatal("usersget lists access tokens")
	}
	body = api(t, ts, "usersget", "addr", "user00@example.com")
	if u := obj(t, list(t, body["users"])[0]); num(t, u["active"]) != 1 {
		t.Fatalf("active user listed with active %v", u["active"])
	}
}

func TestWildcardMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "anything", true}, {"", "", true}, {"", "a", false},
		{"a*", "a", true}, {"a*b", "ab", true}, {"a*b", "axxb", true}, {"a*b", "axxbc", false},
		{"*b*", "abc", true}, {"a**c", "abc", true}, {"*a*a*", "banana", true}, {"*x", "banana", false},
		{"a.c", "abc", false}, {"a?c", "abc", false},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, c.s); got != c.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

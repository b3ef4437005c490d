package emulator

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestJSONUsers: the user ops in the JSON format, with the bodies the
// provider's client sends.
func TestJSONUsers(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	body := apiJSON(t, ts, "useradd", `"user":{"address":"ann","name":"Ann","active":false,"groups":4,"token":{"appid":"app","expiry":60}}`)
	mustOK(t, body, "useradd")
	u := obj(t, body["user"])
	uid := num(t, u["uid"])
	tok, _ := u["token"].(string)
	if u["address"] != "ann" || len(tok) != 64 {
		t.Fatalf("useradd answered %v", u)
	}
	want := StateUser{UID: uid, Address: "ann", Name: "Ann", AppID: "app", Token: tok, Active: false, Expiry: 60, Groups: 4}
	if got := user(t, s, "ann"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after useradd\n got  %+v\n want %+v", got, want)
	}

	// Without a token object, useradd renames and issues no token.
	body = apiJSON(t, ts, "useradd", `"user":{"address":"ann","name":"Ann Lee"}`)
	mustOK(t, body, "useradd")
	if u := obj(t, body["user"]); num(t, u["uid"]) != uid || u["token"] != nil {
		t.Fatalf("a useradd without a token object answered %v", u)
	}
	want.Name = "Ann Lee"
	if got := user(t, s, "ann"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a rename\n got  %+v\n want %+v", got, want)
	}

	mustOK(t, apiJSON(t, ts, "userset", fmt.Sprintf(`"user":{"uid":%d,"flags":3,"active":true}`, uid)), "userset")
	mustOK(t, apiJSON(t, ts, "userset", `"user":{"address":"ann","name":""}`), "userset")
	want.Flag, want.Active, want.Name = 3, true, ""
	if got := user(t, s, "ann"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after userset\n got  %+v\n want %+v", got, want)
	}

	// usersget takes the form parameters at /backend/, and a JSON body too.
	a := send(t, ts, http.MethodPost, "/backend/", nil, vals("op", "usersget", "token", testToken, "addr", "a*", "count", "5"))
	mustJSON(t, a)
	users := list(t, a.body["users"])
	if len(users) != 1 || obj(t, users[0])["address"] != "ann" {
		t.Fatalf("usersget answered %v", a.body)
	}
	if got := list(t, apiJSON(t, ts, "usersget", `"addr":"nobody*","count":5`)["users"]); len(got) != 0 {
		t.Fatalf("a JSON usersget for nobody answered %v", got)
	}

	mustOK(t, apiJSON(t, ts, "userdel", fmt.Sprintf(`"user":{"uid":%d}`, uid)), "userdel")
	addUser(t, ts, "bob")
	mustOK(t, apiJSON(t, ts, "userdel", `"user":{"address":"bob"}`), "userdel")
	if n := len(s.Snapshot().Users); n != 0 {
		t.Fatalf("%d users after deleting both", n)
	}
	mustFail(t, apiJSON(t, ts, "userdel", `"user":{"address":"bob"}`), "userdel", "NOUSER", 404, "user.address")
	mustFail(t, apiJSON(t, ts, "userdel", `"user":{"uid":999}`), "userdel", "NOUSER", 404, "user.uid")
}

// TestJSONGroupsAndMessages: the group ops and message in the JSON format.
func TestJSONGroupsAndMessages(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "ann")
	body := apiJSON(t, ts, "groupadd", `"group":{"name":"Team","flags":2,"expiry":3600,"expiryext":60,"active":false}`)
	mustOK(t, body, "groupadd")
	gid := num(t, obj(t, body["group"])["gid"])
	want := StateGroup{GID: gid, Name: "Team", Flag: 2, Expiry: 3600, ExpiryExt: 60, Active: false, Members: []string{}}
	if got := group(t, s, gid); !reflect.DeepEqual(got, want) {
		t.Fatalf("after groupadd\n got  %+v\n want %+v", got, want)
	}
	mustOK(t, apiJSON(t, ts, "groupset", fmt.Sprintf(`"group":{"gid":%d,"name":"Team B","active":true}`, gid)), "groupset")
	want.Name, want.Active = "Team B", true
	if got := group(t, s, gid); !reflect.DeepEqual(got, want) {
		t.Fatalf("after groupset\n got  %+v\n want %+v", got, want)
	}

	edit := func(m string, del int, perms string) map[string]any {
		members := `{"m":"` + m + `"`
		if perms != "" {
			members += `,"permissions":` + perms
		}
		return apiJSON(t, ts, "groupeditmembers", fmt.Sprintf(`"group":{"gid":%d,"delete":%d,"members":%s}}`, gid, del, members))
	}
	mustOK(t, edit("ann,bob", 0, `{"send":false,"recv":true,"pub":false,"sub":true,"list":false}`), "groupeditmembers")
	mustOK(t, edit("cy", 0, ""), "groupeditmembers")
	mustOK(t, edit("bob", 1, ""), "groupeditmembers")
	g := group(t, s, gid)
	if !reflect.DeepEqual(g.Members, []string{"ann", "cy"}) {
		t.Fatalf("members %v", g.Members)
	}
	if p := g.MemberPermissions("ann"); p != (StatePermissions{Receive: true, Subscribe: true}) {
		t.Errorf("ann's permissions %+v", p)
	}

	body = apiJSON(t, ts, "groupgetmembers", fmt.Sprintf(`"group":{"gid":%d},"count":1`, gid))
	mustOK(t, body, "groupgetmembers")
	members := list(t, body["members"])
	if len(members) != 1 || obj(t, members[0])["address"] != "ann" {
		t.Fatalf("groupgetmembers with count 1 answered %v", body)
	}
	wantPerms := map[string]any{"send": false, "recv": true, "pub": false, "sub": true, "list": false}
	if got := obj(t, members[0])["permissions"]; !reflect.DeepEqual(got, wantPerms) {
		t.Errorf("ann's permissions answered as %v, want %v", got, wantPerms)
	}

	mustOK(t, apiJSON(t, ts, "message", fmt.Sprintf(`"message":{"from":"ann","gid":%d,"type":1,"expiry":60,"message":"hi"}`, gid)), "message")
	mustOK(t, apiJSON(t, ts, "message", `"message":{"from":"ann","to":"bob","message":"hello"}`), "message")
	wantMsgs := []StateMessage{
		{From: "ann", GID: gid, Type: 1, Expiry: 60, Message: "hi"},
		{From: "ann", To: "bob", Expiry: defaultMessageExpiry, Message: "hello"},
	}
	if got := s.Snapshot().Messages; !reflect.DeepEqual(got, wantMsgs) {
		t.Fatalf("messages\n got  %+v\n want %+v", got, wantMsgs)
	}
	mustFail(t, apiJSON(t, ts, "message", `"message":{"from":"nobody","to":"bob","message":"x"}`), "message", "NOUSER", 404, "message.from")

	mustOK(t, apiJSON(t, ts, "groupdel", fmt.Sprintf(`"group":{"gid":%d}`, gid)), "groupdel")
	mustFail(t, apiJSON(t, ts, "groupdel", fmt.Sprintf(`"group":{"gid":%d}`, gid)), "groupdel", "NOGROUP", 404, "group.gid")
}

// TestJSONFailuresNameJSONPaths: a JSON request's failures name its
// parameters as the request writes them, and what cannot be read is said.
func TestJSONFailuresNameJSONPaths(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	mustFail(t, apiJSON(t, ts, "useradd", `"user":{"name":"x","token":{}}`), "useradd", "MISSINGPARA", 400, "user.address", "user.token.appid")
	body := apiJSON(t, ts, "useradd", `"user":{"address":"a","token":{"appid":"x","expiry":"soon"}}`)
	mustFail(t, body, "useradd", "BADPARA", 400, "user.token.expiry")
	if cause, _ := body["cause"].(string); !strings.Contains(cause, "user.token.expiry") {
		t.Errorf("cause %q does not name user.token.expiry", cause)
	}
	mustFail(t, apiJSON(t, ts, "useradd", `"user":{"address":{"x":1},"token":"t"}`), "useradd", "BADPARA", 400, "user.address", "user.token")
	mustFail(t, apiJSON(t, ts, "groupeditmembers", `"group":{"gid":1,"members":{"m":"a","permissions":{"send":"yes"}}}`),
		"groupeditmembers", "BADPARA", 400, "group.members.permissions.send")
	mustFail(t, apiJSON(t, ts, "groupgetmembers", `"group":"1"`), "groupgetmembers", "BADPARA", 400, "group")
	mustFail(t, apiJSON(t, ts, "userset", `"user":{}`), "userset", "MISSINGPARA", 400, "user.uid")
	mustFail(t, apiJSON(t, ts, "nosuchop", ""), "nosuchop", "BADOP", 400, "op")

	wrong := postJSON(t, ts, `{"op":"usersget","token":"wrong"}`)
	mustFail(t, wrong, "usersget", "AUTHFAIL", 401, "token")
	for _, bad := range []string{`{"op":"usersget",`, `["usersget"]`, `"usersget"`, `{"op":"usersget"} {}`} {
		mustFail(t, postJSON(t, ts, bad), "", "BADREQUEST", 400)
	}
	if n := len(s.Snapshot().Users); n != 0 {
		t.Fatalf("failed requests created %d users", n)
	}
}

// TestMemberPermissions: permission flags are stored per member; a flag
// given replaces that permission, one not given keeps it (a new member
// has every permission); groupgetmembers answers them unless told not to.
func TestMemberPermissions(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	gid := addGroup(t, ts)
	id := fmt.Sprint(gid)
	perms := func(addr string) StatePermissions { return group(t, s, gid).MemberPermissions(addr) }

	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "a,b", "cs", "0", "cr", "1", "canpub", "0", "cansub", "1", "canlist", "0"), "groupeditmembers")
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "c"), "groupeditmembers")
	if got, want := perms("a"), (StatePermissions{Receive: true, Subscribe: true}); got != want {
		t.Errorf("a: %+v, want %+v", got, want)
	}
	if got := perms("c"); got != allPermissions {
		t.Errorf("a member added without flags: %+v, want every permission", got)
	}
	// A re-add without flags keeps the member's permissions; with some,
	// changes those.
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "a"), "groupeditmembers")
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "b", "cs", "1"), "groupeditmembers")
	if got, want := perms("a"), (StatePermissions{Receive: true, Subscribe: true}); got != want {
		t.Errorf("a after a re-add without flags: %+v, want %+v", got, want)
	}
	if got, want := perms("b"), (StatePermissions{Send: true, Receive: true, Subscribe: true}); got != want {
		t.Errorf("b after a re-add with cs=1: %+v, want %+v", got, want)
	}
	// A member removed and added again starts afresh.
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "b", "delete", "1"), "groupeditmembers")
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "b"), "groupeditmembers")
	if got := perms("b"); got != allPermissions {
		t.Errorf("b added again: %+v, want every permission", got)
	}
	if g := group(t, s, gid); !reflect.DeepEqual(g.Members, []string{"a", "c", "b"}) || len(g.Permissions) != 1 {
		t.Errorf("group %+v: want members a, c, b and one recorded permission set", g)
	}

	answered := func(body map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range list(t, body["members"]) {
			addr, _ := obj(t, m)["address"].(string)
			out[addr] = obj(t, m)["permissions"]
		}
		return out
	}
	all := map[string]any{"send": true, "recv": true, "pub": true, "sub": true, "list": true}
	want := map[string]any{"a": map[string]any{"send": false, "recv": true, "pub": false, "sub": true, "list": false}, "b": all, "c": all}
	for _, op := range []string{"groupgetmembers", "getmembers"} {
		if got := answered(api(t, ts, op, "gid", id)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s answered permissions %v, want %v", op, got, want)
		}
	}

	// A server that does not report them.
	_, quiet := newTestServer(t, Options{OmitMemberPermissions: true})
	qgid := addGroup(t, quiet)
	mustOK(t, api(t, quiet, "groupeditmembers", "gid", fmt.Sprint(qgid), "m", "a", "cs", "0"), "groupeditmembers")
	for _, m := range list(t, api(t, quiet, "groupgetmembers", "gid", fmt.Sprint(qgid))["members"]) {
		if _, has := obj(t, m)["permissions"]; has {
			t.Errorf("OmitMemberPermissions answered %v", m)
		}
	}
}

// TestUserNames: useradd sets a name where given (an empty one clears it)
// and keeps it where not; usersget answers it unless told not to.
func TestUserNames(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "ann", "name", "Ann")
	addUser(t, ts, "ann")
	if got := user(t, s, "ann").Name; got != "Ann" {
		t.Fatalf("a useradd without a name left %q", got)
	}
	rows := list(t, api(t, ts, "usersget", "addr", "ann")["users"])
	if len(rows) != 1 || obj(t, rows[0])["name"] != "Ann" {
		t.Fatalf("usersget answered %v", rows)
	}
	addUser(t, ts, "ann", "name", "")
	if got := user(t, s, "ann").Name; got != "" {
		t.Fatalf("an empty name left %q", got)
	}
	if n, has := obj(t, list(t, api(t, ts, "usersget", "addr", "ann")["users"])[0])["name"]; !has || n != "" {
		t.Fatalf("a user without a name: usersget answered name %v (present %v), want \"\"", n, has)
	}
	// The form userset is documented without a name: it takes none.
	mustOK(t, api(t, ts, "userset", "addr", "ann", "name", "X"), "userset")
	if got := user(t, s, "ann").Name; got != "" {
		t.Fatalf("a form userset set the name %q", got)
	}

	_, quiet := newTestServer(t, Options{OmitUserNames: true})
	addUser(t, quiet, "ann", "name", "Ann")
	if _, has := obj(t, list(t, api(t, quiet, "usersget")["users"])[0])["name"]; has {
		t.Error("OmitUserNames answered a name")
	}
}

// TestTokenPerApp: with the setting, a useradd for another app ID adds a
// token for it, usersget answers a row per app ID, and removing the token
// removes them all; without it, the app ID and token are replaced.
func TestTokenPerApp(t *testing.T) {
	s, ts := newTestServer(t, Options{TokenPerApp: true})
	uid, android := addUser(t, ts, "ann", "appid", "android", "expiry", "10")
	_, web := addUser(t, ts, "ann", "appid", "web", "expiry", "20")
	_, android2 := addUser(t, ts, "ann", "appid", "android", "expiry", "30")
	if android == android2 || web == android2 {
		t.Fatal("tokens repeat")
	}
	want := StateUser{UID: uid, Address: "ann", AppID: "android", Token: android2, Active: true, Expiry: 30,
		OtherApps: []StateApp{{AppID: "web", Token: web, Expiry: 20}}}
	if got := user(t, s, "ann"); !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got  %+v\n want %+v", got, want)
	}
	rows := list(t, api(t, ts, "usersget", "addr", "ann")["users"])
	if len(rows) != 2 || obj(t, rows[0])["appid"] != "android" || obj(t, rows[1])["appid"] != "web" ||
		num(t, obj(t, rows[1])["uid"]) != uid {
		t.Fatalf("usersget answered %v, want a row for android and one for web", rows)
	}
	if got := list(t, api(t, ts, "usersget", "addr", "ann", "count", "1")["users"]); len(got) != 1 {
		t.Errorf("count 1 answered %d rows", len(got))
	}
	mustOK(t, apiJSON(t, ts, "userset", `"user":{"address":"ann","token":{"remove":true}}`), "userset")
	if u := user(t, s, "ann"); u.Token != "" || u.OtherApps[0].Token != "" {
		t.Errorf("tokens left after their removal: %+v", u)
	}

	_, one := newTestServer(t, Options{})
	addUser(t, one, "ann", "appid", "android")
	addUser(t, one, "ann", "appid", "web")
	rows = list(t, api(t, one, "usersget", "addr", "ann")["users"])
	if len(rows) != 1 || obj(t, rows[0])["appid"] != "web" {
		t.Fatalf("without TokenPerApp usersget answered %v, want one row for web", rows)
	}
}

// TestStateFileKeepsNamesPermissionsAndApps: what the new settings store
// survives a restart.
func TestStateFileKeepsNamesPermissionsAndApps(t *testing.T) {
	path := t.TempDir() + "/state.json"
	s, ts := newTestServer(t, Options{StatePath: path, TokenPerApp: true})
	addUser(t, ts, "ann", "name", "Ann", "appid", "a")
	addUser(t, ts, "ann", "appid", "b")
	gid := addGroup(t, ts, "m", "ann,bob", "cs", "0")
	before := s.Snapshot()
	if g := group(t, s, gid); !reflect.DeepEqual(g.Members, []string{"ann", "bob"}) || g.MemberPermissions("bob").Send {
		t.Fatalf("groupadd with members: %+v", g)
	}
	s2, err := New(Options{AppToken: testToken, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if after := s2.Snapshot(); !reflect.DeepEqual(after, before) {
		t.Fatalf("after a restart\n got  %+v\n want %+v", after, before)
	}
}

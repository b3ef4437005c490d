package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// Mesibo's own published clients work against the emulator unchanged:
// these tests replay their requests exactly as they build them, since users
// point code like theirs at it.
//
//   - The form helper of Mesibo's messenger backend
//     (mesibo/messenger-app-backend, mesibohelper.php with mesiboapi.php):
//     a GET of api.php?<parameters in the order the helper sets them, each
//     PHP-urlencoded>&token=<app token>&sig=none.
//   - The JSON helper of Mesibo's samples (mesibo/samples,
//     backend-api/php/mesibohelper.php with mesiboapi.php and $jsonapi on):
//     a POST to /backend/ of the json_encode of the parameters, the app
//     token last, with Content-Type application/json.

// phpURLEncode is PHP's urlencode: letters, digits and "-_." stay, a space
// becomes "+", every other byte %XX in upper case.
func phpURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// messengerHelper calls the emulator the way the messenger backend's
// MesiboAPI does: kv are the helper's parameters in the order it sets them;
// MesiboAPI adds the token after them, and CreateAPIURL "sig=none".
func messengerHelper(t *testing.T, ts *httptest.Server, kv ...string) map[string]any {
	t.Helper()
	uri := ts.URL + "/api.php?"
	kv = append(kv, "token", testToken)
	for i := 0; i+1 < len(kv); i += 2 {
		uri += kv[i] + "=" + phpURLEncode(kv[i+1]) + "&"
	}
	uri += "sig=none"
	req, err := http.NewRequest(http.MethodGet, uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The helper's stream context sends these headers.
	req.Header.Set("Accept-language", "en")
	req.Header.Set("Cookie", "foo=bar")
	a := do(t, ts.Client(), req)
	mustJSON(t, a)
	return a.body
}

// TestMessengerBackendFormHelper replays the messenger backend's helpers:
// MesiboAddUser, MesiboSetGroup (groupadd with the first members, then
// groupset with more), MesiboEditMembers, MesiboGetMembers (the op
// getmembers), MesiboMessage to a user (gid 0) and to a group, and
// MesiboDeleteGroup.
func TestMessengerBackendFormHelper(t *testing.T) {
	s, ts := newTestServer(t, Options{})

	// login: MesiboAddUser($name, $phone, $appid, 0, 365*24*60, 0, $otp, 0)
	for _, u := range [][2]string{{"Ann Lee", "18885550101"}, {"Bo", "18885550102"}} {
		body := messengerHelper(t, ts, "op", "useradd", "name", u[0], "addr", u[1], "appid", "com.mesibo.messenger",
			"session", "0", "expiry", "525600", "flag", "0", "otp", "123456", "restrictions", "0")
		mustOK(t, body, "useradd")
		if tok, _ := obj(t, body["user"])["token"].(string); tok == "" {
			t.Fatalf("useradd answered no token: %v", body)
		}
	}
	if ann := user(t, s, "18885550101"); ann.Name != "Ann Lee" || ann.AppID != "com.mesibo.messenger" || ann.Expiry != 525600 {
		t.Fatalf("the helper's user is %+v", ann)
	}

	// MesiboSetGroup(0, $name, 0, "$phone,$members"): groupadd with its
	// first members, gid 0 included.
	body := messengerHelper(t, ts, "gid", "0", "op", "groupadd", "name", "Hiking & Co", "flag", "0", "m", "18885550101,18885550102")
	mustOK(t, body, "groupadd")
	gid := num(t, obj(t, body["group"])["gid"])
	if g := group(t, s, gid); g.Name != "Hiking & Co" || !reflect.DeepEqual(g.Members, []string{"18885550101", "18885550102"}) {
		t.Fatalf("the helper's group is %+v", g)
	}
	// The same helper on an existing group: groupset, more members.
	id := fmt.Sprint(gid)
	mustOK(t, messengerHelper(t, ts, "gid", id, "op", "groupset", "name", "Hiking", "flag", "0", "m", "18885550102,18885550103"), "groupset")
	// A group created without members.
	mustOK(t, messengerHelper(t, ts, "gid", "0", "op", "groupadd", "name", "Empty", "flag", "0", "m", ""), "groupadd")

	// MesiboEditMembers($gid, $members, $delete)
	mustOK(t, messengerHelper(t, ts, "op", "groupeditmembers", "gid", id, "m", "18885550104", "delete", "0"), "groupeditmembers")
	mustOK(t, messengerHelper(t, ts, "op", "groupeditmembers", "gid", id, "m", "18885550103", "delete", "1"), "groupeditmembers")
	if g := group(t, s, gid); g.Name != "Hiking" || !reflect.DeepEqual(g.Members, []string{"18885550101", "18885550102", "18885550104"}) {
		t.Fatalf("after groupset and groupeditmembers the group is %+v", g)
	}

	// MesiboGetMembers($gid): op getmembers.
	body = messengerHelper(t, ts, "op", "getmembers", "gid", id)
	mustOK(t, body, "getmembers")
	var addrs []string
	for _, m := range list(t, body["members"]) {
		addr, _ := obj(t, m)["address"].(string)
		addrs = append(addrs, addr)
	}
	if !reflect.DeepEqual(addrs, []string{"18885550101", "18885550102", "18885550104"}) {
		t.Fatalf("getmembers answered %v", body)
	}

	// MesiboMessage($from, $to, $gid, $channel, $type, $expiry, $flag, $msg, $forced):
	// to a user with gid 0, and to a group with an empty to.
	mustOK(t, messengerHelper(t, ts, "op", "message", "from", "18885550101", "to", "18885550102", "gid", "0",
		"channel", "0", "type", "0", "expiry", "3600", "flag", "0", "forced", "0", "msg", "Hi Bo, see you at 9?"), "message")
	mustOK(t, messengerHelper(t, ts, "op", "message", "from", "18885550101", "to", "", "gid", id,
		"channel", "0", "type", "0", "expiry", "3600", "flag", "0", "forced", "0", "msg", "Hello all"), "message")
	want := []StateMessage{
		{From: "18885550101", To: "18885550102", Expiry: 3600, Message: "Hi Bo, see you at 9?"},
		{From: "18885550101", GID: gid, Expiry: 3600, Message: "Hello all"},
	}
	if got := s.Snapshot().Messages; !reflect.DeepEqual(got, want) {
		t.Fatalf("messages\n got  %+v\n want %+v", got, want)
	}

	// MesiboDeleteGroup($gid)
	mustOK(t, messengerHelper(t, ts, "op", "groupdel", "gid", id), "groupdel")
	mustFail(t, messengerHelper(t, ts, "op", "getmembers", "gid", id), "getmembers", "NOGROUP", 404, "gid")
}

// samplesHelper posts the JSON the samples' MesiboAPI builds: the helper's
// parameters as PHP's json_encode writes them (body, without its closing
// brace), then the app token.
func samplesHelper(t *testing.T, ts *httptest.Server, body string) map[string]any {
	t.Helper()
	return postJSON(t, ts, body+`,"token":"`+testToken+`"}`)
}

// TestSamplesJSONHelper replays the JSON helper of Mesibo's samples:
// MesiboAddUser (of the helper and of the newer mesiboapi.php),
// MesiboCreateGroup, MesiboSetGroup, MesiboEditMembers, MesiboGetMembers,
// MesiboMessage, MesiboDeleteToken, MesiboDeleteGroup and MesiboDeleteUser.
func TestSamplesJSONHelper(t *testing.T) {
	s, ts := newTestServer(t, Options{})

	// MesiboAddUser($address, $appid, $session, $expiry, $flag)
	body := samplesHelper(t, ts, `{"op":"useradd","user":{"address":"ann@example.com","flags":0,"token":{"appid":"com.example.app","session":0,"expiry":525600}}`)
	mustOK(t, body, "useradd")
	annUID := num(t, obj(t, body["user"])["uid"])
	if tok, _ := obj(t, body["user"])["token"].(string); tok == "" {
		t.Fatalf("useradd answered no token: %v", body)
	}
	// The newer mesiboapi.php's MesiboAddUser($name, $address, $appid, $expiry, $otp);
	// json_encode escapes "/" and non-ASCII letters.
	body = samplesHelper(t, ts, `{"op":"useradd","user":{"name":"Ren\u00e9e \/ Ops","address":"renee","otp":"123456","token":{"appid":"com.example.app","expiry":525600,"v2":true}}`)
	mustOK(t, body, "useradd")
	if u := user(t, s, "renee"); u.Name != "Renée / Ops" || u.Token == "" || u.Expiry != 525600 {
		t.Fatalf("the newer helper's user is %+v", u)
	}

	// MesiboCreateGroup($name, $flags, 0, $duration, $members, 0), $jsonapi on.
	body = samplesHelper(t, ts, `{"op":"groupadd","group":{"name":"Support","flags":0,"duration":3600,"members":{"m":"ann@example.com,renee","permissions":{"send":true,"recv":true,"pub":true,"sub":true,"list":true}}}`)
	mustOK(t, body, "groupadd")
	gid := num(t, obj(t, body["group"])["gid"])
	if g := group(t, s, gid); g.Name != "Support" || !reflect.DeepEqual(g.Members, []string{"ann@example.com", "renee"}) {
		t.Fatalf("the helper's group is %+v", g)
	}
	// With a start time and calls.
	mustOK(t, samplesHelper(t, ts, `{"op":"groupadd","group":{"name":"Call","flags":0,"start":1767225600,"duration":3600,"members":{"m":"renee","permissions":{"send":true,"recv":true,"pub":true,"sub":true,"list":true}},"call":1}`), "groupadd")

	// MesiboSetGroup($groupid, $name, $flags, $members): no permissions
	// ($jsonapi is not global there).
	mustOK(t, samplesHelper(t, ts, fmt.Sprintf(`{"op":"groupset","group":{"gid":%d,"name":"Support desk","flags":0,"members":{"m":"bo"}}`, gid)), "groupset")
	if g := group(t, s, gid); g.Name != "Support desk" || !reflect.DeepEqual(g.Members, []string{"ann@example.com", "renee", "bo"}) {
		t.Fatalf("after groupset the group is %+v", g)
	}

	// MesiboEditMembers($groupid, $members, $delete): the helper sets
	// group.members after copying group into the parameters, so its body
	// has no members, which the API must refuse. With the members it
	// means to send, it edits them.
	mustFail(t, samplesHelper(t, ts, fmt.Sprintf(`{"op":"groupeditmembers","group":{"gid":%d,"delete":0}`, gid)),
		"groupeditmembers", "MISSINGPARA", 400, "group.members.m")
	mustOK(t, samplesHelper(t, ts, fmt.Sprintf(`{"op":"groupeditmembers","group":{"gid":%d,"delete":1,"members":{"m":"bo"}}`, gid)), "groupeditmembers")

	// MesiboGetMembers($groupid)
	body = samplesHelper(t, ts, fmt.Sprintf(`{"op":"groupgetmembers","group":{"gid":%d}`, gid))
	mustOK(t, body, "groupgetmembers")
	if members := list(t, body["members"]); len(members) != 2 || num(t, obj(t, members[0])["uid"]) != annUID {
		t.Fatalf("groupgetmembers answered %v", body)
	}

	// MesiboMessage($from, $to, $groupid, $type, $expiry, $flag, $message):
	// $flags is undefined in the helper, so null.
	mustOK(t, samplesHelper(t, ts, `{"op":"message","message":{"from":"ann@example.com","to":"renee","gid":0,"type":0,"expiry":3600,"flags":null,"message":"Hello Ren\u00e9e"}`), "message")
	mustOK(t, samplesHelper(t, ts, fmt.Sprintf(`{"op":"message","message":{"from":"renee","to":"","gid":%d,"type":1,"expiry":60,"flags":null,"message":"Hi all"}`, gid)), "message")
	want := []StateMessage{
		{From: "ann@example.com", To: "renee", Expiry: 3600, Message: "Hello Renée"},
		{From: "renee", GID: gid, Type: 1, Expiry: 60, Message: "Hi all"},
	}
	if got := s.Snapshot().Messages; !reflect.DeepEqual(got, want) {
		t.Fatalf("messages\n got  %+v\n want %+v", got, want)
	}

	// MesiboDeleteToken($address): the user stays, its token goes.
	mustOK(t, samplesHelper(t, ts, `{"op":"userset","user":{"address":"ann@example.com","token":{"remove":true}}`), "userset")
	if u := user(t, s, "ann@example.com"); u.Token != "" || u.UID != annUID {
		t.Fatalf("after the token's removal the user is %+v", u)
	}

	// MesiboDeleteGroup($groupid) and MesiboDeleteUser($address)
	mustOK(t, samplesHelper(t, ts, fmt.Sprintf(`{"op":"groupdel","group":{"gid":%d}`, gid)), "groupdel")
	mustOK(t, samplesHelper(t, ts, `{"op":"userdel","user":{"address":"ann@example.com"}`), "userdel")
	mustFail(t, samplesHelper(t, ts, `{"op":"userdel","user":{"address":"ann@example.com"}`), "userdel", "NOUSER", 404, "user.address")
	if len(s.Snapshot().Users) != 1 {
		t.Fatalf("users left: %+v", s.Snapshot().Users)
	}
}

package emulator

import (
	"fmt"
	"reflect"
	"testing"
)

func TestMessage(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "sender")
	gid := addGroup(t, ts)

	body := api(t, ts, "message", "from", "sender", "to", "anyone", "msg", "hello", "id", "m1")
	if body["op"] != "message" || body["result"] != "OK" || body["id"] != "m1" {
		t.Fatalf("message to a user: %v", body)
	}
	body = api(t, ts, "message", "from", "sender", "gid", fmt.Sprint(gid), "msg", "hi all", "type", "3", "expiry", "60")
	if body["result"] != "OK" {
		t.Fatalf("message to a group: %v", body)
	}
	want := []StateMessage{
		{From: "sender", To: "anyone", Type: 0, Expiry: 31536000, Message: "hello"},
		{From: "sender", GID: gid, Type: 3, Expiry: 60, Message: "hi all"},
	}
	if got := s.Snapshot().Messages; !reflect.DeepEqual(got, want) {
		t.Fatalf("messages\n got %+v\nwant %+v", got, want)
	}
}

func TestMessageValidation(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "sender")
	gid := addGroup(t, ts)

	mustFail(t, api(t, ts, "message", "from", "sender", "msg", "x"), "message", "MISSINGPARA", 400, "to", "gid")
	mustFail(t, api(t, ts, "message", "to", "x"), "message", "MISSINGPARA", 400, "from", "msg")
	mustFail(t, api(t, ts, "message", "from", "stranger", "to", "x", "msg", "x"), "message", "NOUSER", 404, "from")
	mustFail(t, api(t, ts, "message", "from", "sender", "gid", "9999", "msg", "x"), "message", "NOGROUP", 404, "gid")
	mustFail(t, api(t, ts, "message", "from", "sender", "gid", fmt.Sprint(gid), "msg", "x", "type", "text"), "message", "BADPARA", 400, "type")
	// The message op answers FAIL for the common checks too.
	a := send(t, ts, "POST", "/api.php", nil, vals("op", "message", "token", "nope"))
	mustFail(t, a.body, "message", "AUTHFAIL", 401, "token")

	if n := len(s.Snapshot().Messages); n != 0 {
		t.Fatalf("failed messages were stored: %d", n)
	}
}

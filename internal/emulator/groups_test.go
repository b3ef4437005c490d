package emulator

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestGroupAddAlwaysCreates(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	g1 := addGroup(t, ts, "name", "ops")
	g2 := addGroup(t, ts, "name", "ops")
	if g1 != 501 || g2 != 502 {
		t.Fatalf("gids %d, %d; want 501, 502", g1, g2)
	}
	g3 := addGroup(t, ts, "name", "custom", "flag", "18", "expiry", "3600", "expiryext", "60", "active", "0")
	want := []StateGroup{
		{GID: 501, Name: "ops", Flag: 0, Expiry: 31536000, ExpiryExt: 0, Active: true, Members: []string{}},
		{GID: 502, Name: "ops", Flag: 0, Expiry: 31536000, ExpiryExt: 0, Active: true, Members: []string{}},
		{GID: g3, Name: "custom", Flag: 18, Expiry: 3600, ExpiryExt: 60, Active: false, Members: []string{}},
	}
	if got := s.Snapshot().Groups; !reflect.DeepEqual(got, want) {
		t.Fatalf("groups\n got %+v\nwant %+v", got, want)
	}
	if g := addGroup(t, ts); g != 504 {
		t.Fatalf("groupadd without parameters gave gid %d", g)
	}
}

func TestGroupSet(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	gid := addGroup(t, ts, "name", "before", "flag", "2", "expiry", "100")
	id := fmt.Sprint(gid)

	body := api(t, ts, "groupset", "gid", id, "name", "after", "expiryext", "30", "active", "0")
	mustOK(t, body, "groupset")
	if got := num(t, obj(t, body["group"])["gid"]); got != gid {
		t.Fatalf("groupset answered gid %d, want %d", got, gid)
	}
	want := StateGroup{GID: gid, Name: "after", Flag: 2, Expiry: 100, ExpiryExt: 30, Active: false, Members: []string{}}
	if got := s.Snapshot().Groups[0]; !reflect.DeepEqual(got, want) {
		t.Fatalf("after groupset: %+v, want %+v", got, want)
	}

	// An empty name clears the name; nothing else changes.
	mustOK(t, api(t, ts, "groupset", "gid", id, "name", ""), "groupset")
	want.Name = ""
	if got := s.Snapshot().Groups[0]; !reflect.DeepEqual(got, want) {
		t.Fatalf("after clearing the name: %+v, want %+v", got, want)
	}

	mustFail(t, api(t, ts, "groupset", "name", "x"), "groupset", "MISSINGPARA", 400, "gid")
	mustFail(t, api(t, ts, "groupset", "gid", "101"), "groupset", "NOGROUP", 404, "gid")
	mustFail(t, api(t, ts, "groupset", "gid", id, "active", "-1"), "groupset", "BADPARA", 400, "active")
	if got := len(s.Snapshot().Groups); got != 1 {
		t.Fatalf("groupset created groups: %d", got)
	}
}

func TestGroupDel(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	gid := addGroup(t, ts)
	other := addGroup(t, ts)
	mustOK(t, api(t, ts, "groupdel", "gid", fmt.Sprint(gid)), "groupdel")
	if g := s.Snapshot().Groups; len(g) != 1 || g[0].GID != other {
		t.Fatalf("groups after groupdel: %+v", g)
	}
	mustFail(t, api(t, ts, "groupdel", "gid", fmt.Sprint(gid)), "groupdel", "NOGROUP", 404, "gid")
	mustFail(t, api(t, ts, "groupgetmembers", "gid", fmt.Sprint(gid)), "groupgetmembers", "NOGROUP", 404, "gid")
	mustFail(t, api(t, ts, "groupdel"), "groupdel", "MISSINGPARA", 400, "gid")
}

func TestGroupEditMembers(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	gid := addGroup(t, ts)
	id := fmt.Sprint(gid)
	members := func() []string { return s.Snapshot().Groups[0].Members }

	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", " a , b,,c ,"), "groupeditmembers")
	if got := members(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("after add: %v", got)
	}
	// Adding again is idempotent and keeps the order of first addition.
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "c,d,a,d", "delete", "0"), "groupeditmembers")
	if got := members(); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("after re-add: %v", got)
	}
	// Removing, including an address that is not a member.
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "b, nobody", "delete", "1"), "groupeditmembers")
	if got := members(); !reflect.DeepEqual(got, []string{"a", "c", "d"}) {
		t.Fatalf("after delete: %v", got)
	}
	// Permission flags are stored with the member (see
	// TestMemberPermissions) and change nothing else.
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", "e", "cs", "1", "cr", "0", "canpub", "1", "cansub", "1", "canlist", "0"), "groupeditmembers")
	if got := members(); !reflect.DeepEqual(got, []string{"a", "c", "d", "e"}) {
		t.Fatalf("after add with flags: %v", got)
	}
	mustFail(t, api(t, ts, "groupeditmembers", "gid", id, "m", "f", "canlist", "x"), "groupeditmembers", "BADPARA", 400, "canlist")

	mustFail(t, api(t, ts, "groupeditmembers", "gid", id, "m", " , ,"), "groupeditmembers", "MISSINGPARA", 400, "m")
	mustFail(t, api(t, ts, "groupeditmembers"), "groupeditmembers", "MISSINGPARA", 400, "gid", "m")
	mustFail(t, api(t, ts, "groupeditmembers", "gid", id, "m", "z", "delete", "2"), "groupeditmembers", "BADPARA", 400, "delete")
	mustFail(t, api(t, ts, "groupeditmembers", "gid", "101", "m", "z"), "groupeditmembers", "NOGROUP", 404, "gid")
	if got := members(); !reflect.DeepEqual(got, []string{"a", "c", "d", "e"}) {
		t.Fatalf("failed edits changed members: %v", got)
	}
}

func TestGroupGetMembers(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	uid, _ := addUser(t, ts, "member-user")
	gid := addGroup(t, ts)
	id := fmt.Sprint(gid)

	body := api(t, ts, "groupgetmembers", "gid", id)
	mustOK(t, body, "groupgetmembers")
	if num(t, body["gid"]) != gid || num(t, body["count"]) != 0 || len(list(t, body["members"])) != 0 {
		t.Fatalf("empty group: %v", body)
	}

	addrs := []string{"outsider", "member-user"}
	for i := range 23 {
		addrs = append(addrs, fmt.Sprintf("m%02d", i))
	}
	mustOK(t, api(t, ts, "groupeditmembers", "gid", id, "m", strings.Join(addrs, ",")), "groupeditmembers")

	body = api(t, ts, "groupgetmembers", "gid", id)
	mustOK(t, body, "groupgetmembers")
	got := list(t, body["members"])
	if len(got) != 20 || num(t, body["count"]) != 20 {
		t.Fatalf("25 members listed as %d (count %v), want 20", len(got), body["count"])
	}
	for i, m := range got {
		if obj(t, m)["address"] != addrs[i] {
			t.Fatalf("member %d is %v, want %s (order of addition)", i, m, addrs[i])
		}
	}
	if m := obj(t, got[0]); num(t, m["uid"]) != 0 {
		t.Fatalf("non-user member has uid %v, want 0", m["uid"])
	}
	if m := obj(t, got[1]); num(t, m["uid"]) != uid {
		t.Fatalf("user member has uid %v, want %d", m["uid"], uid)
	}

	body = api(t, ts, "groupgetmembers", "gid", id, "count", "100")
	if n := len(list(t, body["members"])); n != 20 {
		t.Fatalf("count=100 listed %d members, want 20", n)
	}
	body = api(t, ts, "groupgetmembers", "gid", id, "count", "2")
	if n := len(list(t, body["members"])); n != 2 || num(t, body["count"]) != 2 {
		t.Fatalf("count=2: %v", body)
	}
	mustFail(t, api(t, ts, "groupgetmembers", "gid", id, "count", "0"), "groupgetmembers", "BADPARA", 400, "count")
	mustFail(t, api(t, ts, "groupgetmembers"), "groupgetmembers", "MISSINGPARA", 400, "gid")
}

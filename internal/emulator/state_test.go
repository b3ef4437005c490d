package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStateFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, ts1 := newTestServer(t, Options{StatePath: path})
	uid, _ := addUser(t, ts1, "persisted", "flag", "7")
	gone, _ := addUser(t, ts1, "deleted")
	gid := addGroup(t, ts1, "name", "kept", "expiryext", "5")
	goneGID := addGroup(t, ts1)
	mustOK(t, api(t, ts1, "groupeditmembers", "gid", fmt.Sprint(gid), "m", "persisted,outsider"), "groupeditmembers")
	mustOK(t, api(t, ts1, "userdel", "uid", fmt.Sprint(gone)), "userdel")
	mustOK(t, api(t, ts1, "groupdel", "gid", fmt.Sprint(goneGID)), "groupdel")
	if got := api(t, ts1, "message", "from", "persisted", "gid", fmt.Sprint(gid), "msg", "hi"); got["result"] != "OK" {
		t.Fatal(got)
	}
	want := s1.Snapshot()
	ts1.Close()

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("state file mode %v, want 0600 (it holds tokens)", perm)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left next to the state file: %v", entries)
	}

	s2, ts2 := newTestServer(t, Options{StatePath: path})
	if got := s2.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("reloaded state\n got %+v\nwant %+v", got, want)
	}
	// The user is found again, with its uid, and deleted ids stay unused.
	body := api(t, ts2, "usersget", "addr", "persisted")
	if u := obj(t, list(t, body["users"])[0]); num(t, u["uid"]) != uid || num(t, u["flag"]) != 7 {
		t.Fatalf("reloaded user %v", u)
	}
	if next, _ := addUser(t, ts2, "new"); next != gone+1 {
		t.Fatalf("uid after restart %d, want %d (deleted uids are not reused)", next, gone+1)
	}
	if next := addGroup(t, ts2); next != goneGID+1 {
		t.Fatalf("gid after restart %d, want %d", next, goneGID+1)
	}
}

// Every change is saved at once: a crash loses nothing answered.
func TestStateFileIsSavedAfterEveryChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	_, ts := newTestServer(t, Options{StatePath: path})
	addUser(t, ts, "first")
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"first"`) {
		t.Fatalf("state file after one useradd: %s %v", b, err)
	}
	// A read does not need a save, but must not break the file either.
	api(t, ts, "usersget")
	if _, err := New(Options{AppToken: "x", StatePath: path}); err != nil {
		t.Fatalf("state file cannot be loaded: %v", err)
	}
}

func TestStateFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	for name, content := range map[string]string{
		"not json":          "{",
		"wrong version":     `{"version":9,"users":[]}`,
		"duplicate uid":     `{"version":1,"users":[{"uid":101,"address":"a"},{"uid":101,"address":"b"}]}`,
		"duplicate address": `{"version":1,"users":[{"uid":101,"address":"a"},{"uid":102,"address":"a"}]}`,
		"duplicate gid":     `{"version":1,"groups":[{"gid":501},{"gid":501}]}`,
	} {
		if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{AppToken: "x", StatePath: bad}); err == nil {
			t.Errorf("%s: New accepted a broken state file", name)
		}
	}
	// A directory that does not exist is reported by New, not at the first change.
	if _, err := New(Options{AppToken: "x", StatePath: filepath.Join(dir, "missing", "s.json")}); err == nil {
		t.Error("New accepted an unwritable state path")
	}
}

func TestNewValidatesOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"no token":         {},
		"negative latency": {AppToken: "x", Latency: -1},
		"rate above 1":     {AppToken: "x", FaultRate: 1.5},
		"negative rate":    {AppToken: "x", FaultRate: -0.1},
		"unknown fault":    {AppToken: "x", FaultRate: 1, Faults: []Fault{"teapot"}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

// Snapshot is a copy: changing it must not change the server.
func TestSnapshotIsDeepCopy(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	addUser(t, ts, "u")
	gid := addGroup(t, ts)
	api(t, ts, "groupeditmembers", "gid", fmt.Sprint(gid), "m", "u")
	snap := s.Snapshot()
	snap.Users[0].Address = "changed"
	snap.Groups[0].Members[0] = "changed"
	if again := s.Snapshot(); again.Users[0].Address != "u" || again.Groups[0].Members[0] != "u" {
		t.Fatalf("Snapshot shares memory with the server: %+v", again)
	}
}

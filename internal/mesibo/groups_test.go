package mesibo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestAddGroupDecoding(t *testing.T) {
	t.Parallel()
	for answer, want := range map[string]int64{
		`{"op":"groupadd","result":true,"group":{"gid":77}}`:                         77,
		`{"op":"groupadd","result":"true","group":{"gid":"78"}}`:                     78,
		`{"op":"groupadd","result":1,"group":{"gid":79.0,"name":"x","extra":[1]}}`:   79,
		`{"op":"groupadd","result":"OK","group":{"gid":" 80 "},"unknown":{"a":"b"}}`: 80,
		`{"op":"groupadd","result":"1","group":{"gid":9007199254740993}}`:            9007199254740993,
	} {
		srv := jsonServer(t, answer)
		gid, err := newClient(t, srv.endpoint()).AddGroup(context.Background(), GroupRequest{Name: ptr("g")})
		if err != nil || gid != want {
			t.Errorf("%s: got %d, %v; want %d", answer, gid, err, want)
		}
	}
}

// TestAddGroupWithoutGID checks that a success answer without a gid is
// reported as a group that may exist: the server said it worked, so a group
// was probably created, but its gid is unknown.
func TestAddGroupWithoutGID(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"op":"groupadd","result":true}`,
		`{"op":"groupadd","result":true,"group":{}}`,
		`{"op":"groupadd","result":true,"group":{"gid":0}}`,
		`{"op":"groupadd","result":true,"group":null}`,
	} {
		srv := jsonServer(t, answer)
		gid, err := newClient(t, srv.endpoint()).AddGroup(context.Background(), GroupRequest{Name: ptr("team")})
		var gme *GroupMayExistError
		if gid != 0 || !errors.Is(err, ErrGroupMayExist) || !errors.As(err, &gme) || gme.Name != "team" {
			t.Errorf("%s: got %d, %v; want ErrGroupMayExist", answer, gid, err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("%s: %d requests, want 1", answer, n)
		}
	}
}

func TestSetAndDeleteGroupSucceed(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"op":"groupset","result":true,"group":{"gid":9}}`,
		`{"op":"groupset","result":true}`,
		`{"result":"1"}`,
	} {
		srv := jsonServer(t, answer)
		c := newClient(t, srv.endpoint())
		if err := c.SetGroup(context.Background(), 9, GroupRequest{Name: ptr("n")}); err != nil {
			t.Errorf("SetGroup with %s: %v", answer, err)
		}
		if err := c.DeleteGroup(context.Background(), 9); err != nil {
			t.Errorf("DeleteGroup with %s: %v", answer, err)
		}
	}
}

// editServer records the m and delete parameters of each groupeditmembers call.
func editServer(t *testing.T) *fakeServer {
	return newServer(t, func(w http.ResponseWriter, _ *http.Request, form url.Values, _ int) {
		if form.Get("op") != "groupeditmembers" {
			t.Errorf("unexpected op %q", form.Get("op"))
		}
		writeJSON(w, `{"op":"groupeditmembers","result":true}`)
	})
}

func addresses(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

// sentMembers returns the member lists of the calls the server received.
func sentMembers(t *testing.T, srv *fakeServer, wantDelete string) [][]string {
	t.Helper()
	var out [][]string
	for _, r := range srv.requests() {
		if r.Form.Get("delete") != wantDelete {
			t.Errorf("delete=%q, want %q", r.Form.Get("delete"), wantDelete)
		}
		if r.Form.Get("gid") != "5" {
			t.Errorf("gid=%q, want 5", r.Form.Get("gid"))
		}
		out = append(out, strings.Split(r.Form.Get("m"), ","))
	}
	return out
}

func TestEditMembersChunksByCount(t *testing.T) {
	t.Parallel()
	srv := editServer(t)
	c := newClient(t, srv.endpoint(), func(c *Config) { c.MaxMembersPerEdit = 3 })
	addrs := addresses(7, "user%d")
	if err := c.AddGroupMembers(context.Background(), 5, addrs); err != nil {
		t.Fatal(err)
	}
	got := sentMembers(t, srv, "0")
	want := [][]string{addrs[0:3], addrs[3:6], addrs[6:7]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunks %v, want %v", got, want)
	}
}

// TestEditMembersDefaultChunkSize pins the API's limit: at most 100
// addresses in one groupeditmembers call. The literal is the point: a test
// that read the constant would follow it wherever it went.
func TestEditMembersDefaultChunkSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n     int
		sizes []int
	}{
		{100, []int{100}},
		{101, []int{100, 1}},
		{201, []int{100, 100, 1}},
	} {
		srv := editServer(t)
		c := newClient(t, srv.endpoint())
		addrs := addresses(tc.n, "u%d")
		if err := c.RemoveGroupMembers(context.Background(), 5, addrs); err != nil {
			t.Fatal(err)
		}
		got := sentMembers(t, srv, "1")
		if sizes := chunkSizes(got); !reflect.DeepEqual(sizes, tc.sizes) {
			t.Errorf("%d addresses sent in calls of %v, want %v", tc.n, sizes, tc.sizes)
		}
		if flat := flatten(got); !reflect.DeepEqual(flat, addrs) {
			t.Error("the addresses sent differ from those asked for")
		}
	}
}

// TestEditMembersChunksByBytes pins the other limit: the comma-separated
// list in one call is at most 4000 bytes, and a list of exactly 4000 bytes
// goes in one call.
func TestEditMembersChunksByBytes(t *testing.T) {
	t.Parallel()
	long := func(n int, c string) string { return strings.Repeat(c, n) }
	for _, tc := range []struct {
		name  string
		addrs []string
		calls [][]int // the address lengths in each call
	}{
		// 1999 + "," + 2000 = 4000 bytes: one call.
		{"exactly 4000 bytes", []string{long(1999, "a"), long(2000, "b")}, [][]int{{1999, 2000}}},
		// 2000 + "," + 2000 = 4001 bytes: two calls.
		{"4001 bytes", []string{long(2000, "a"), long(2000, "b")}, [][]int{{2000}, {2000}}},
		// 30 addresses of 500 bytes: 7 fit in 3506 bytes, 8 would take 4007.
		{"many of 500 bytes", addresses(30, long(496, "x")+"%04d"), [][]int{
			{500, 500, 500, 500, 500, 500, 500}, {500, 500, 500, 500, 500, 500, 500},
			{500, 500, 500, 500, 500, 500, 500}, {500, 500, 500, 500, 500, 500, 500}, {500, 500},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := editServer(t)
			c := newClient(t, srv.endpoint())
			if err := c.AddGroupMembers(context.Background(), 5, tc.addrs); err != nil {
				t.Fatal(err)
			}
			got := sentMembers(t, srv, "0")
			var lengths [][]int
			for _, call := range got {
				var ls []int
				for _, a := range call {
					ls = append(ls, len(a))
				}
				lengths = append(lengths, ls)
			}
			if !reflect.DeepEqual(lengths, tc.calls) {
				t.Errorf("address lengths per call %v, want %v", lengths, tc.calls)
			}
			if flat := flatten(got); !reflect.DeepEqual(flat, tc.addrs) {
				t.Error("the addresses sent differ from those asked for")
			}
		})
	}
}

func TestChunkAddresses(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("L", 50)
	cases := []struct {
		in         []string
		maxN, maxB int
		want       [][]string
	}{
		{nil, 3, 100, nil},
		{[]string{"a"}, 3, 100, [][]string{{"a"}}},
		{[]string{"a", "b", "c"}, 3, 100, [][]string{{"a", "b", "c"}}},
		{[]string{"a", "b", "c", "d"}, 3, 100, [][]string{{"a", "b", "c"}, {"d"}}},
		// "aa,bb" is 5 bytes: fits; "aa,bb,cc" is 8: does not.
		{[]string{"aa", "bb", "cc"}, 10, 5, [][]string{{"aa", "bb"}, {"cc"}}},
		{[]string{"aa", "bb", "cc"}, 10, 8, [][]string{{"aa", "bb", "cc"}}},
		{[]string{"aa", "bb", "cc"}, 10, 7, [][]string{{"aa", "bb"}, {"cc"}}},
		// An address longer than the byte limit stands alone.
		{[]string{"a", long, "b"}, 10, 10, [][]string{{"a"}, {long}, {"b"}}},
		{[]string{long, long}, 10, 10, [][]string{{long}, {long}}},
		{[]string{"a", "b", "c"}, 1, 100, [][]string{{"a"}, {"b"}, {"c"}}},
	}
	for _, tc := range cases {
		// Plain addresses take as many bytes in either format.
		for _, enc := range []encoder{formEncoder{}, jsonEncoder{}} {
			got := chunkAddresses(tc.in, tc.maxN, tc.maxB, enc.memberBytes)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%T: chunkAddresses(%q, %d, %d) = %q, want %q", enc, tc.in, tc.maxN, tc.maxB, got, tc.want)
			}
		}
	}
	// In JSON, a quote or a backslash takes two bytes: `a"b` is 4 bytes
	// there and 3 in a form.
	quoted := []string{`a"b`, `c\d`}
	if got := chunkAddresses(quoted, 10, 7, formEncoder{}.memberBytes); len(got) != 1 {
		t.Errorf("form: %q in chunks %q, want one (3+1+3 bytes)", quoted, got)
	}
	if got := chunkAddresses(quoted, 10, 7, jsonEncoder{}.memberBytes); len(got) != 2 {
		t.Errorf("json: %q in chunks %q, want two (4+1+4 bytes)", quoted, got)
	}
}

func chunkSizes(chunks [][]string) []int {
	var out []int
	for _, c := range chunks {
		out = append(out, len(c))
	}
	return out
}

func flatten(chunks [][]string) []string {
	var out []string
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

// TestEditMembersRefusesBadAddressesFirst checks that one bad address, even
// at the end of a list that needs several calls, stops the whole edit before
// anything is sent.
func TestEditMembersRefusesBadAddressesFirst(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"a,b", "x*", "has space", "tab\there", "", "nl\n", "\u00a0nbsp"} {
		srv := editServer(t)
		c := newClient(t, srv.endpoint(), func(c *Config) { c.MaxMembersPerEdit = 2 })
		addrs := append(addresses(5, "ok%d"), bad)
		for _, edit := range []func(context.Context, int64, []string) error{c.AddGroupMembers, c.RemoveGroupMembers} {
			err := edit(context.Background(), 5, addrs)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("address %q: error %v, want ErrInvalidRequest", bad, err)
			}
		}
		if n := srv.count(); n != 0 {
			t.Errorf("address %q: %d requests sent, want 0", bad, n)
		}
	}
}

func TestEditMembersEmptyListSendsNothing(t *testing.T) {
	t.Parallel()
	srv := editServer(t)
	c := newClient(t, srv.endpoint())
	if err := c.AddGroupMembers(context.Background(), 5, nil); err != nil {
		t.Error(err)
	}
	if err := c.RemoveGroupMembers(context.Background(), 5, []string{}); err != nil {
		t.Error(err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent for no members, want 0", n)
	}
}

// TestEditMembersStopsAtFirstFailure checks that a failing chunk stops the
// edit and its error reaches the caller.
func TestEditMembersStopsAtFirstFailure(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values, n int) {
		if n == 2 {
			writeJSON(w, `{"op":"groupeditmembers","result":false,"error":"NOGROUP"}`)
			return
		}
		writeJSON(w, `{"op":"groupeditmembers","result":true}`)
	})
	c := newClient(t, srv.endpoint(), func(c *Config) { c.MaxMembersPerEdit = 2 })
	err := c.AddGroupMembers(context.Background(), 5, addresses(6, "u%d"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d requests, want 2 (stop after the failing one)", n)
	}
}

func TestGetGroupMembersDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		answer    string
		count     int
		want      []Member
		truncated bool
	}{
		{
			name:   "objects",
			answer: `{"op":"groupgetmembers","result":true,"gid":5,"count":2,"members":[{"uid":1,"address":"a"},{"uid":"2","address":"b","cs":1}]}`,
			want:   []Member{{UID: 1, Address: "a"}, {UID: 2, Address: "b"}},
		},
		{
			name:   "bare strings",
			answer: `{"result":true,"members":["a","b","c"]}`,
			want:   []Member{{UID: 0, Address: "a"}, {UID: 0, Address: "b"}, {UID: 0, Address: "c"}},
		},
		{
			name:   "addr spelling and a mix",
			answer: `{"result":"1","members":[{"uid":3,"addr":"x"},"y",{"address":"z"}]}`,
			want:   []Member{{UID: 3, Address: "x"}, {UID: 0, Address: "y"}, {UID: 0, Address: "z"}},
		},
		{
			name:   "members without an address are skipped",
			answer: `{"result":true,"members":[{"uid":3},{"uid":4,"address":"d"},""]}`,
			want:   []Member{{UID: 4, Address: "d"}},
		},
		{
			name:   "no members field",
			answer: `{"result":true}`,
			want:   []Member{},
		},
		{
			name:      "exactly 20 returned: may be truncated",
			answer:    membersAnswer(20, ""),
			want:      memberList(20),
			truncated: true,
		},
		{
			name:   "19 returned: complete",
			answer: membersAnswer(19, ""),
			want:   memberList(19),
		},
		{
			name:      "count says there are more",
			answer:    membersAnswer(3, `"count":25,`),
			want:      memberList(3),
			truncated: true,
		},
		{
			name:      "count as string says there are more",
			answer:    membersAnswer(3, `"count":"4",`),
			want:      memberList(3),
			truncated: true,
		},
		{
			name:   "count equal to the members returned",
			answer: membersAnswer(3, `"count":"3",`),
			want:   memberList(3),
		},
		{
			name:      "asked for 3, got 3",
			answer:    membersAnswer(3, ""),
			count:     3,
			want:      memberList(3),
			truncated: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, tc.answer)
			gm, err := newClient(t, srv.endpoint()).GetGroupMembers(context.Background(), 5, tc.count)
			if err != nil {
				t.Fatal(err)
			}
			if gm.GID != 5 {
				t.Errorf("GID %d, want 5", gm.GID)
			}
			if !reflect.DeepEqual(gm.Members, tc.want) {
				t.Errorf("members %v, want %v", gm.Members, tc.want)
			}
			if gm.MayBeTruncated != tc.truncated {
				t.Errorf("MayBeTruncated %v, want %v", gm.MayBeTruncated, tc.truncated)
			}
		})
	}
}

func memberList(n int) []Member {
	out := make([]Member, n)
	for i := range out {
		out[i] = Member{UID: int64(i + 1), Address: fmt.Sprintf("m%d", i+1)}
	}
	return out
}

func membersAnswer(n int, extra string) string {
	var parts []string
	for _, m := range memberList(n) {
		parts = append(parts, fmt.Sprintf(`{"uid":%d,"address":%q}`, m.UID, m.Address))
	}
	return `{"op":"groupgetmembers","result":true,` + extra + `"members":[` + strings.Join(parts, ",") + `]}`
}

func TestGetGroupMembersNotFound(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"groupgetmembers","result":false,"error":"NOGROUP","code":404,"cause":"no such group"}`)
	gm, err := newClient(t, srv.endpoint()).GetGroupMembers(context.Background(), 5, 0)
	if !errors.Is(err, ErrNotFound) || gm != nil {
		t.Errorf("got %v, %v; want ErrNotFound", gm, err)
	}
}

func TestSendMessageResults(t *testing.T) {
	t.Parallel()
	for answer, wantErr := range map[string]bool{
		`{"op":"message","result":"OK"}`:                    false,
		`{"op":"message","result":"ok"}`:                    false,
		`{"op":"message","result":true}`:                    false,
		`{"op":"message","result":1}`:                       false,
		`{"op":"message","result":"FAIL"}`:                  true,
		`{"op":"message","result":false}`:                   true,
		`{"op":"message","result":"0"}`:                     true,
		`{"op":"message","result":"FAIL","error":"NOUSER"}`: true,
	} {
		srv := jsonServer(t, answer)
		err := newClient(t, srv.endpoint()).SendMessage(context.Background(), MessageRequest{From: "a", To: "b", Message: "m"})
		if (err != nil) != wantErr {
			t.Errorf("%s: error %v, want error: %v", answer, err, wantErr)
		}
		var apiErr *APIError
		if wantErr && (!errors.As(err, &apiErr) || apiErr.Op != "message") {
			t.Errorf("%s: error %v is not an *APIError of op message", answer, err)
		}
	}
}

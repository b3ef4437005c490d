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

// The rules the client keeps in the form format hold in the JSON format:
// these tests run the client against /backend/, where it writes JSON.

// TestJSONGroupAddAndMessageNotRepeated: groupadd and message are sent once
// in JSON when the answer is lost after the request may have been
// processed, and say so; they are repeated after a 429 or 503, which
// refuse the request before processing it.
func TestJSONGroupAddAndMessageNotRepeated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, kind := range []string{fault500, faultReset, faultTruncated, faultTimeout} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, groupAdded, kind)
			c := newClient(t, srv.backend(), fast, timeoutFor(kind))
			if _, err := c.AddGroup(ctx, GroupRequest{Name: ptr("team")}); !errors.Is(err, ErrGroupMayExist) {
				t.Errorf("groupadd: %v, want ErrGroupMayExist", err)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("groupadd: %d requests, want exactly 1", n)
			}

			msrv := faultyServer(t, `{"op":"message","result":"OK"}`, kind)
			mc := newClient(t, msrv.backend(), fast, timeoutFor(kind))
			if err := mc.SendMessage(ctx, MessageRequest{From: "a", To: "b", Message: "m"}); !errors.Is(err, ErrMessageMayBeDelivered) {
				t.Errorf("message: %v, want ErrMessageMayBeDelivered", err)
			}
			if n := msrv.count(); n != 1 {
				t.Errorf("message: %d requests, want exactly 1", n)
			}
			if ct := msrv.requests()[0].ContentType; ct != "application/json" {
				t.Errorf("message sent as %s", ct)
			}
		})
	}
	t.Run("refused first", func(t *testing.T) {
		t.Parallel()
		srv := faultyServer(t, groupAdded, fault429, fault503)
		if gid, err := newClient(t, srv.backend(), fast).AddGroup(ctx, GroupRequest{}); err != nil || gid != 42 {
			t.Errorf("groupadd after 429 and 503: %d, %v", gid, err)
		}
		msrv := faultyServer(t, `{"op":"message","result":"OK"}`, fault503)
		if err := newClient(t, msrv.backend(), fast).SendMessage(ctx, MessageRequest{From: "a", GID: 3}); err != nil {
			t.Errorf("message after a 503: %v", err)
		}
		if srv.count() != 3 || msrv.count() != 2 {
			t.Errorf("%d groupadd and %d message requests, want 3 and 2", srv.count(), msrv.count())
		}
	})
}

// TestJSONLogMasksTheToken: the trace log lists a JSON body's values under
// their paths with the app token masked, whether it is the body's token or
// text that happens to contain it, and no log line carries it.
func TestJSONLogMasksTheToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values, n int) {
		if n == 1 {
			writeFault(w, r, fault503)
			return
		}
		writeJSON(w, `{"op":"`+form.Get("op")+`","result":false,"error":"NOUSER","cause":"no `+testToken+`"}`)
	})
	log := &recordingLogger{}
	c := newClient(t, srv.backend(), fast, func(c *Config) { c.Logger = log })
	ctx := context.Background()
	err := c.SendMessage(ctx, MessageRequest{From: "a", To: "b", Message: "the token is " + testToken})
	assertNoToken(t, err)
	assertNoToken(t, c.AddGroupMembersWithPermissions(ctx, 4, []string{"x"}, AllPermissions))

	var message, members bool
	for _, l := range log.all() {
		if text := l.Msg + " " + fmt.Sprint(l.Fields); strings.Contains(text, testToken) {
			t.Errorf("a %s line contains the app token: %s", l.Level, text)
		}
		p, ok := l.Fields["parameters"].(map[string]string)
		if !ok {
			continue
		}
		if l.Fields["format"] != "json" || p["token"] != "***" {
			t.Errorf("a JSON request logged as format %v with token %q", l.Fields["format"], p["token"])
		}
		switch p["op"] {
		case "message":
			message = p["message.from"] == "a" && p["message.to"] == "b" && p["message.message"] == "the token is ***"
		case "groupeditmembers":
			members = p["group.gid"] == "4" && p["group.members.m"] == "x" && p["group.members.permissions.send"] == "true"
		}
	}
	if !message || !members {
		t.Errorf("the log lacks the requests' values (message %v, members %v): %+v", message, members, log.all())
	}
}

// TestJSONMemberEditsChunked: a long member list goes in chunks in JSON as
// in a form, by count and by bytes, the bytes counted as the addresses are
// written in JSON, and every chunk carries the permissions.
func TestJSONMemberEditsChunked(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"groupeditmembers","result":true}`)
	c := newClient(t, srv.backend(), func(c *Config) { c.MaxMembersPerEdit = 3 })
	addrs := addresses(7, "user%d")
	perms := Permissions{Receive: true}
	if err := c.AddGroupMembersWithPermissions(context.Background(), 5, addrs, perms); err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range srv.requests() {
		if r.Form.Get("group.delete") != "0" || r.Form.Get("group.members.permissions.recv") != "true" || r.Form.Get("group.members.permissions.send") != "false" {
			t.Errorf("a chunk without its permissions: %s", r.Body)
		}
		got = append(got, strings.Split(r.Form.Get("group.members.m"), ","))
	}
	if want := [][]string{addrs[0:3], addrs[3:6], addrs[6:7]}; !reflect.DeepEqual(got, want) {
		t.Errorf("chunks %v, want %v", got, want)
	}

	// 1000 addresses of 3 characters and a quote: 4 bytes each in a form
	// list, 5 in JSON. A form list of 800 of them is 3999 bytes, within
	// 4000; in JSON, 800 take 4799 bytes, so the bound cuts them sooner.
	quoted := make([]string, 800)
	for i := range quoted {
		quoted[i] = fmt.Sprintf(`%03d"`, i)
	}
	for _, tc := range []struct {
		endpoint string
		sizes    []int
	}{
		{srv.endpoint(), []int{800}},
		{srv.backend(), []int{666, 134}}, // 666*5+665 = 3995 bytes
	} {
		before := srv.count()
		c := newClient(t, tc.endpoint, func(c *Config) { c.MaxMembersPerEdit = 1000 })
		if err := c.RemoveGroupMembers(context.Background(), 5, quoted); err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, r := range srv.requests()[before:] {
			m := r.Form.Get("m")
			if m == "" {
				m = r.Form.Get("group.members.m")
			}
			sizes = append(sizes, len(strings.Split(m, ",")))
		}
		if !reflect.DeepEqual(sizes, tc.sizes) {
			t.Errorf("%s: chunks of %v addresses, want %v", tc.endpoint, sizes, tc.sizes)
		}
	}
}

// TestMemberPermissionsDecoding: groupgetmembers' permissions are read where
// the answer has all five, as an object or as the form API's flags, and
// are nil ("not reported") otherwise, which is not the same as all false.
func TestMemberPermissionsDecoding(t *testing.T) {
	t.Parallel()
	some := &Permissions{Send: true, Receive: false, Publish: true, Subscribe: false, List: true}
	none := &Permissions{}
	for _, tc := range []struct {
		name   string
		member string
		want   *Permissions
	}{
		{"object", `{"address":"a","permissions":{"send":true,"recv":false,"pub":true,"sub":false,"list":true}}`, some},
		{"object of 1 and 0", `{"address":"a","permissions":{"send":1,"recv":"0","pub":"1","sub":0,"list":"true"}}`, some},
		{"all false", `{"address":"a","permissions":{"send":false,"recv":false,"pub":false,"sub":false,"list":false}}`, none},
		{"form flags", `{"address":"a","cs":1,"cr":0,"canpub":"1","cansub":"0","canlist":true}`, some},
		{"not reported", `{"address":"a"}`, nil},
		{"a bare address", `"a"`, nil},
		{"some of the five", `{"address":"a","permissions":{"send":true,"recv":true}}`, nil},
		{"some form flags", `{"address":"a","cs":1}`, nil},
		{"null", `{"address":"a","permissions":null}`, nil},
		{"not an object", `{"address":"a","permissions":31}`, nil},
		{"unreadable values", `{"address":"a","permissions":{"send":"maybe","recv":true,"pub":true,"sub":true,"list":true}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, `{"op":"groupgetmembers","result":true,"members":[`+tc.member+`]}`)
			for _, endpoint := range []string{srv.endpoint(), srv.backend()} {
				gm, err := newClient(t, endpoint).GetGroupMembers(context.Background(), 5, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(gm.Members) != 1 || gm.Members[0].Address != "a" {
					t.Fatalf("members %+v", gm.Members)
				}
				if got := gm.Members[0].Permissions; !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s: permissions %+v, want %+v", endpoint, got, tc.want)
				}
			}
		})
	}
}

// TestUserNamesDecoding: usersget's names are read where answered (the
// empty name included) and nil where not; useradd's answer or, failing it,
// the name asked for.
func TestUserNamesDecoding(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"usersget","result":true,"users":[`+
		`{"uid":1,"address":"a","name":"Ann"},{"uid":2,"address":"b","name":""},`+
		`{"uid":3,"address":"c"},{"uid":4,"address":"d","name":null},{"uid":5,"address":"e","name":7}]}`)
	users, err := newClient(t, srv.backend()).GetUsers(context.Background(), GetUsersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []*string{ptr("Ann"), ptr(""), nil, nil, ptr("7")}
	for i, u := range users {
		if !reflect.DeepEqual(u.Name, want[i]) {
			t.Errorf("user %s: name %v, want %v", u.Address, deref(u.Name), deref(want[i]))
		}
	}

	added := jsonServer(t, `{"op":"useradd","result":true,"user":{"uid":1,"token":"t"}}`)
	u, err := newClient(t, added.backend()).AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "x", Name: ptr("Ann")})
	if err != nil || u.Name == nil || *u.Name != "Ann" {
		t.Errorf("useradd: %+v, %v; want the name asked for", u, err)
	}
	u, err = newClient(t, added.backend()).AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "x"})
	if err != nil || u.Name != nil {
		t.Errorf("useradd without a name: %+v, %v; want none", u, err)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *s)
}

// row is one usersget row.
func row(uid int, address, appID string) string {
	return fmt.Sprintf(`{"uid":%d,"address":%q,"appid":%q,"active":1,"flag":0}`, uid, address, appID)
}

// TestFindUserForApp: a user with a token per app ID comes back from
// usersget once per app ID; the lookup takes the row of the app asked for,
// and the other rows are no conflict and no ambiguity.
func TestFindUserForApp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	answer := func(rows ...string) string {
		return `{"op":"usersget","result":true,"users":[` + strings.Join(rows, ",") + `]}`
	}
	t.Run("the row of the app", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, answer(row(7, "ann", "com.example.android"), row(7, "ann", "com.example.web"), row(8, "anna", "com.example.web")))
		c := newClient(t, srv.endpoint())
		u, err := c.FindUserForApp(ctx, "ann", "com.example.web")
		if err != nil || u.UID != 7 || u.AppID != "com.example.web" {
			t.Fatalf("FindUserForApp: %+v, %v", u, err)
		}
		if u, err := c.FindUser(ctx, "ann"); err != nil || u.AppID != "com.example.android" {
			t.Errorf("FindUser takes the first row: %+v, %v", u, err)
		}
		if n := srv.count(); n != 2 {
			t.Errorf("%d requests for two lookups", n)
		}
	})
	t.Run("no row of the app", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, answer(row(7, "ann", "com.example.android"), row(7, "ann", "com.example.ios")))
		u, err := newClient(t, srv.endpoint()).FindUserForApp(ctx, "ann", "com.example.web")
		if err != nil || u.UID != 7 || u.AppID != "com.example.android" {
			t.Errorf("FindUserForApp: %+v, %v; want the first row, whose app ID says the token is not there", u, err)
		}
	})
	t.Run("the app's row beyond a full answer", func(t *testing.T) {
		t.Parallel()
		rows := make([]string, MaxListCount)
		for i := range rows {
			rows[i] = row(7, "a_b", fmt.Sprintf("app%02d", i))
		}
		var patterns []string
		srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, form url.Values, _ int) {
			patterns = append(patterns, form.Get("addr"))
			writeJSON(w, answer(rows...))
		})
		_, err := newClient(t, srv.endpoint()).FindUserForApp(ctx, "a_b", "web")
		var ae *AmbiguousLookupError
		if !errors.As(err, &ae) || ae.AppID != "web" || !strings.Contains(err.Error(), `app ID "web"`) {
			t.Fatalf("error %v, want an ambiguous lookup of the app's row", err)
		}
		// It asked with the wide pattern, then the address itself.
		if want := []string{"a*b", "a_b"}; !reflect.DeepEqual(patterns, want) {
			t.Errorf("patterns %q, want %q", patterns, want)
		}
	})
	t.Run("a full answer with the app's row", func(t *testing.T) {
		t.Parallel()
		rows := []string{row(7, "ann", "web")}
		for i := len(rows); i < MaxListCount; i++ {
			rows = append(rows, row(7, "ann", fmt.Sprintf("app%02d", i)))
		}
		srv := jsonServer(t, answer(rows...))
		u, err := newClient(t, srv.endpoint()).FindUserForApp(ctx, "ann", "web")
		if err != nil || u.AppID != "web" {
			t.Errorf("FindUserForApp: %+v, %v", u, err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, answer(row(8, "anna", "web")))
		if _, err := newClient(t, srv.endpoint()).FindUserForApp(ctx, "ann", "web"); !errors.Is(err, ErrNotFound) {
			t.Errorf("error %v, want ErrNotFound", err)
		}
	})
}

// TestDescribeJSONMasksTheTokenField: the body's token is masked by its
// name, even where masking the token's text (the client's redact) would
// not catch it, such as a client without an app token of its own to look for.
func TestDescribeJSONMasksTheTokenField(t *testing.T) {
	t.Parallel()
	body := []byte(`{"op":"useradd","token":"` + testToken + `","user":{"address":"a","token":{"appid":"x","expiry":60},"active":true}}`)
	got := describeJSON(body, func(s string) string { return s })
	want := map[string]string{"op": "useradd", "token": "***", "user.address": "a", "user.token.appid": "x", "user.token.expiry": "60", "user.active": "true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("describeJSON = %v, want %v", got, want)
	}
}

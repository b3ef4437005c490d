package mesibo

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// jsonHead is how every JSON body begins: the op, then the app token.
func jsonHead(op string) string { return `{"op":"` + op + `","token":"` + testToken + `"` }

// TestWireFormatJSON checks every operation's request in the JSON format
// exactly as the server sees it: a POST with a JSON body, no query string,
// and the body byte for byte, optional values absent when not set. usersget,
// which has no documented JSON shape, sends its form parameters.
func TestWireFormatJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name   string
		answer string
		call   func(c *Client) error
		body   string            // the exact JSON body
		form   map[string]string // or the exact form parameters
	}{
		{
			name:   "useradd minimal",
			answer: `{"op":"useradd","result":true,"user":{"uid":5,"token":"t"}}`,
			call: func(c *Client) error {
				_, err := c.AddUser(ctx, AddUserRequest{Address: "alice", AppID: "com.example.app"})
				return err
			},
			body: jsonHead("useradd") + `,"user":{"address":"alice","token":{"appid":"com.example.app"}}}`,
		},
		{
			name:   "useradd all parameters",
			answer: `{"op":"useradd","result":true,"user":{"uid":5,"token":"t"}}`,
			call: func(c *Client) error {
				_, err := c.AddUser(ctx, AddUserRequest{
					Address: "+15551234&x=y", AppID: "app", Name: ptr(`Ann "A" <B>`), ExpiryMinutes: ptr(int64(60)),
					Active: ptr(false), MaxGroups: ptr(int64(0)),
				})
				return err
			},
			body: jsonHead("useradd") + `,"user":{"address":"+15551234&x=y","name":"Ann \"A\" <B>","active":false,"groups":0,"token":{"appid":"app","expiry":60}}}`,
		},
		{
			name:   "useradd empty name is sent",
			answer: `{"op":"useradd","result":true,"user":{"uid":5,"token":"t"}}`,
			call: func(c *Client) error {
				_, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "app", Name: ptr(""), Active: ptr(true)})
				return err
			},
			body: jsonHead("useradd") + `,"user":{"address":"a","name":"","active":true,"token":{"appid":"app"}}}`,
		},
		{
			name:   "useradd without a token: SetUserName",
			answer: `{"op":"useradd","result":true,"user":{"uid":5}}`,
			call:   func(c *Client) error { return c.SetUserName(ctx, "alice", "Alice Liddell") },
			body:   jsonHead("useradd") + `,"user":{"address":"alice","name":"Alice Liddell"}}`,
		},
		{
			name:   "userset minimal",
			answer: `{"op":"userset","result":true}`,
			call:   func(c *Client) error { return c.SetUser(ctx, SetUserRequest{UID: 42}) },
			body:   jsonHead("userset") + `,"user":{"uid":42}}`,
		},
		{
			name:   "userset all parameters",
			answer: `{"op":"userset","result":true}`,
			call: func(c *Client) error {
				return c.SetUser(ctx, SetUserRequest{UID: 42, Flag: ptr(int64(0)), Active: ptr(true)})
			},
			body: jsonHead("userset") + `,"user":{"uid":42,"active":true,"flags":0}}`,
		},
		{
			name:   "userdel",
			answer: `{"op":"userdel","result":true}`,
			call:   func(c *Client) error { return c.DeleteUser(ctx, 7) },
			body:   jsonHead("userdel") + `,"user":{"uid":7}}`,
		},
		{
			name:   "usersget sends form parameters",
			answer: `{"op":"usersget","result":true,"users":[]}`,
			call: func(c *Client) error {
				_, err := c.GetUsers(ctx, GetUsersRequest{Address: "al*", Count: 3})
				return err
			},
			form: map[string]string{"op": "usersget", "token": testToken, "addr": "al*", "count": "3"},
		},
		{
			name:   "usersget by FindUserForApp",
			answer: `{"op":"usersget","result":true,"users":[{"uid":1,"address":"bob","appid":"x"}]}`,
			call: func(c *Client) error {
				_, err := c.FindUserForApp(ctx, "bob", "x")
				return err
			},
			form: map[string]string{"op": "usersget", "token": testToken, "addr": "bob", "count": "20"},
		},
		{
			name:   "groupadd minimal",
			answer: `{"op":"groupadd","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				_, err := c.AddGroup(ctx, GroupRequest{})
				return err
			},
			body: jsonHead("groupadd") + `,"group":{}}`,
		},
		{
			name:   "groupadd all parameters",
			answer: `{"op":"groupadd","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				_, err := c.AddGroup(ctx, GroupRequest{
					Name: ptr("Team A"), Flag: ptr(int64(0x12)), ExpirySeconds: ptr(int64(3600)),
					ExpiryExtensionSeconds: ptr(int64(0)), Active: ptr(false),
				})
				return err
			},
			body: jsonHead("groupadd") + `,"group":{"name":"Team A","flags":18,"expiry":3600,"expiryext":0,"active":false}}`,
		},
		{
			name:   "groupadd empty name is sent",
			answer: `{"op":"groupadd","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				_, err := c.AddGroup(ctx, GroupRequest{Name: ptr("")})
				return err
			},
			body: jsonHead("groupadd") + `,"group":{"name":""}}`,
		},
		{
			name:   "groupset",
			answer: `{"op":"groupset","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				return c.SetGroup(ctx, 9, GroupRequest{Name: ptr("n"), Active: ptr(true)})
			},
			body: jsonHead("groupset") + `,"group":{"gid":9,"name":"n","active":true}}`,
		},
		{
			name:   "groupdel",
			answer: `{"op":"groupdel","result":true}`,
			call:   func(c *Client) error { return c.DeleteGroup(ctx, 9) },
			body:   jsonHead("groupdel") + `,"group":{"gid":9}}`,
		},
		{
			name:   "groupeditmembers add without permissions",
			answer: `{"op":"groupeditmembers","result":true}`,
			call:   func(c *Client) error { return c.AddGroupMembers(ctx, 9, []string{"a", "b@example.com", "+4912"}) },
			body:   jsonHead("groupeditmembers") + `,"group":{"gid":9,"delete":0,"members":{"m":"a,b@example.com,+4912"}}}`,
		},
		{
			name:   "groupeditmembers add with permissions",
			answer: `{"op":"groupeditmembers","result":true}`,
			call: func(c *Client) error {
				return c.AddGroupMembersWithPermissions(ctx, 9, []string{"a", "b"}, Permissions{Send: false, Receive: true, Publish: false, Subscribe: true, List: false})
			},
			body: jsonHead("groupeditmembers") + `,"group":{"gid":9,"delete":0,"members":{"m":"a,b","permissions":{"send":false,"recv":true,"pub":false,"sub":true,"list":false}}}}`,
		},
		{
			name:   "groupeditmembers remove",
			answer: `{"op":"groupeditmembers","result":true}`,
			call:   func(c *Client) error { return c.RemoveGroupMembers(ctx, 9, []string{"a"}) },
			body:   jsonHead("groupeditmembers") + `,"group":{"gid":9,"delete":1,"members":{"m":"a"}}}`,
		},
		{
			name:   "groupgetmembers",
			answer: `{"op":"groupgetmembers","result":true,"members":[]}`,
			call: func(c *Client) error {
				_, err := c.GetGroupMembers(ctx, 9, 5)
				return err
			},
			body: jsonHead("groupgetmembers") + `,"group":{"gid":9},"count":5}`,
		},
		{
			name:   "message to a user",
			answer: `{"op":"message","result":"OK"}`,
			call: func(c *Client) error {
				return c.SendMessage(ctx, MessageRequest{From: "alice", To: "bob", Message: "hi there"})
			},
			body: jsonHead("message") + `,"message":{"from":"alice","to":"bob","message":"hi there"}}`,
		},
		{
			name:   "message to a group with type and expiry",
			answer: `{"op":"message","result":"OK"}`,
			call: func(c *Client) error {
				return c.SendMessage(ctx, MessageRequest{
					From: "alice", GID: 9, Type: ptr(int64(0)), ExpirySeconds: ptr(int64(600)), Message: "x=1&y \"q\" 100%\n",
				})
			},
			body: jsonHead("message") + `,"message":{"from":"alice","gid":9,"type":0,"expiry":600,"message":"x=1&y \"q\" 100%\n"}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, tc.answer)
			c := newClient(t, srv.backend())
			if c.RequestFormat() != FormatJSON {
				t.Fatalf("a client of %s writes %s", srv.backend(), c.RequestFormat())
			}
			if err := tc.call(c); err != nil {
				t.Fatalf("call failed: %v", err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.RawQuery != "" || r.Path != "/backend/" {
				t.Errorf("%s %s?%s, want POST /backend/ without a query string", r.Method, r.Path, r.RawQuery)
			}
			if r.UserAgent != "terraform-provider-mesibo/1.2.3 test-suite" {
				t.Errorf("User-Agent %q", r.UserAgent)
			}
			if tc.form != nil {
				if r.ContentType != "application/x-www-form-urlencoded" {
					t.Errorf("content type %q, want a form", r.ContentType)
				}
				assertForm(t, r.Form, tc.form)
				return
			}
			if r.ContentType != "application/json" {
				t.Errorf("content type %q, want application/json", r.ContentType)
			}
			if r.Body != tc.body {
				t.Errorf("body\n got  %s\n want %s", r.Body, tc.body)
			}
		})
	}
}

// TestFormWireOfNewParameters: in the form format a name and member
// permissions are flat parameters, sent only when given; permissions only
// on an add.
func TestFormWireOfNewParameters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name string
		call func(c *Client) error
		want map[string]string
	}{
		{"useradd with a name", func(c *Client) error {
			_, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "app", Name: ptr("Ann Lee")})
			return err
		}, map[string]string{"op": "useradd", "token": testToken, "addr": "a", "appid": "app", "name": "Ann Lee"}},
		{"useradd with an empty name", func(c *Client) error {
			_, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "app", Name: ptr("")})
			return err
		}, map[string]string{"op": "useradd", "token": testToken, "addr": "a", "appid": "app", "name": ""}},
		{"add members with permissions", func(c *Client) error {
			return c.AddGroupMembersWithPermissions(ctx, 9, []string{"a", "b"}, Permissions{Send: true, Receive: false, Publish: true, Subscribe: false, List: true})
		}, map[string]string{
			"op": "groupeditmembers", "token": testToken, "gid": "9", "m": "a,b", "delete": "0",
			"cs": "1", "cr": "0", "canpub": "1", "cansub": "0", "canlist": "1",
		}},
		{"add members with every permission", func(c *Client) error {
			return c.AddGroupMembersWithPermissions(ctx, 9, []string{"a"}, AllPermissions)
		}, map[string]string{
			"op": "groupeditmembers", "token": testToken, "gid": "9", "m": "a", "delete": "0",
			"cs": "1", "cr": "1", "canpub": "1", "cansub": "1", "canlist": "1",
		}},
		{"add members with no permission", func(c *Client) error {
			return c.AddGroupMembersWithPermissions(ctx, 9, []string{"a"}, Permissions{})
		}, map[string]string{
			"op": "groupeditmembers", "token": testToken, "gid": "9", "m": "a", "delete": "0",
			"cs": "0", "cr": "0", "canpub": "0", "cansub": "0", "canlist": "0",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, `{"result":true,"user":{"uid":5,"token":"t"}}`)
			c := newClient(t, srv.endpoint())
			if err := tc.call(c); err != nil {
				t.Fatal(err)
			}
			assertForm(t, srv.requests()[0].Form, tc.want)
		})
	}
}

// TestSetUserNameNeedsJSON: the form format has no call that renames a user
// without issuing a token, so SetUserName sends nothing there and says so.
func TestSetUserNameNeedsJSON(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"result":true}`)
	c := newClient(t, srv.endpoint())
	err := c.SetUserName(context.Background(), "alice", "Alice")
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "form") {
		t.Errorf("error %v, want ErrUnsupported naming the form format", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// And an address it could not send is refused before anything else.
	jc := newClient(t, srv.backend())
	if err := jc.SetUserName(context.Background(), "a,b", "x"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("a comma in the address: %v, want ErrInvalidRequest", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestRequestFormatChoice: the format follows the endpoint unless chosen,
// and a chosen format wins over the endpoint's.
func TestRequestFormatChoice(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"userdel","result":true}`)
	for _, tc := range []struct {
		endpoint string
		format   RequestFormat
		wantCT   string
	}{
		{srv.endpoint(), "", "application/x-www-form-urlencoded"},
		{srv.backend(), "", "application/json"},
		{srv.URL + "/backend", "", "application/json"},
		{srv.backend(), FormatForm, "application/x-www-form-urlencoded"},
		{srv.endpoint(), FormatJSON, "application/json"},
	} {
		before := srv.count()
		c := newClient(t, tc.endpoint, func(c *Config) { c.RequestFormat = tc.format })
		if err := c.DeleteUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if got := srv.requests()[before].ContentType; got != tc.wantCT {
			t.Errorf("%s with format %q: content type %q, want %q", tc.endpoint, tc.format, got, tc.wantCT)
		}
	}
	if _, err := New(Config{AppToken: "x", RequestFormat: "xml"}); !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("an unknown format: %v, want ErrInvalidRequest naming it", err)
	}
}

func TestResolveRequestFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format, endpoint string
		want             RequestFormat
	}{
		{"", "", FormatForm},
		{"", DefaultEndpoint, FormatForm},
		{"", "https://api.mesibo.com/backend/", FormatJSON},
		{"", "https://api.mesibo.com/backend", FormatJSON},
		{"", "https://chat.example.com/mesibo/backend/", FormatJSON},
		{"", "http://127.0.0.1:8080/api.php", FormatForm},
		{"", "https://api.mesibo.com/mybackend", FormatForm},
		{"", "https://api.mesibo.com/backend/api.php", FormatForm},
		{"", "https://api.mesibo.com/Backend/", FormatForm},
		{"", "https://backend/", FormatForm}, // a host, not a path
		{"", "::not a url", FormatForm},
		{"json", DefaultEndpoint, FormatJSON},
		{"form", "https://api.mesibo.com/backend/", FormatForm},
	} {
		got, err := ResolveRequestFormat(tc.format, tc.endpoint)
		if err != nil || got != tc.want {
			t.Errorf("ResolveRequestFormat(%q, %q) = %q, %v; want %q", tc.format, tc.endpoint, got, err, tc.want)
		}
	}
	for _, bad := range []string{"xml", "JSON", " json", "Form", "form-urlencoded"} {
		_, err := ResolveRequestFormat(bad, DefaultEndpoint)
		if err == nil || !strings.Contains(err.Error(), `"form"`) || !strings.Contains(err.Error(), `"json"`) {
			t.Errorf("ResolveRequestFormat(%q): %v, want an error naming form and json", bad, err)
		}
	}
	if _, err := ParseRequestFormat(""); err == nil {
		t.Error(`ParseRequestFormat("") accepted the empty string`)
	}
}

package mesibo

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestWireFormat checks every operation's request exactly as the server sees
// it: method, content type, path, no query string, User-Agent and the exact
// set of parameters (optional ones absent when not set).
func TestWireFormat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name   string
		answer string
		call   func(c *Client) error
		want   map[string]string
	}{
		{
			name:   "useradd minimal",
			answer: `{"op":"useradd","result":true,"user":{"uid":5,"token":"t"}}`,
			call: func(c *Client) error {
				_, err := c.AddUser(ctx, AddUserRequest{Address: "alice", AppID: "com.example.app"})
				return err
			},
			want: map[string]string{"op": "useradd", "token": testToken, "addr": "alice", "appid": "com.example.app"},
		},
		{
			name:   "useradd all parameters",
			answer: `{"op":"useradd","result":true,"user":{"uid":5,"token":"t"}}`,
			call: func(c *Client) error {
				_, err := c.AddUser(ctx, AddUserRequest{
					Address: "+15551234&x=y", AppID: "app", ExpiryMinutes: ptr(int64(60)),
					Active: ptr(false), MaxGroups: ptr(int64(0)),
				})
				return err
			},
			want: map[string]string{
				"op": "useradd", "token": testToken, "addr": "+15551234&x=y", "appid": "app",
				"expiry": "60", "active": "0", "groups": "0",
			},
		},
		{
			name:   "useradd active true",
			answer: `{"op":"useradd","result":true,"user":{"uid":5,"token":"t"}}`,
			call: func(c *Client) error {
				_, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "app", Active: ptr(true)})
				return err
			},
			want: map[string]string{"op": "useradd", "token": testToken, "addr": "a", "appid": "app", "active": "1"},
		},
		{
			name:   "userset minimal",
			answer: `{"op":"userset","result":true}`,
			call:   func(c *Client) error { return c.SetUser(ctx, SetUserRequest{UID: 42}) },
			want:   map[string]string{"op": "userset", "token": testToken, "uid": "42"},
		},
		{
			name:   "userset all parameters",
			answer: `{"op":"userset","result":true}`,
			call: func(c *Client) error {
				return c.SetUser(ctx, SetUserRequest{UID: 42, Flag: ptr(int64(0)), Active: ptr(true)})
			},
			want: map[string]string{"op": "userset", "token": testToken, "uid": "42", "flag": "0", "active": "1"},
		},
		{
			name:   "userdel",
			answer: `{"op":"userdel","result":true}`,
			call:   func(c *Client) error { return c.DeleteUser(ctx, 7) },
			want:   map[string]string{"op": "userdel", "token": testToken, "uid": "7"},
		},
		{
			name:   "usersget defaults",
			answer: `{"op":"usersget","result":true,"users":[]}`,
			call: func(c *Client) error {
				_, err := c.GetUsers(ctx, GetUsersRequest{})
				return err
			},
			want: map[string]string{"op": "usersget", "token": testToken, "addr": "*", "count": "20"},
		},
		{
			name:   "usersget pattern and count",
			answer: `{"op":"usersget","result":true,"users":[]}`,
			call: func(c *Client) error {
				_, err := c.GetUsers(ctx, GetUsersRequest{Address: "al*", Count: 3})
				return err
			},
			want: map[string]string{"op": "usersget", "token": testToken, "addr": "al*", "count": "3"},
		},
		{
			name:   "usersget by FindUser",
			answer: `{"op":"usersget","result":true,"users":[{"uid":1,"address":"bob"}]}`,
			call: func(c *Client) error {
				_, err := c.FindUser(ctx, "bob")
				return err
			},
			want: map[string]string{"op": "usersget", "token": testToken, "addr": "bob", "count": "20"},
		},
		{
			name:   "groupadd minimal",
			answer: `{"op":"groupadd","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				_, err := c.AddGroup(ctx, GroupRequest{})
				return err
			},
			want: map[string]string{"op": "groupadd", "token": testToken},
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
			want: map[string]string{
				"op": "groupadd", "token": testToken, "name": "Team A", "flag": "18",
				"expiry": "3600", "expiryext": "0", "active": "0",
			},
		},
		{
			name:   "groupadd empty name is sent",
			answer: `{"op":"groupadd","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				_, err := c.AddGroup(ctx, GroupRequest{Name: ptr("")})
				return err
			},
			want: map[string]string{"op": "groupadd", "token": testToken, "name": ""},
		},
		{
			name:   "groupset minimal",
			answer: `{"op":"groupset","result":true,"group":{"gid":9}}`,
			call:   func(c *Client) error { return c.SetGroup(ctx, 9, GroupRequest{}) },
			want:   map[string]string{"op": "groupset", "token": testToken, "gid": "9"},
		},
		{
			name:   "groupset all parameters",
			answer: `{"op":"groupset","result":true,"group":{"gid":9}}`,
			call: func(c *Client) error {
				return c.SetGroup(ctx, 9, GroupRequest{
					Name: ptr("n"), Flag: ptr(int64(2)), ExpirySeconds: ptr(int64(10)),
					ExpiryExtensionSeconds: ptr(int64(20)), Active: ptr(true),
				})
			},
			want: map[string]string{
				"op": "groupset", "token": testToken, "gid": "9", "name": "n", "flag": "2",
				"expiry": "10", "expiryext": "20", "active": "1",
			},
		},
		{
			name:   "groupdel",
			answer: `{"op":"groupdel","result":true}`,
			call:   func(c *Client) error { return c.DeleteGroup(ctx, 9) },
			want:   map[string]string{"op": "groupdel", "token": testToken, "gid": "9"},
		},
		{
			name:   "groupeditmembers add",
			answer: `{"op":"groupeditmembers","result":true}`,
			call:   func(c *Client) error { return c.AddGroupMembers(ctx, 9, []string{"a", "b@example.com", "+4912"}) },
			want: map[string]string{
				"op": "groupeditmembers", "token": testToken, "gid": "9", "m": "a,b@example.com,+4912", "delete": "0",
			},
		},
		{
			name:   "groupeditmembers remove",
			answer: `{"op":"groupeditmembers","result":true}`,
			call:   func(c *Client) error { return c.RemoveGroupMembers(ctx, 9, []string{"a"}) },
			want:   map[string]string{"op": "groupeditmembers", "token": testToken, "gid": "9", "m": "a", "delete": "1"},
		},
		{
			name:   "groupgetmembers default count",
			answer: `{"op":"groupgetmembers","result":true,"members":[]}`,
			call: func(c *Client) error {
				_, err := c.GetGroupMembers(ctx, 9, 0)
				return err
			},
			want: map[string]string{"op": "groupgetmembers", "token": testToken, "gid": "9", "count": "20"},
		},
		{
			name:   "groupgetmembers count",
			answer: `{"op":"groupgetmembers","result":true,"members":[]}`,
			call: func(c *Client) error {
				_, err := c.GetGroupMembers(ctx, 9, 5)
				return err
			},
			want: map[string]string{"op": "groupgetmembers", "token": testToken, "gid": "9", "count": "5"},
		},
		{
			name:   "message to a user",
			answer: `{"op":"message","result":"OK"}`,
			call: func(c *Client) error {
				return c.SendMessage(ctx, MessageRequest{From: "alice", To: "bob", Message: "hi there"})
			},
			want: map[string]string{"op": "message", "token": testToken, "from": "alice", "to": "bob", "msg": "hi there"},
		},
		{
			name:   "message to a group with type and expiry",
			answer: `{"op":"message","result":"OK"}`,
			call: func(c *Client) error {
				return c.SendMessage(ctx, MessageRequest{
					From: "alice", GID: 9, Type: ptr(int64(1)), ExpirySeconds: ptr(int64(600)), Message: "x=1&y",
				})
			},
			want: map[string]string{
				"op": "message", "token": testToken, "from": "alice", "gid": "9", "type": "1", "expiry": "600", "msg": "x=1&y",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, tc.answer)
			c := newClient(t, srv.endpoint())
			if err := tc.call(c); err != nil {
				t.Fatalf("call failed: %v", err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost {
				t.Errorf("method %s, want POST", r.Method)
			}
			if r.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("content type %q", r.ContentType)
			}
			if r.RawQuery != "" {
				t.Errorf("query string %q: parameters (and the token) must travel in the body", r.RawQuery)
			}
			if r.Path != "/api.php" {
				t.Errorf("path %q, want /api.php", r.Path)
			}
			if r.UserAgent != "terraform-provider-mesibo/1.2.3 test-suite" {
				t.Errorf("User-Agent %q", r.UserAgent)
			}
			assertForm(t, r.Form, tc.want)
		})
	}
}

func TestUserAgentDefaults(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"userdel","result":true}`)
	c := newClient(t, srv.endpoint(), func(c *Config) { c.Version = ""; c.UserAgent = "" })
	if err := c.DeleteUser(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests()[0].UserAgent; got != "terraform-provider-mesibo/dev" {
		t.Errorf("User-Agent %q, want terraform-provider-mesibo/dev", got)
	}
}

// TestUserAgentCarriesTheTerraformVersion checks the User-Agent a provider
// served by a CLI sends: the provider's version, then the CLI's, as the
// providers built on HashiCorp's SDKs send them.
func TestUserAgentCarriesTheTerraformVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version, terraform, extra, want string
	}{
		{"1.2.3", "1.16.4", "", "terraform-provider-mesibo/1.2.3 Terraform/1.16.4 (+https://www.terraform.io)"},
		{"", "1.12.6", "", "terraform-provider-mesibo/dev Terraform/1.12.6 (+https://www.terraform.io)"},
		{"1.2.3", "1.16.4", "test-suite", "terraform-provider-mesibo/1.2.3 Terraform/1.16.4 (+https://www.terraform.io) test-suite"},
		// A CLI that does not say its version: no empty "Terraform/".
		{"1.2.3", "", "", "terraform-provider-mesibo/1.2.3"},
	} {
		srv := jsonServer(t, `{"op":"userdel","result":true}`)
		c := newClient(t, srv.endpoint(), func(c *Config) {
			c.Version, c.TerraformVersion, c.UserAgent = tc.version, tc.terraform, tc.extra
		})
		if err := c.DeleteUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if got := srv.requests()[0].UserAgent; got != tc.want {
			t.Errorf("version %q, Terraform %q, extra %q: User-Agent %q, want %q", tc.version, tc.terraform, tc.extra, got, tc.want)
		}
	}
}

// TestEndpointPathKept checks that the endpoint is used as given, for
// on-premise servers that host the API under another path.
func TestEndpointPathKept(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"userdel","result":true}`)
	c := newClient(t, srv.URL+"/backend/")
	if err := c.DeleteUser(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests()[0].Path; got != "/backend/" {
		t.Errorf("path %q, want /backend/", got)
	}
}

// TestInvalidRequestsSendNothing checks that requests the API could not
// express are refused before anything is sent.
func TestInvalidRequestsSendNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := jsonServer(t, `{"result":true}`)
	c := newClient(t, srv.endpoint())
	long := strings.Repeat("x", 50)
	cases := map[string]func() error{
		"useradd empty address": func() error { _, err := c.AddUser(ctx, AddUserRequest{AppID: "a"}); return err },
		"useradd wildcard":      func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a*", AppID: "a"}); return err },
		"useradd comma":         func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a,b", AppID: "a"}); return err },
		"useradd space":         func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a b", AppID: "a"}); return err },
		"useradd tab":           func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a\tb", AppID: "a"}); return err },
		"useradd newline":       func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: long + "\n", AppID: "a"}); return err },
		"useradd control":       func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a\x00", AppID: "a"}); return err },
		"useradd bad utf8":      func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a\xff", AppID: "a"}); return err },
		"useradd no app id":     func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a"}); return err },
		"userset uid 0":         func() error { return c.SetUser(ctx, SetUserRequest{}) },
		"userset negative uid":  func() error { return c.SetUser(ctx, SetUserRequest{UID: -1}) },
		"userdel uid 0":         func() error { return c.DeleteUser(ctx, 0) },
		"usersget count 21":     func() error { _, err := c.GetUsers(ctx, GetUsersRequest{Count: 21}); return err },
		"usersget count -1":     func() error { _, err := c.GetUsers(ctx, GetUsersRequest{Count: -1}); return err },
		"FindUser wildcard":     func() error { _, err := c.FindUser(ctx, "*"); return err },
		"FindUser empty":        func() error { _, err := c.FindUser(ctx, ""); return err },
		"groupset gid 0":        func() error { return c.SetGroup(ctx, 0, GroupRequest{}) },
		"groupdel gid -3":       func() error { return c.DeleteGroup(ctx, -3) },
		"add members gid 0":     func() error { return c.AddGroupMembers(ctx, 0, []string{"a"}) },
		"getmembers gid 0":      func() error { _, err := c.GetGroupMembers(ctx, 0, 0); return err },
		"getmembers count 21":   func() error { _, err := c.GetGroupMembers(ctx, 1, 21); return err },
		"message no recipient":  func() error { return c.SendMessage(ctx, MessageRequest{From: "a", Message: "m"}) },
		"message both":          func() error { return c.SendMessage(ctx, MessageRequest{From: "a", To: "b", GID: 1}) },
		"message bad from":      func() error { return c.SendMessage(ctx, MessageRequest{From: "a,b", To: "c"}) },
		"message negative gid":  func() error { return c.SendMessage(ctx, MessageRequest{From: "a", GID: -1}) },
	}
	for name, call := range cases {
		err := call()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: error %v does not match ErrInvalidRequest", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server got %d requests for invalid input, want 0", n)
	}
}

// TestMissingAppToken checks that a client without a token sends nothing.
func TestMissingAppToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := jsonServer(t, `{"result":true,"user":{"uid":1},"group":{"gid":1},"users":[],"members":[]}`)
	c := newClient(t, srv.endpoint(), func(c *Config) { c.AppToken = "" })
	calls := map[string]func() error{
		"AddUser":            func() error { _, err := c.AddUser(ctx, AddUserRequest{Address: "a", AppID: "b"}); return err },
		"SetUser":            func() error { return c.SetUser(ctx, SetUserRequest{UID: 1}) },
		"DeleteUser":         func() error { return c.DeleteUser(ctx, 1) },
		"GetUsers":           func() error { _, err := c.GetUsers(ctx, GetUsersRequest{}); return err },
		"FindUser":           func() error { _, err := c.FindUser(ctx, "a"); return err },
		"AddGroup":           func() error { _, err := c.AddGroup(ctx, GroupRequest{}); return err },
		"SetGroup":           func() error { return c.SetGroup(ctx, 1, GroupRequest{}) },
		"DeleteGroup":        func() error { return c.DeleteGroup(ctx, 1) },
		"AddGroupMembers":    func() error { return c.AddGroupMembers(ctx, 1, []string{"a"}) },
		"RemoveGroupMembers": func() error { return c.RemoveGroupMembers(ctx, 1, []string{"a"}) },
		"GetGroupMembers":    func() error { _, err := c.GetGroupMembers(ctx, 1, 0); return err },
		"SendMessage":        func() error { return c.SendMessage(ctx, MessageRequest{From: "a", To: "b"}) },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrMissingAppToken) {
			t.Errorf("%s: error %v, want ErrMissingAppToken", name, err)
		}
		if errors.Is(err, ErrGroupMayExist) {
			t.Errorf("%s: a call that sent nothing says a group may exist: %v", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server got %d requests without a token, want 0", n)
	}
}

// TestParametersAreFormEncoded checks that values with reserved characters
// reach the server intact (and cannot inject other parameters).
func TestParametersAreFormEncoded(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"message","result":"OK"}`)
	c := newClient(t, srv.endpoint())
	msg := "a&token=stolen&op=userdel; 100% ünïcødé\n+="
	if err := c.SendMessage(context.Background(), MessageRequest{From: "x", To: "y&op=userdel", Message: msg}); err != nil {
		t.Fatal(err)
	}
	f := srv.requests()[0].Form
	if f.Get("msg") != msg || f.Get("to") != "y&op=userdel" || f.Get("op") != "message" || f.Get("token") != testToken {
		t.Errorf("form decoded as %v", f)
	}
}

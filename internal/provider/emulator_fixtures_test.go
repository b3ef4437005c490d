package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Emulator fixtures: an emulator of a test's own, and what an app's backend
// does to Mesibo outside Terraform (users, groups, members), for the tests to
// build on. The helpers that change Mesibo fail the test when they cannot,
// and are named must…. mustAddUsers, which also serves the tests against a
// real Mesibo app, deletes the users it made when the test ends, so such a
// run leaves none behind; the others create only in a test's own emulator.

// testEmulator is an emulator of a test's own, for assertions about what
// reached the server.
type testEmulator struct {
	*emulator.Server
	endpoint string
	token    string
	// format is the request format of the client that client returns, and
	// of the endpoint; "" for the suite's (see testRequestFormat).
	format mesibo.RequestFormat
}

// inFormat is this emulator reached in format: at /backend/ for JSON, at
// /api.php for form parameters, by the provider and by client alike.
func (e *testEmulator) inFormat(format mesibo.RequestFormat) *testEmulator {
	path := "/api.php"
	if format == mesibo.FormatJSON {
		path = "/backend/"
	}
	c := *e
	c.endpoint = strings.TrimSuffix(e.endpoint, emulatorPath()) + path
	c.format = format
	return &c
}

// requestFormats are the formats a test that matters in both runs in.
var requestFormats = []mesibo.RequestFormat{mesibo.FormatForm, mesibo.FormatJSON}

func newTestEmulator(t *testing.T, opts emulator.Options) *testEmulator {
	t.Helper()
	if opts.AppToken == "" {
		opts.AppToken = randomHex(24)
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testEmulator{Server: srv, endpoint: hs.URL + emulatorPath(), token: opts.AppToken}
}

// client is a client of this emulator, to change Mesibo outside Terraform
// and to check what Terraform did.
func (e *testEmulator) client(t *testing.T) *mesibo.Client {
	t.Helper()
	format, err := testRequestFormat()
	if err != nil {
		t.Fatal(err)
	}
	if e.format != "" {
		format = e.format
	}
	c, err := mesibo.New(mesibo.Config{Endpoint: e.endpoint, AppToken: e.token, RequestFormat: format})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// providerBlock configures the provider for this emulator, with extra
// settings appended.
func (e *testEmulator) providerBlock(extra string) string {
	if e.format != "" {
		extra = fmt.Sprintf("request_format = %q\n  %s", e.format, extra)
	}
	return fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n  %s\n}\n", e.endpoint, e.token, extra)
}

// userEmulator is a test's own emulator, with a client to change it the way
// someone outside Terraform would.
type userEmulator struct {
	*testEmulator
	t      *testing.T
	client *mesibo.Client
}

func newUserEmulator(t *testing.T) *userEmulator {
	t.Helper()
	e := newTestEmulator(t, emulator.Options{})
	c := e.client(t)
	return &userEmulator{testEmulator: e, t: t, client: c}
}

// user is the emulator's record of the user at address, nil when none.
func (e *userEmulator) user(address string) *emulator.StateUser {
	for _, u := range e.Snapshot().Users {
		if u.Address == address {
			return &u
		}
	}
	return nil
}

// userToken returns the uid and access token Mesibo holds for address, or
// ok false when there is no such user.
func (e *testEmulator) userToken(address string) (uid int64, token string, ok bool) {
	for _, u := range e.Snapshot().Users {
		if u.Address == address {
			return u.UID, u.Token, true
		}
	}
	return 0, "", false
}

// appUsers are the requests that create users of one app at addresses, for
// mustAddUsers.
func appUsers(appID string, addresses ...string) []mesibo.AddUserRequest {
	reqs := make([]mesibo.AddUserRequest, len(addresses))
	for i, a := range addresses {
		reqs[i] = mesibo.AddUserRequest{Address: a, AppID: appID}
	}
	return reqs
}

// mustAddUsers creates users through c the way an app's backend would, one
// useradd per request, and returns them by address. The users are deleted
// again when the test ends: a run against a real Mesibo app leaves none
// behind.
func mustAddUsers(t *testing.T, c *mesibo.Client, reqs ...mesibo.AddUserRequest) map[string]*mesibo.User {
	t.Helper()
	users := map[string]*mesibo.User{}
	for _, req := range reqs {
		u, err := c.AddUser(context.Background(), req)
		if err != nil {
			t.Fatalf("adding user %s outside Terraform: %v", req.Address, err)
		}
		users[req.Address] = u
		t.Cleanup(func() { _ = c.DeleteUser(context.Background(), u.UID) })
	}
	return users
}

// mustDeleteUser deletes the user at address through c the way an app's
// backend would.
func mustDeleteUser(t *testing.T, c *mesibo.Client, address string) {
	t.Helper()
	u, err := c.FindUser(context.Background(), address)
	if err != nil {
		t.Fatalf("deleting %s outside Terraform: %v", address, err)
	}
	if err := c.DeleteUser(context.Background(), u.UID); err != nil {
		t.Fatalf("deleting %s outside Terraform: %v", address, err)
	}
}

// mustDeleteUser deletes the user at address the way an app's backend
// would, by the UID the emulator holds: unlike mustDeleteUser, it sends
// Mesibo no lookup, which the tests that count calls would see.
func (e *userEmulator) mustDeleteUser(address string) {
	e.t.Helper()
	u := e.user(address)
	if u == nil {
		e.t.Fatalf("deleting %s outside Terraform: no such user", address)
	}
	if err := e.client.DeleteUser(context.Background(), u.UID); err != nil {
		e.t.Fatalf("deleting %s outside Terraform: %v", address, err)
	}
}

// mustAddGroup creates a group named name with members the way an app
// would, outside Terraform, and returns its GID.
func (e *testEmulator) mustAddGroup(t *testing.T, name string, members ...string) int64 {
	t.Helper()
	c := e.client(t)
	gid, err := c.AddGroup(context.Background(), mesibo.GroupRequest{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMembers(context.Background(), gid, members); err != nil {
		t.Fatal(err)
	}
	return gid
}

// mustAddMembers adds members to the group named name the way an app would,
// outside Terraform.
func (e *testEmulator) mustAddMembers(t *testing.T, name string, members ...string) {
	t.Helper()
	c := e.client(t)
	for _, g := range e.Snapshot().Groups {
		if g.Name == name {
			if err := c.AddGroupMembers(context.Background(), g.GID, members); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no group named %q", name)
}

// mustAddUsersAsApp creates users with plain useradd requests, as an app's
// own backend would, without the checks of the provider's client that
// mustAddUsers goes through: addresses the provider refuses (with
// whitespace or a comma) are created as well. The emulator is the test's
// own, so nothing needs deleting.
func (e *testEmulator) mustAddUsersAsApp(t *testing.T, addresses ...string) {
	t.Helper()
	for _, a := range addresses {
		resp, err := http.PostForm(e.endpoint, url.Values{
			"op": {"useradd"}, "token": {e.token}, "addr": {a}, "appid": {"com.example.live"},
		})
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Result bool `json:"result"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if err != nil || !answer.Result {
			t.Fatalf("useradd %q: result %v, %v", a, answer.Result, err)
		}
	}
}

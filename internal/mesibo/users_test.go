package mesibo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestAddUserDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		answer string
		want   User
	}{
		{
			name:   "uid as number",
			answer: `{"op":"useradd","result":true,"user":{"uid":10,"token":"tk"}}`,
			want:   User{UID: 10, Address: "alice", AppID: "app", Token: "tk"},
		},
		{
			name:   "uid as numeric string, result as string",
			answer: `{"op":"useradd","result":"true","user":{"uid":"10","token":"tk"}}`,
			want:   User{UID: 10, Address: "alice", AppID: "app", Token: "tk"},
		},
		{
			name:   "result 1, server's own spelling of address and app",
			answer: `{"op":"useradd","result":1,"user":{"uid":11,"address":"Alice","appid":"other","token":"tk","active":1,"flag":"3"}}`,
			want:   User{UID: 11, Address: "Alice", AppID: "other", Token: "tk", Active: ptr(true), Flag: ptr(int64(3))},
		},
		{
			name:   "addr spelling, result \"1\", inactive",
			answer: `{"op":"useradd","result":"1","user":{"uid":12,"addr":"al","token":"tk","active":"0","flag":0}}`,
			want:   User{UID: 12, Address: "al", AppID: "app", Token: "tk", Active: ptr(false), Flag: ptr(int64(0))},
		},
		{
			name:   "unknown fields ignored",
			answer: `{"op":"useradd","result":true,"id":"x","extra":{"a":[1,2,{}]},"user":{"uid":13,"token":"tk","expiry":"2030-01-01","groups":null,"nested":{"x":1}}}`,
			want:   User{UID: 13, Address: "alice", AppID: "app", Token: "tk"},
		},
		{
			name:   "user token from the server",
			answer: `{"op":"useradd","result":true,"user":{"uid":14,"token":"` + userToken + `"}}`,
			want:   User{UID: 14, Address: "alice", AppID: "app", Token: userToken},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jsonServer(t, tc.answer)
			c := newClient(t, srv.endpoint())
			u, err := c.AddUser(context.Background(), AddUserRequest{Address: "alice", AppID: "app"})
			if err != nil {
				t.Fatalf("AddUser: %v", err)
			}
			if !reflect.DeepEqual(*u, tc.want) {
				t.Errorf("got %s, want %s", fmtUser(*u), fmtUser(tc.want))
			}
		})
	}
}

func fmtUser(u User) string {
	s := fmt.Sprintf("{uid %d addr %q app %q token %q", u.UID, u.Address, u.AppID, u.Token)
	if u.Active != nil {
		s += fmt.Sprintf(" active %v", *u.Active)
	}
	if u.Flag != nil {
		s += fmt.Sprintf(" flag %d", *u.Flag)
	}
	return s + "}"
}

// TestAddUserWithoutUID checks that a success answer without a usable uid is
// not taken for a created user.
func TestAddUserWithoutUID(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"op":"useradd","result":true}`,
		`{"op":"useradd","result":true,"user":null}`,
		`{"op":"useradd","result":true,"user":{"token":"tk"}}`,
		`{"op":"useradd","result":true,"user":{"uid":0,"token":"tk"}}`,
		`{"op":"useradd","result":true,"user":{"uid":"","token":"tk"}}`,
		`{"op":"useradd","result":true,"user":{"uid":-4,"token":"tk"}}`,
	} {
		srv := jsonServer(t, answer)
		c := newClient(t, srv.endpoint())
		u, err := c.AddUser(context.Background(), AddUserRequest{Address: "a", AppID: "b"})
		var te *TransportError
		if !errors.As(err, &te) || u != nil {
			t.Errorf("%s: got %v, %v; want a *TransportError", answer, u, err)
		}
	}
}

func TestGetUsersDecoding(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"usersget","result":true,"count":"3","users":[
		{"uid":"1","address":"a","appid":"app1","active":true,"flag":"0"},
		{"uid":2,"addr":"b","active":"0","flag":4,"unknown":[1]},
		{"uid":3,"address":"c"}
	]}`)
	c := newClient(t, srv.endpoint())
	users, err := c.GetUsers(context.Background(), GetUsersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{UID: 1, Address: "a", AppID: "app1", Active: ptr(true), Flag: ptr(int64(0))},
		{UID: 2, Address: "b", Active: ptr(false), Flag: ptr(int64(4))},
		{UID: 3, Address: "c"}, // active and flag missing: nil, not false and 0
	}
	if !reflect.DeepEqual(users, want) {
		for i := range users {
			t.Logf("got[%d] = %s", i, fmtUser(users[i]))
		}
		t.Errorf("users differ from %v", want)
	}
	if users[2].Active != nil || users[2].Flag != nil {
		t.Error("fields the API did not send must be nil")
	}
}

// TestGetUsersCapsAtCount checks that a server returning more than asked does
// not make the client return more than asked.
func TestGetUsersCapsAtCount(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"a"},{"uid":2,"address":"b"},{"uid":3,"address":"c"}]}`)
	c := newClient(t, srv.endpoint())
	users, err := c.GetUsers(context.Background(), GetUsersRequest{Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 {
		t.Errorf("got %d users, want 2", len(users))
	}
}

func TestGetUsersEmpty(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		`{"op":"usersget","result":true,"users":[]}`,
		`{"op":"usersget","result":true}`,
		`{"op":"usersget","result":true,"users":null}`,
		`{"op":"usersget","result":false,"error":"NOUSER"}`,
	} {
		srv := jsonServer(t, answer)
		c := newClient(t, srv.endpoint())
		users, err := c.GetUsers(context.Background(), GetUsersRequest{Address: "nobody"})
		if err != nil {
			t.Errorf("%s: error %v, want an empty list", answer, err)
			continue
		}
		if users == nil || len(users) != 0 {
			t.Errorf("%s: got %#v, want an empty non-nil list", answer, users)
		}
	}
}

func TestGetUsersOtherErrorsPropagate(t *testing.T) {
	t.Parallel()
	srv := jsonServer(t, `{"op":"usersget","result":false,"error":"AUTHFAIL","code":401}`)
	c := newClient(t, srv.endpoint())
	users, err := c.GetUsers(context.Background(), GetUsersRequest{})
	if !errors.Is(err, ErrUnauthorized) || users != nil {
		t.Errorf("got %v, %v; want ErrUnauthorized", users, err)
	}
}

func TestFindUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("exact match among several", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"bobby"},{"uid":2,"address":"bob","active":true}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if err != nil || u.UID != 2 || u.Address != "bob" || u.Active == nil || !*u.Active {
			t.Errorf("got %+v, %v; want uid 2", u, err)
		}
	})
	t.Run("exact address absent", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"bobby"},{"uid":3,"address":"bo"}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) || u != nil {
			t.Errorf("got %+v, %v; want ErrNotFound", u, err)
		}
	})
	t.Run("only a prefix match", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":1,"address":"bobby"}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) || u != nil {
			t.Errorf("got %+v, %v; want ErrNotFound", u, err)
		}
	})
	t.Run("empty list", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[]}`)
		_, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
	})
	t.Run("NOUSER", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":false,"error":"NOUSER"}`)
		_, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
	})
	t.Run("sole case-insensitive match", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `{"result":true,"users":[{"uid":4,"address":"Bob@Example.com"}]}`)
		u, err := newClient(t, srv.endpoint()).FindUser(ctx, "bob@example.com")
		if err != nil || u.UID != 4 {
			t.Errorf("got %+v, %v; want uid 4", u, err)
		}
	})
	t.Run("transport failure is not not-found", func(t *testing.T) {
		t.Parallel()
		srv := jsonServer(t, `<html>`)
		_, err := newClient(t, srv.endpoint(), func(c *Config) { c.MaxRetries = 0 }).FindUser(ctx, "bob")
		var te *TransportError
		if errors.Is(err, ErrNotFound) || !errors.As(err, &te) {
			t.Errorf("got %v; want a *TransportError that is not ErrNotFound", err)
		}
	})
}

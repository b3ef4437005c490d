package mesibo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// User is a Mesibo user as the API describes it. Fields the API did not send
// are zero (strings, UID) or nil (pointers).
type User struct {
	UID     int64
	Address string
	AppID   string
	// Token is the user's access token; only useradd returns it.
	Token  string
	Active *bool
	Flag   *int64
}

// AddUserRequest holds the parameters of useradd. Nil pointers are not sent.
type AddUserRequest struct {
	Address       string // addr: required
	AppID         string // appid: required; the app the access token is valid for
	ExpiryMinutes *int64 // expiry: token lifetime in minutes (server default: one year)
	Active        *bool  // active (server default: true)
	MaxGroups     *int64 // groups: the most groups the user may join
}

// AddUser calls useradd. The API treats it as an upsert keyed by address: for
// an address that exists it keeps the uid and issues a new access token. It is
// retried on transient failures, since repeating it only issues another token.
func (c *Client) AddUser(ctx context.Context, req AddUserRequest) (*User, error) {
	if err := ValidateAddress(req.Address); err != nil {
		return nil, err
	}
	if req.AppID == "" {
		return nil, fmt.Errorf("%w: useradd needs an app id", ErrInvalidRequest)
	}
	p := params{}
	p.str("addr", req.Address)
	p.str("appid", req.AppID)
	p.optInt("expiry", req.ExpiryMinutes)
	p.optBool("active", req.Active)
	p.optInt("groups", req.MaxGroups)

	var out struct {
		User *userJSON `json:"user"`
	}
	if _, err := c.call(ctx, "useradd", url.Values(p), retrySafe, &out); err != nil {
		return nil, err
	}
	if out.User == nil || !out.User.UID.Set || out.User.UID.Value <= 0 {
		return nil, &TransportError{Op: "useradd", Reason: "the answer has no user uid", MaybeProcessed: true}
	}
	u := out.User.user()
	if u.Address == "" {
		u.Address = req.Address
	}
	if u.AppID == "" {
		u.AppID = req.AppID
	}
	return &u, nil
}

// SetUserRequest holds the parameters of userset. Nil pointers are not sent.
type SetUserRequest struct {
	UID    int64
	Flag   *int64
	Active *bool
}

// SetUser calls userset.
func (c *Client) SetUser(ctx context.Context, req SetUserRequest) error {
	if err := validateID("uid", req.UID); err != nil {
		return err
	}
	p := params{}
	p.int("uid", req.UID)
	p.optInt("flag", req.Flag)
	p.optBool("active", req.Active)
	_, err := c.call(ctx, "userset", url.Values(p), retrySafe, nil)
	return err
}

// DeleteUser calls userdel. A user that does not exist gives an error that
// matches ErrNotFound.
func (c *Client) DeleteUser(ctx context.Context, uid int64) error {
	if err := validateID("uid", uid); err != nil {
		return err
	}
	p := params{}
	p.int("uid", uid)
	_, err := c.call(ctx, "userdel", url.Values(p), retrySafe, nil)
	return err
}

// GetUsersRequest holds the parameters of usersget.
type GetUsersRequest struct {
	// Address to match; "*" matches any run of characters. Empty: all users.
	Address string
	// Count is the most users to return, 1..MaxListCount; 0 asks for MaxListCount.
	Count int
}

// GetUsers calls usersget. No match is an empty list, not an error.
func (c *Client) GetUsers(ctx context.Context, req GetUsersRequest) ([]User, error) {
	if err := validateCount(req.Count); err != nil {
		return nil, err
	}
	count := req.Count
	if count == 0 {
		count = MaxListCount
	}
	addr := req.Address
	if addr == "" {
		addr = "*"
	}
	p := params{}
	p.str("addr", addr)
	p.int("count", int64(count))
	var out struct {
		Users []userJSON `json:"users"`
	}
	if _, err := c.call(ctx, "usersget", url.Values(p), retrySafe, &out); err != nil {
		if errors.Is(err, ErrNotFound) {
			return []User{}, nil
		}
		return nil, err
	}
	users := make([]User, 0, len(out.Users))
	for _, u := range out.Users {
		users = append(users, u.user())
	}
	if len(users) > count {
		users = users[:count]
	}
	return users, nil
}

// FindUser looks a user up by exact address with one usersget call. A user
// that does not exist gives an error that matches ErrNotFound.
func (c *Client) FindUser(ctx context.Context, address string) (*User, error) {
	if err := ValidateAddress(address); err != nil {
		return nil, err
	}
	users, err := c.GetUsers(ctx, GetUsersRequest{Address: address})
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].Address == address {
			return &users[i], nil
		}
	}
	// A server that matches case-insensitively may spell the address
	// differently; accept a sole case-insensitive match.
	if len(users) == 1 && strings.EqualFold(users[0].Address, address) {
		return &users[0], nil
	}
	return nil, fmt.Errorf("user %q: %w", address, ErrNotFound)
}

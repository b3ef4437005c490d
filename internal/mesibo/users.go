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
	// Address is the pattern to match, sent as it is; empty means "*", all
	// users. "*" matches any run of characters; the server's matcher may
	// read other characters as wildcards too (see FindUser, which looks an
	// address up exactly whatever the matcher).
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

// FindUser looks a user up by its exact address. A user that does not exist
// gives an error that matches ErrNotFound; an answer that cannot tell, one
// that matches ErrAmbiguousLookup.
//
// usersget matches a pattern, and Mesibo documents only "*" as a wildcard;
// the real matcher may read other characters too (a glob's "?", "[...]" and
// "\", SQL LIKE's "%", "_" and "\", a regular expression's "+", "(" or "|").
// Sending the address as the pattern could then miss the very user it names.
// So FindUser asks for lookupPattern(address), in which every character that
// any of those matchers treats specially is replaced by "*": whatever the
// matcher, the pattern matches at least the address itself. It then keeps
// only the user whose address is exactly the one asked for.
//
// The wider pattern may match other users too, and usersget returns at most
// MaxListCount. When the answer is that full and none of it is the address,
// the user may exist beyond the cut: FindUser then asks once more with the
// address itself as the pattern (which finds it on a server whose only
// wildcard is "*"), and if that does not find it either, it reports the
// lookup as ambiguous, never as not found.
//
// A server may match case-insensitively. Without an exact match, a single
// user whose address differs only in case, in an answer that is not full, is
// taken to be the one asked for: a server that matched it treats the two
// spellings alike, and useradd would take that user over.
func (c *Client) FindUser(ctx context.Context, address string) (*User, error) {
	if err := ValidateAddress(address); err != nil {
		return nil, err
	}
	pattern := lookupPattern(address)
	users, err := c.GetUsers(ctx, GetUsersRequest{Address: pattern, Count: MaxListCount})
	if err != nil {
		return nil, err
	}
	if u := exactMatch(users, address); u != nil {
		return u, nil
	}
	if len(users) < MaxListCount {
		if u := soleFoldedMatch(users, address); u != nil {
			return u, nil
		}
		return nil, fmt.Errorf("user %q: %w", address, ErrNotFound)
	}
	if pattern != address {
		literal, err := c.GetUsers(ctx, GetUsersRequest{Address: address, Count: MaxListCount})
		if err != nil {
			return nil, err
		}
		if u := exactMatch(literal, address); u != nil {
			return u, nil
		}
	}
	return nil, fmt.Errorf("user %q: %w: usersget answered %d users (the most it returns) for the pattern %q, "+
		"none of them with that exact address, so the user may exist beyond them", address, ErrAmbiguousLookup, len(users), pattern)
}

func exactMatch(users []User, address string) *User {
	for i := range users {
		if users[i].Address == address {
			return &users[i]
		}
	}
	return nil
}

// soleFoldedMatch returns the only user whose address equals address but for
// case, or nil when there is none or more than one.
func soleFoldedMatch(users []User, address string) *User {
	var found *User
	for i := range users {
		if strings.EqualFold(users[i].Address, address) {
			if found != nil {
				return nil
			}
			found = &users[i]
		}
	}
	return found
}

// lookupPattern is the usersget pattern FindUser sends for address: every
// character that a common pattern matcher reads as something other than
// itself becomes "*", runs of "*" collapse into one, and letters, digits,
// non-ASCII characters, "@", "." and "-" stay. "." is kept because the only
// matcher that treats it specially (a regular expression) reads it as any
// character, which still matches the address; "-" is special only inside
// brackets, which are replaced. Every other ASCII punctuation mark is
// replaced, including those no matcher in use is known to read, since a
// wider pattern costs nothing but a longer answer.
func lookupPattern(address string) string {
	var b strings.Builder
	star := false
	for _, r := range address {
		literal := r >= 0x80 || r == '@' || r == '.' || r == '-' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if literal {
			b.WriteRune(r)
			star = false
			continue
		}
		if !star {
			b.WriteByte('*')
			star = true
		}
	}
	return b.String()
}

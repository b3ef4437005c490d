package mesibo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// User is a Mesibo user as the API describes it. Fields the API did not send
// are zero (strings, UID) or nil (pointers).
type User struct {
	UID     int64
	Address string
	AppID   string
	// Name is the user's display name; nil when the answer has none (an
	// answer of "" is a name, the empty one).
	Name *string
	// Token is the user's access token; only useradd returns it.
	Token  string
	Active *bool
	Flag   *int64
}

// AddUserRequest holds the parameters of useradd. Nil pointers are not sent.
type AddUserRequest struct {
	Address       string  // addr (JSON user.address): required
	AppID         string  // appid (user.token.appid): required; the app the access token is valid for
	Name          *string // name (user.name): the user's display name
	ExpiryMinutes *int64  // expiry (user.token.expiry): token lifetime in minutes (server default: one year)
	Active        *bool   // active (user.active) (server default: true)
	MaxGroups     *int64  // groups (user.groups): the most groups the user may join
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
	var out struct {
		User *userJSON `json:"user"`
	}
	if _, err := c.call(ctx, "useradd", c.enc.addUser(req, true), retrySafe, &out); err != nil {
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
	if u.Name == nil && req.Name != nil {
		name := *req.Name
		u.Name = &name
	}
	return &u, nil
}

// SetUserName sets the display name of the user with address, without
// issuing an access token: in the JSON format, a useradd without a token
// object, which Mesibo's documentation says generates no token. useradd is
// an upsert keyed by address, so an address that does not exist becomes a
// user without a token; callers that must not create one look the user up
// first. It is retried on transient failures, since repeating it changes
// nothing more.
//
// The form format has no call that does this (its useradd always issues a
// token, and no source documents a name for userset): there SetUserName
// sends nothing and returns an error that matches ErrUnsupported. Change a
// name there with AddUser, which issues a new token.
func (c *Client) SetUserName(ctx context.Context, address, name string) error {
	if err := ValidateAddress(address); err != nil {
		return err
	}
	if c.format != FormatJSON {
		return fmt.Errorf("%w: the %s request format has no call that sets a user's name without issuing a new access token; use useradd (AddUser), or the %s format",
			ErrUnsupported, c.format, FormatJSON)
	}
	_, err := c.call(ctx, "useradd", c.enc.addUser(AddUserRequest{Address: address, Name: &name}, false), retrySafe, nil)
	return err
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
	_, err := c.call(ctx, "userset", c.enc.setUser(req), retrySafe, nil)
	return err
}

// DeleteUser calls userdel. A user that does not exist gives an error that
// matches ErrNotFound.
func (c *Client) DeleteUser(ctx context.Context, uid int64) error {
	if err := validateID("uid", uid); err != nil {
		return err
	}
	_, err := c.call(ctx, "userdel", c.enc.deleteUser(uid), retrySafe, nil)
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

// GetUsers calls usersget. No match is an empty list, not an error. A user
// with access tokens for several app IDs may come back once per app ID, as
// rows that share the uid and the address.
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
	var out struct {
		Users []userJSON `json:"users"`
	}
	if _, err := c.call(ctx, "usersget", c.enc.getUsers(addr, count), retrySafe, &out); err != nil {
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

// FindUser looks a user up by its exact address: byte for byte, so neither
// another case nor another Unicode normalization form of the same text is
// the same address. A user that does not exist gives a *UserNotFoundError,
// which matches ErrNotFound; an answer that cannot tell, an
// *AmbiguousLookupError, which matches ErrAmbiguousLookup.
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
// Users whose address reads the same without being the same bytes are
// look-alikes (UserNotFoundError.LookAlikes): an address that differs only
// in case, which a server that matches without regard to case returns, and
// the same text in another Unicode normalization form (an accented letter
// written as one character or as a letter and a combining accent). For an
// address that has another normalization form, FindUser asks once more with
// that form's pattern, since no matcher is known to equate the two.
func (c *Client) FindUser(ctx context.Context, address string) (*User, error) {
	return c.findUser(ctx, address, "")
}

// FindUserForApp looks a user up by its exact address as FindUser does, and
// of the rows usersget answers for that address (one per app ID, when the
// user has access tokens for several apps) returns the one of appID. Rows of
// other app IDs are no conflict and no ambiguity. When the user has no row
// of appID, it returns the user's first row, whose AppID tells the caller
// that its app's token is not there; when the answer was as full as
// usersget answers and the row of appID may lie beyond it, an
// *AmbiguousLookupError.
func (c *Client) FindUserForApp(ctx context.Context, address, appID string) (*User, error) {
	return c.findUser(ctx, address, appID)
}

// findUser is FindUser, and FindUserForApp when appID is not empty.
func (c *Client) findUser(ctx context.Context, address, appID string) (*User, error) {
	if err := ValidateAddress(address); err != nil {
		return nil, err
	}
	pattern := lookupPattern(address)
	users, err := c.GetUsers(ctx, GetUsersRequest{Address: pattern, Count: MaxListCount})
	if err != nil {
		return nil, err
	}
	full := len(users) == MaxListCount
	if u, ofApp := userRow(users, address, appID); u != nil && (ofApp || !full) {
		return u, nil
	}
	lookAlikes := appendLookAlikes(nil, users, address)
	if full {
		if pattern != address {
			literal, err := c.GetUsers(ctx, GetUsersRequest{Address: address, Count: MaxListCount})
			if err != nil {
				return nil, err
			}
			if u, ofApp := userRow(literal, address, appID); u != nil && (ofApp || len(literal) < MaxListCount) {
				return u, nil
			}
		}
		return nil, &AmbiguousLookupError{Address: address, AppID: appID, Pattern: pattern, Matched: len(users)}
	}
	for _, form := range otherForms(address) {
		formPattern := lookupPattern(form)
		others, err := c.GetUsers(ctx, GetUsersRequest{Address: formPattern, Count: MaxListCount})
		if err != nil {
			return nil, err
		}
		if u, _ := userRow(others, address, appID); u != nil {
			return u, nil
		}
		before := len(lookAlikes)
		lookAlikes = appendLookAlikes(lookAlikes, others, address)
		if len(others) == MaxListCount && len(lookAlikes) == before {
			return nil, &AmbiguousLookupError{Address: address, Pattern: formPattern, Matched: len(others)}
		}
	}
	return nil, &UserNotFoundError{Address: address, LookAlikes: lookAlikes}
}

// userRow returns the row of users whose address is exactly address: the
// one of appID, with ofApp true, or else the first, with ofApp true only
// when appID is empty (any row will do). It returns nil when no row has
// the address.
func userRow(users []User, address, appID string) (u *User, ofApp bool) {
	for i := range users {
		if users[i].Address != address {
			continue
		}
		if appID == "" || users[i].AppID == appID {
			return &users[i], true
		}
		if u == nil {
			u = &users[i]
		}
	}
	return u, false
}

// appendLookAlikes appends to out the users whose address reads the same as
// address (see ReadsSame), each UID once.
func appendLookAlikes(out, users []User, address string) []User {
	for _, u := range users {
		if !ReadsSame(u.Address, address) || slices.ContainsFunc(out, func(o User) bool { return o.UID == u.UID }) {
			continue
		}
		out = append(out, u)
	}
	return out
}

// ReadsSame reports whether two different addresses are the same text but
// for case or Unicode normalization, so that a server, or a person, may take
// one for the other.
func ReadsSame(a, b string) bool {
	return a != b && strings.EqualFold(norm.NFC.String(a), norm.NFC.String(b))
}

// SameTextOtherForm reports whether two different addresses are the same
// text in two Unicode normalization forms (as opposed to differing in case).
func SameTextOtherForm(a, b string) bool {
	return a != b && norm.NFC.String(a) == norm.NFC.String(b)
}

// otherForms returns the Unicode normalization forms of address, composed
// (NFC) and decomposed (NFD), that differ from it.
func otherForms(address string) []string {
	var out []string
	for _, f := range []norm.Form{norm.NFC, norm.NFD} {
		if s := f.String(address); s != address && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
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

package mesibo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// GroupRequest holds the parameters of groupadd and groupset. Nil pointers are
// not sent, so the server's defaults (or, for groupset, the group's current
// values) apply.
type GroupRequest struct {
	Name                   *string // name
	Flag                   *int64  // flag
	ExpirySeconds          *int64  // expiry (server default: one year)
	ExpiryExtensionSeconds *int64  // expiryext: extend expiry on activity (default disabled)
	Active                 *bool   // active
}

func (r GroupRequest) params() params {
	p := params{}
	p.optStr("name", r.Name)
	p.optInt("flag", r.Flag)
	p.optInt("expiry", r.ExpirySeconds)
	p.optInt("expiryext", r.ExpiryExtensionSeconds)
	p.optBool("active", r.Active)
	return p
}

type groupAnswer struct {
	Group *struct {
		GID flexInt `json:"gid"`
	} `json:"group"`
}

// AddGroup calls groupadd and returns the new group's GID.
//
// groupadd creates a new group every time it is called, so it is repeated only
// when the request certainly did not reach the server. When it may have, the
// error matches ErrGroupMayExist (and is a *GroupMayExistError).
func (c *Client) AddGroup(ctx context.Context, req GroupRequest) (int64, error) {
	var out groupAnswer
	maybe, err := c.call(ctx, "groupadd", url.Values(req.params()), retryIfNotProcessed, &out)
	if err == nil && (out.Group == nil || !out.Group.GID.Set || out.Group.GID.Value <= 0) {
		maybe, err = true, &TransportError{Op: "groupadd", Reason: "the answer has no group gid", MaybeProcessed: true}
	}
	if err != nil {
		var apiErr *APIError
		if maybe && !errors.As(err, &apiErr) {
			name := ""
			if req.Name != nil {
				name = *req.Name
			}
			return 0, &GroupMayExistError{Name: name, Err: err}
		}
		return 0, err
	}
	return out.Group.GID.Value, nil
}

// SetGroup calls groupset.
func (c *Client) SetGroup(ctx context.Context, gid int64, req GroupRequest) error {
	if err := validateID("gid", gid); err != nil {
		return err
	}
	p := req.params()
	p.int("gid", gid)
	_, err := c.call(ctx, "groupset", url.Values(p), retrySafe, nil)
	return err
}

// DeleteGroup calls groupdel. A group that does not exist gives an error that
// matches ErrNotFound.
func (c *Client) DeleteGroup(ctx context.Context, gid int64) error {
	if err := validateID("gid", gid); err != nil {
		return err
	}
	p := params{}
	p.int("gid", gid)
	_, err := c.call(ctx, "groupdel", url.Values(p), retrySafe, nil)
	return err
}

// AddGroupMembers adds addresses to a group with groupeditmembers, in as many
// calls as the list needs (see Config.MaxMembersPerEdit). Adding a member that
// is already there is harmless. When one of several calls fails, the calls
// before it have taken effect; repeating the whole list is safe.
func (c *Client) AddGroupMembers(ctx context.Context, gid int64, addresses []string) error {
	return c.editGroupMembers(ctx, gid, addresses, false)
}

// RemoveGroupMembers removes addresses from a group with groupeditmembers.
// Removing an address that is not a member is harmless.
func (c *Client) RemoveGroupMembers(ctx context.Context, gid int64, addresses []string) error {
	return c.editGroupMembers(ctx, gid, addresses, true)
}

func (c *Client) editGroupMembers(ctx context.Context, gid int64, addresses []string, remove bool) error {
	if err := validateID("gid", gid); err != nil {
		return err
	}
	// Refuse the whole list before sending any of it.
	for _, a := range addresses {
		if err := ValidateAddress(a); err != nil {
			return err
		}
	}
	for _, chunk := range chunkAddresses(addresses, c.maxMembersPerEdit, maxEditBytes) {
		p := params{}
		p.int("gid", gid)
		p.str("m", joinAddresses(chunk))
		p.str("delete", boolParam(remove))
		if _, err := c.call(ctx, "groupeditmembers", url.Values(p), retrySafe, nil); err != nil {
			return err
		}
	}
	return nil
}

// Member is one member of a group.
type Member struct {
	UID     int64 // 0 when the API did not say
	Address string
}

// GroupMembers is the answer of groupgetmembers.
type GroupMembers struct {
	GID     int64
	Members []Member
	// MayBeTruncated is true when the group may have more members than were
	// returned: the answer filled the count asked for, or the server said
	// there are more.
	MayBeTruncated bool
}

// GetGroupMembers calls groupgetmembers for at most count members
// (1..MaxListCount; 0 asks for MaxListCount). A group that does not exist gives
// an error that matches ErrNotFound.
func (c *Client) GetGroupMembers(ctx context.Context, gid int64, count int) (*GroupMembers, error) {
	if err := validateID("gid", gid); err != nil {
		return nil, err
	}
	if err := validateCount(count); err != nil {
		return nil, err
	}
	if count == 0 {
		count = MaxListCount
	}
	p := params{}
	p.int("gid", gid)
	p.int("count", int64(count))
	var out struct {
		Count   flexInt      `json:"count"`
		Members []memberJSON `json:"members"`
	}
	if _, err := c.call(ctx, "groupgetmembers", url.Values(p), retrySafe, &out); err != nil {
		return nil, err
	}
	gm := &GroupMembers{GID: gid, Members: make([]Member, 0, len(out.Members))}
	for _, m := range out.Members {
		addr := string(m.Address)
		if addr == "" {
			addr = string(m.Addr)
		}
		if addr == "" {
			continue
		}
		gm.Members = append(gm.Members, Member{UID: m.UID.Value, Address: addr})
	}
	gm.MayBeTruncated = len(out.Members) >= count || (out.Count.Set && out.Count.Value > int64(len(out.Members)))
	return gm, nil
}

// MessageRequest holds the parameters of message.
type MessageRequest struct {
	From          string // from: must be an existing user's address
	To            string // to: a user's address; or set GID
	GID           int64  // gid: a group
	Type          *int64 // type
	ExpirySeconds *int64 // expiry
	Message       string // msg
}

// SendMessage calls message. A message is not repeated unless the request
// certainly did not reach the server, so it is never delivered twice. When
// it failed after the request may have reached the server, the error is a
// *MessageMayBeDeliveredError.
func (c *Client) SendMessage(ctx context.Context, req MessageRequest) error {
	if err := ValidateAddress(req.From); err != nil {
		return err
	}
	if (req.To == "") == (req.GID == 0) {
		return fmt.Errorf("%w: a message needs either a recipient address or a group, not both or neither", ErrInvalidRequest)
	}
	p := params{}
	p.str("from", req.From)
	if req.To != "" {
		p.str("to", req.To)
	} else {
		if err := validateID("gid", req.GID); err != nil {
			return err
		}
		p.int("gid", req.GID)
	}
	p.optInt("type", req.Type)
	p.optInt("expiry", req.ExpirySeconds)
	p.str("msg", req.Message)
	maybe, err := c.call(ctx, "message", url.Values(p), retryIfNotProcessed, nil)
	var apiErr *APIError
	if err != nil && maybe && !errors.As(err, &apiErr) {
		return &MessageMayBeDeliveredError{Err: err}
	}
	return err
}

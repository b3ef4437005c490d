package mesibo

import (
	"context"
	"errors"
	"fmt"
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
	maybe, err := c.call(ctx, "groupadd", c.enc.group(0, req), retryIfNotProcessed, &out)
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
	_, err := c.call(ctx, "groupset", c.enc.group(gid, req), retrySafe, nil)
	return err
}

// DeleteGroup calls groupdel. A group that does not exist gives an error that
// matches ErrNotFound.
func (c *Client) DeleteGroup(ctx context.Context, gid int64) error {
	if err := validateID("gid", gid); err != nil {
		return err
	}
	_, err := c.call(ctx, "groupdel", c.enc.deleteGroup(gid), retrySafe, nil)
	return err
}

// Permissions is what a member may do in a group. Mesibo's helpers give
// every member every permission (AllPermissions).
type Permissions struct {
	Send      bool // send messages to the group: form cs, JSON send
	Receive   bool // receive the group's messages: form cr, JSON recv
	Publish   bool // publish (a call's audio or video): form canpub, JSON pub
	Subscribe bool // subscribe to what others publish: form cansub, JSON sub
	List      bool // list the group's members: form canlist, JSON list
}

// AllPermissions is every permission.
var AllPermissions = Permissions{Send: true, Receive: true, Publish: true, Subscribe: true, List: true}

// AddGroupMembers adds addresses to a group with groupeditmembers, in as many
// calls as the list needs (see Config.MaxMembersPerEdit), without permission
// flags, so the server's defaults apply. Adding a member that is already
// there is harmless. When one of several calls fails, the calls before it
// have taken effect; repeating the whole list is safe.
func (c *Client) AddGroupMembers(ctx context.Context, gid int64, addresses []string) error {
	return c.editGroupMembers(ctx, gid, addresses, false, nil)
}

// AddGroupMembersWithPermissions adds addresses to a group as
// AddGroupMembers does, each with perms: form cs, cr, canpub, cansub and
// canlist (1 or 0), JSON members.permissions {send, recv, pub, sub, list}.
// Adding a member that is already there sends its permissions again; see
// doc.go for what Mesibo is presumed to do with them.
func (c *Client) AddGroupMembersWithPermissions(ctx context.Context, gid int64, addresses []string, perms Permissions) error {
	return c.editGroupMembers(ctx, gid, addresses, false, &perms)
}

// RemoveGroupMembers removes addresses from a group with groupeditmembers.
// Removing an address that is not a member is harmless.
func (c *Client) RemoveGroupMembers(ctx context.Context, gid int64, addresses []string) error {
	return c.editGroupMembers(ctx, gid, addresses, true, nil)
}

func (c *Client) editGroupMembers(ctx context.Context, gid int64, addresses []string, remove bool, perms *Permissions) error {
	if err := validateID("gid", gid); err != nil {
		return err
	}
	// Refuse the whole list before sending any of it.
	for _, a := range addresses {
		if err := ValidateAddress(a); err != nil {
			return err
		}
	}
	for _, chunk := range chunkAddresses(addresses, c.maxMembersPerEdit, maxEditBytes, c.enc.memberBytes) {
		if _, err := c.call(ctx, "groupeditmembers", c.enc.editMembers(gid, chunk, remove, perms), retrySafe, nil); err != nil {
			return err
		}
	}
	return nil
}

// Member is one member of a group.
type Member struct {
	UID     int64 // 0 when the API did not say
	Address string
	// Permissions are the member's permissions when the answer reports
	// all five, and nil when it reports none or only some: nil means "not
	// reported", never "none".
	Permissions *Permissions
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
	var out struct {
		Count   flexInt      `json:"count"`
		Members []memberJSON `json:"members"`
	}
	if _, err := c.call(ctx, "groupgetmembers", c.enc.getMembers(gid, count), retrySafe, &out); err != nil {
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
		gm.Members = append(gm.Members, Member{UID: m.UID.Value, Address: addr, Permissions: m.permissions()})
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
	if req.To == "" {
		if err := validateID("gid", req.GID); err != nil {
			return err
		}
	}
	maybe, err := c.call(ctx, "message", c.enc.message(req), retryIfNotProcessed, nil)
	var apiErr *APIError
	if err != nil && maybe && !errors.As(err, &apiErr) {
		return &MessageMayBeDeliveredError{Err: err}
	}
	return err
}

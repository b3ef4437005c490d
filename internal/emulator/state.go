package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// State is a copy of all the emulator's data, as answered by
// GET /_emulator/state and returned by Server.Snapshot. Users are sorted by
// uid, groups by gid, members in the order they were added, messages in the
// order they were sent.
type State struct {
	Users    []StateUser    `json:"users"`
	Groups   []StateGroup   `json:"groups"`
	Messages []StateMessage `json:"messages"`
}

// StateUser is one user, with its current access token.
type StateUser struct {
	UID     int64  `json:"uid"`
	Address string `json:"address"`
	Name    string `json:"name"`
	AppID   string `json:"appid"`
	Token   string `json:"token"`
	Active  bool   `json:"active"`
	Flag    int64  `json:"flag"`
	Expiry  int64  `json:"expiry"` // token expiry, minutes
	Groups  int64  `json:"groups"` // maximum groups
	// OtherApps are the user's access tokens for other app IDs than
	// AppID, in the order they were first issued; only with
	// Options.TokenPerApp.
	OtherApps []StateApp `json:"other_apps,omitempty"`
}

// StateApp is a user's access token for one app ID.
type StateApp struct {
	AppID  string `json:"appid"`
	Token  string `json:"token"`
	Expiry int64  `json:"expiry"` // minutes
}

// StateGroup is one group and its member addresses.
type StateGroup struct {
	GID       int64    `json:"gid"`
	Name      string   `json:"name"`
	Flag      int64    `json:"flag"`
	Expiry    int64    `json:"expiry"`    // seconds
	ExpiryExt int64    `json:"expiryext"` // seconds, 0 = disabled
	Active    bool     `json:"active"`
	Members   []string `json:"members"`
	// Permissions are the members' permissions that are not all true, by
	// address; a member not listed has every permission (see
	// MemberPermissions). nil when every member has every permission.
	Permissions map[string]StatePermissions `json:"permissions,omitempty"`
}

// StatePermissions is what a member may do in a group.
type StatePermissions struct {
	Send      bool `json:"send"`
	Receive   bool `json:"recv"`
	Publish   bool `json:"pub"`
	Subscribe bool `json:"sub"`
	List      bool `json:"list"`
}

// allPermissions is what a member added without permission flags may do.
var allPermissions = StatePermissions{Send: true, Receive: true, Publish: true, Subscribe: true, List: true}

// MemberPermissions is what member may do in g: its permissions, or every
// permission when none are recorded.
func (g StateGroup) MemberPermissions(member string) StatePermissions {
	if p, ok := g.Permissions[member]; ok {
		return p
	}
	return allPermissions
}

// setPermissions records member's permissions, keeping only those that
// are not all true.
func (g *StateGroup) setPermissions(member string, p StatePermissions) {
	if p == allPermissions {
		delete(g.Permissions, member)
		if len(g.Permissions) == 0 {
			g.Permissions = nil
		}
		return
	}
	if g.Permissions == nil {
		g.Permissions = map[string]StatePermissions{}
	}
	g.Permissions[member] = p
}

// StateMessage is one message sent with the message op. To is empty for a
// message sent only to a group, GID is 0 for a message sent only to a user.
type StateMessage struct {
	From    string `json:"from"`
	To      string `json:"to,omitempty"`
	GID     int64  `json:"gid,omitempty"`
	Type    int64  `json:"type"`
	Expiry  int64  `json:"expiry"` // seconds
	Message string `json:"msg"`
}

const (
	firstUID = 101
	firstGID = 501
)

// store holds the data. It is not safe for concurrent use; Server guards it.
type store struct {
	users    map[int64]*StateUser
	byAddr   map[string]int64
	groups   map[int64]*StateGroup
	messages []StateMessage
	nextUID  int64
	nextGID  int64

	// usersGetMatch is how usersget reads its pattern: a setting of the
	// server, not data, and never saved.
	usersGetMatch UsersGetMatch
	// usersGetIgnoreCase makes usersget match without regard to case; a
	// setting too.
	usersGetIgnoreCase bool
	// settings are the server's other choices of behaviour; never saved.
	settings settings
}

// settings are the choices of Options that change what the ops do.
type settings struct {
	tokenPerApp           bool
	omitMemberPermissions bool
	omitUserNames         bool
}

func newStore() *store {
	return &store{
		users:   map[int64]*StateUser{},
		byAddr:  map[string]int64{},
		groups:  map[int64]*StateGroup{},
		nextUID: firstUID,
		nextGID: firstGID,
	}
}

func (st *store) sortedUsers() []*StateUser {
	out := make([]*StateUser, 0, len(st.users))
	for _, u := range st.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

func (st *store) snapshot() State {
	s := State{
		Users:    make([]StateUser, 0, len(st.users)),
		Groups:   make([]StateGroup, 0, len(st.groups)),
		Messages: append(make([]StateMessage, 0, len(st.messages)), st.messages...),
	}
	for _, u := range st.sortedUsers() {
		c := *u
		if len(u.OtherApps) > 0 {
			c.OtherApps = append([]StateApp(nil), u.OtherApps...)
		}
		s.Users = append(s.Users, c)
	}
	for _, g := range st.groups {
		c := *g
		c.Members = append(make([]string, 0, len(g.Members)), g.Members...)
		if len(g.Permissions) > 0 {
			c.Permissions = maps.Clone(g.Permissions)
		}
		s.Groups = append(s.Groups, c)
	}
	sort.Slice(s.Groups, func(i, j int) bool { return s.Groups[i].GID < s.Groups[j].GID })
	return s
}

// stateFile is the on-disk form: the State plus the id counters, so that ids
// of deleted users and groups are not handed out again after a restart.
type stateFile struct {
	Version int   `json:"version"`
	NextUID int64 `json:"next_uid"`
	NextGID int64 `json:"next_gid"`
	State
}

const stateFileVersion = 1

func (st *store) marshalFile() ([]byte, error) {
	b, err := json.MarshalIndent(stateFile{
		Version: stateFileVersion,
		NextUID: st.nextUID,
		NextGID: st.nextGID,
		State:   st.snapshot(),
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// loadStore reads a state file. A file that does not exist yields an empty
// store and no error.
func loadStore(path string) (*store, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newStore(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	if f.Version != stateFileVersion {
		return nil, fmt.Errorf("state file %s: version %d, want %d", path, f.Version, stateFileVersion)
	}
	st := newStore()
	for i := range f.Users {
		u := f.Users[i]
		switch {
		case u.UID < 1:
			return nil, fmt.Errorf("state file %s: user %q has uid %d", path, u.Address, u.UID)
		case u.Address == "":
			return nil, fmt.Errorf("state file %s: user %d has no address", path, u.UID)
		case st.users[u.UID] != nil:
			return nil, fmt.Errorf("state file %s: uid %d appears twice", path, u.UID)
		}
		if _, dup := st.byAddr[u.Address]; dup {
			return nil, fmt.Errorf("state file %s: address %q appears twice", path, u.Address)
		}
		st.users[u.UID] = &u
		st.byAddr[u.Address] = u.UID
		st.nextUID = max(st.nextUID, u.UID+1)
	}
	for i := range f.Groups {
		g := f.Groups[i]
		if g.GID < 1 {
			return nil, fmt.Errorf("state file %s: group has gid %d", path, g.GID)
		}
		if st.groups[g.GID] != nil {
			return nil, fmt.Errorf("state file %s: gid %d appears twice", path, g.GID)
		}
		if g.Members == nil {
			g.Members = []string{}
		}
		for addr, p := range g.Permissions {
			if !slices.Contains(g.Members, addr) {
				return nil, fmt.Errorf("state file %s: group %d has permissions for %q, which is not a member", path, g.GID, addr)
			}
			if p == allPermissions {
				delete(g.Permissions, addr)
			}
		}
		if len(g.Permissions) == 0 {
			g.Permissions = nil
		}
		st.groups[g.GID] = &g
		st.nextGID = max(st.nextGID, g.GID+1)
	}
	st.messages = append(st.messages, f.Messages...)
	st.nextUID = max(st.nextUID, f.NextUID)
	st.nextGID = max(st.nextGID, f.NextGID)
	return st, nil
}

// writeFileAtomic replaces path with data: it writes a temporary file in the
// same directory, syncs it and renames it over path, so a reader (or a crash)
// never sees a half-written file. The file is readable by its owner only: it
// holds access tokens.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

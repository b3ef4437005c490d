package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// Defaults of optional parameters, as documented by Mesibo.
const (
	defaultUserExpiryMinutes  = 525600   // one year
	defaultGroupExpirySeconds = 31536000 // one year
	defaultMessageExpiry      = 31536000 // one year
	maxListCount              = 20
)

// opFunc runs one op on the store (with the server's lock held) and reports
// whether it changed the data.
type opFunc func(st *store, p params) (r reply, changed bool)

var ops = map[string]opFunc{
	"useradd":          opUserAdd,
	"userset":          opUserSet,
	"userdel":          opUserDel,
	"usersget":         opUsersGet,
	"groupadd":         opGroupAdd,
	"groupset":         opGroupSet,
	"groupdel":         opGroupDel,
	"groupeditmembers": opGroupEditMembers,
	"groupgetmembers":  opGroupGetMembers,
	"message":          opMessage,
}

// require answers MISSINGPARA naming every required parameter that is absent.
func require(p params, names ...string) *apiError {
	var missing []string
	for _, n := range names {
		if _, ok := p.get(n); !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return missingPara(missing...)
	}
	return nil
}

// numbers reads numeric parameters and collects the malformed ones, so one
// answer can name them all.
type numbers struct {
	p       params
	bad     []string
	reasons []string
}

func (n *numbers) reject(name, reason string) {
	n.bad = append(n.bad, name)
	n.reasons = append(n.reasons, name+" "+reason)
}

// opt reads an optional non-negative integer.
func (n *numbers) opt(name string) (int64, bool) {
	s, ok := n.p.get(name)
	if !ok {
		return 0, false
	}
	v, err := parseNumber(s)
	if err != nil {
		n.reject(name, "must be a non-negative decimal integer")
		return 0, false
	}
	return v, true
}

// bit reads an optional 0-or-1 parameter.
func (n *numbers) bit(name string) (bool, bool) {
	s, ok := n.p.get(name)
	if !ok {
		return false, false
	}
	if s != "0" && s != "1" {
		n.reject(name, "must be 0 or 1")
		return false, false
	}
	return s == "1", true
}

// count reads an optional list size: default 20, at least 1, above 20 means 20.
func (n *numbers) count() int {
	v, ok := n.opt("count")
	switch {
	case !ok:
		return maxListCount
	case v < 1:
		n.reject("count", "must be at least 1")
		return 0
	case v > maxListCount:
		return maxListCount
	}
	return int(v)
}

func (n *numbers) err() *apiError {
	if len(n.bad) == 0 {
		return nil
	}
	return badPara(n.bad, "malformed parameter: "+strings.Join(n.reasons, "; "))
}

func noUser(param string) *apiError {
	return &apiError{Code: "NOUSER", HTTP: 404, Cause: "no such user", Props: []string{param}}
}

func noGroup() *apiError {
	return &apiError{Code: "NOGROUP", HTTP: 404, Cause: "no such group", Props: []string{"gid"}}
}

// newToken returns a fresh user access token: 32 random bytes, hex-encoded.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails: crypto/rand.Read crashes the program instead
	return hex.EncodeToString(b)
}

func opUserAdd(st *store, p params) (reply, bool) {
	if e := require(p, "addr", "appid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	expiry, hasExpiry := n.opt("expiry")
	active, hasActive := n.bit("active")
	groups, hasGroups := n.opt("groups")
	flag, hasFlag := n.opt("flag")
	if e := n.err(); e != nil {
		return fail(e), false
	}
	addr := p["addr"]
	u := st.users[st.byAddr[addr]]
	if u == nil {
		u = &StateUser{UID: st.nextUID, Address: addr}
		st.nextUID++
		st.users[u.UID] = u
		st.byAddr[addr] = u.UID
	}
	// useradd issues the user's token afresh, new user or not: what the
	// request leaves out takes the documented default, not the old value.
	// flag is not a useradd parameter in Mesibo's documentation (userset
	// sets it), so a useradd without it leaves it alone.
	u.AppID = p["appid"]
	u.Token = newToken()
	u.Expiry, u.Active, u.Groups = defaultUserExpiryMinutes, true, 0
	if hasExpiry {
		u.Expiry = expiry
	}
	if hasActive {
		u.Active = active
	}
	if hasGroups {
		u.Groups = groups
	}
	if hasFlag {
		u.Flag = flag
	}
	return ok(field{"user", object{{"uid", u.UID}, {"address", u.Address}, {"token", u.Token}}}), true
}

// lookupUser reads the uid parameter (required) and finds the user.
func lookupUser(st *store, n *numbers) (*StateUser, *apiError) {
	uid, _ := n.opt("uid")
	if e := n.err(); e != nil {
		return nil, e
	}
	u := st.users[uid]
	if u == nil {
		return nil, noUser("uid")
	}
	return u, nil
}

func opUserSet(st *store, p params) (reply, bool) {
	if e := require(p, "uid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	flag, hasFlag := n.opt("flag")
	active, hasActive := n.bit("active")
	u, e := lookupUser(st, &n)
	if e != nil {
		return fail(e), false
	}
	if hasFlag {
		u.Flag = flag
	}
	if hasActive {
		u.Active = active
	}
	return ok(), true
}

func opUserDel(st *store, p params) (reply, bool) {
	if e := require(p, "uid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	u, e := lookupUser(st, &n)
	if e != nil {
		return fail(e), false
	}
	delete(st.users, u.UID)
	delete(st.byAddr, u.Address)
	for _, g := range st.groups {
		g.Members = removeAddrs(g.Members, map[string]bool{u.Address: true})
	}
	return ok(), true
}

func opUsersGet(st *store, p params) (reply, bool) {
	n := numbers{p: p}
	count := n.count()
	if e := n.err(); e != nil {
		return fail(e), false
	}
	pattern, given := p.get("addr")
	if !given {
		pattern = "*"
	}
	match := st.usersGetMatch.Matcher(pattern)
	if st.usersGetIgnoreCase {
		match = st.usersGetMatch.CaseInsensitiveMatcher(pattern)
	}
	users := []object{}
	for _, u := range st.sortedUsers() {
		if len(users) == count {
			break
		}
		if !match(u.Address) {
			continue
		}
		active := 0
		if u.Active {
			active = 1
		}
		users = append(users, object{
			{"uid", u.UID}, {"address", u.Address}, {"appid", u.AppID},
			{"active", active}, {"flag", u.Flag},
		})
	}
	return ok(field{"users", users}), false
}

// groupParams reads the optional parameters shared by groupadd and groupset
// and applies the given ones to g.
func groupParams(p params, n *numbers) func(g *StateGroup) {
	flag, hasFlag := n.opt("flag")
	expiry, hasExpiry := n.opt("expiry")
	ext, hasExt := n.opt("expiryext")
	active, hasActive := n.bit("active")
	name, hasName := p["name"] // an empty name is a name: it clears the old one
	return func(g *StateGroup) {
		if hasName {
			g.Name = name
		}
		if hasFlag {
			g.Flag = flag
		}
		if hasExpiry {
			g.Expiry = expiry
		}
		if hasExt {
			g.ExpiryExt = ext
		}
		if hasActive {
			g.Active = active
		}
	}
}

func opGroupAdd(st *store, p params) (reply, bool) {
	n := numbers{p: p}
	apply := groupParams(p, &n)
	if e := n.err(); e != nil {
		return fail(e), false
	}
	g := &StateGroup{GID: st.nextGID, Expiry: defaultGroupExpirySeconds, Active: true, Members: []string{}}
	st.nextGID++
	apply(g)
	st.groups[g.GID] = g
	return ok(field{"group", object{{"gid", g.GID}}}), true
}

// lookupGroup reads the gid parameter (required) and finds the group.
func lookupGroup(st *store, n *numbers) (*StateGroup, *apiError) {
	gid, _ := n.opt("gid")
	if e := n.err(); e != nil {
		return nil, e
	}
	g := st.groups[gid]
	if g == nil {
		return nil, noGroup()
	}
	return g, nil
}

func opGroupSet(st *store, p params) (reply, bool) {
	if e := require(p, "gid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	apply := groupParams(p, &n)
	g, e := lookupGroup(st, &n)
	if e != nil {
		return fail(e), false
	}
	apply(g)
	return ok(field{"group", object{{"gid", g.GID}}}), true
}

func opGroupDel(st *store, p params) (reply, bool) {
	if e := require(p, "gid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	g, e := lookupGroup(st, &n)
	if e != nil {
		return fail(e), false
	}
	delete(st.groups, g.GID)
	return ok(), true
}

// splitMembers splits the m parameter: comma-separated, spaces around each
// address trimmed, empty entries dropped, duplicates dropped.
func splitMembers(m string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range strings.Split(m, ",") {
		a = strings.TrimSpace(a)
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

func removeAddrs(members []string, drop map[string]bool) []string {
	kept := members[:0]
	for _, m := range members {
		if !drop[m] {
			kept = append(kept, m)
		}
	}
	return kept
}

func opGroupEditMembers(st *store, p params) (reply, bool) {
	// The optional permission flags cs, cr, canpub, cansub and canlist are
	// accepted and ignored.
	addrs := splitMembers(p["m"])
	var missing []string
	if _, ok := p.get("gid"); !ok {
		missing = append(missing, "gid")
	}
	if len(addrs) == 0 {
		missing = append(missing, "m")
	}
	if len(missing) > 0 {
		return fail(missingPara(missing...)), false
	}
	n := numbers{p: p}
	remove, _ := n.bit("delete")
	g, e := lookupGroup(st, &n)
	if e != nil {
		return fail(e), false
	}
	if remove {
		drop := map[string]bool{}
		for _, a := range addrs {
			drop[a] = true
		}
		g.Members = removeAddrs(g.Members, drop)
		return ok(), true
	}
	have := map[string]bool{}
	for _, m := range g.Members {
		have[m] = true
	}
	for _, a := range addrs {
		if !have[a] {
			g.Members = append(g.Members, a)
		}
	}
	return ok(), true
}

func opGroupGetMembers(st *store, p params) (reply, bool) {
	if e := require(p, "gid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	count := n.count()
	g, e := lookupGroup(st, &n)
	if e != nil {
		return fail(e), false
	}
	members := []object{}
	for _, a := range g.Members {
		if len(members) == count {
			break
		}
		var uid int64 // 0: the address is not a user's
		if u := st.users[st.byAddr[a]]; u != nil {
			uid = u.UID
		}
		members = append(members, object{{"uid", uid}, {"address", a}})
	}
	return ok(field{"gid", g.GID}, field{"count", len(members)}, field{"members", members}), false
}

func opMessage(st *store, p params) (reply, bool) {
	var missing []string
	for _, name := range []string{"from", "msg"} {
		if _, ok := p.get(name); !ok {
			missing = append(missing, name)
		}
	}
	to, hasTo := p.get("to")
	if _, hasGID := p.get("gid"); !hasTo && !hasGID {
		missing = append(missing, "to", "gid")
	}
	if len(missing) > 0 {
		return fail(missingPara(missing...)), false
	}
	n := numbers{p: p}
	gid, hasGID := n.opt("gid")
	typ, _ := n.opt("type")
	expiry, hasExpiry := n.opt("expiry")
	if e := n.err(); e != nil {
		return fail(e), false
	}
	if !hasExpiry {
		expiry = defaultMessageExpiry
	}
	from := p["from"]
	if st.users[st.byAddr[from]] == nil {
		return fail(noUser("from")), false
	}
	if hasGID && st.groups[gid] == nil {
		return fail(noGroup()), false
	}
	st.messages = append(st.messages, StateMessage{
		From: from, To: to, GID: gid, Type: typ, Expiry: expiry, Message: p["msg"],
	})
	return ok(), true
}

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

// opRequest is what an op gets: its parameters, read from a form or a
// JSON body, and what else a JSON body said.
type opRequest struct {
	p    params
	json *jsonRequest // nil for a form request
}

// opFunc runs one op on the store (with the server's lock held) and reports
// whether it changed the data.
type opFunc func(st *store, r opRequest) (rep reply, changed bool)

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
	// getmembers is the name Mesibo's own helpers use for groupgetmembers.
	"getmembers": opGroupGetMembers,
	"message":    opMessage,
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
	n.reasons = append(n.reasons, reason)
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
	return malformed(n.bad, n.reasons)
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

func opUserAdd(st *store, r opRequest) (reply, bool) {
	p := r.p
	// A JSON useradd without a token object creates or updates the user
	// and issues no token; it needs no app ID.
	issue := r.json == nil || r.json.tokenObject
	required := []string{"addr"}
	if issue {
		required = append(required, "appid")
	}
	if e := require(p, required...); e != nil {
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
		u = &StateUser{UID: st.nextUID, Address: addr, Active: true}
		st.nextUID++
		st.users[u.UID] = u
		st.byAddr[addr] = u.UID
	}
	if name, given := p["name"]; given { // an empty name is a name: it clears the old one
		u.Name = name
	}
	if hasFlag {
		u.Flag = flag
	}
	if !issue {
		if hasActive {
			u.Active = active
		}
		if hasGroups {
			u.Groups = groups
		}
		return ok(field{"user", object{{"uid", u.UID}, {"address", u.Address}}}), true
	}
	// useradd issues the user's token afresh, new user or not: what the
	// request leaves out takes the documented default, not the old value.
	// flag is not a useradd parameter in Mesibo's documentation (userset
	// sets it), so a useradd without it leaves it alone.
	u.Active, u.Groups = true, 0
	if hasActive {
		u.Active = active
	}
	if hasGroups {
		u.Groups = groups
	}
	if !hasExpiry {
		expiry = defaultUserExpiryMinutes
	}
	token := st.issueToken(u, p["appid"], expiry)
	return ok(field{"user", object{{"uid", u.UID}, {"address", u.Address}, {"token", token}}}), true
}

// issueToken gives u a new access token for appID, and returns it. Without
// the token-per-app setting a user has one token, and a token for another
// app ID replaces it; with it, each app ID keeps its own.
func (st *store) issueToken(u *StateUser, appID string, expiry int64) string {
	token := newToken()
	if st.settings.tokenPerApp && u.AppID != "" && u.AppID != appID {
		for i := range u.OtherApps {
			if u.OtherApps[i].AppID == appID {
				u.OtherApps[i].Token, u.OtherApps[i].Expiry = token, expiry
				return token
			}
		}
		u.OtherApps = append(u.OtherApps, StateApp{AppID: appID, Token: token, Expiry: expiry})
		return token
	}
	u.AppID, u.Token, u.Expiry = appID, token, expiry
	return token
}

// lookupUser finds the user a request names by uid or, without a uid, by
// address (as Mesibo's JSON samples do): MISSINGPARA uid when it names
// neither.
func lookupUser(st *store, p params, n *numbers) (*StateUser, *apiError) {
	if _, byUID := p.get("uid"); !byUID {
		addr, byAddr := p.get("addr")
		if !byAddr {
			return nil, missingPara("uid")
		}
		if e := n.err(); e != nil {
			return nil, e
		}
		u := st.users[st.byAddr[addr]]
		if u == nil {
			return nil, noUser("addr")
		}
		return u, nil
	}
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

func opUserSet(st *store, r opRequest) (reply, bool) {
	p := r.p
	n := numbers{p: p}
	flag, hasFlag := n.opt("flag")
	active, hasActive := n.bit("active")
	u, e := lookupUser(st, p, &n)
	if e != nil {
		return fail(e), false
	}
	if hasFlag {
		u.Flag = flag
	}
	if hasActive {
		u.Active = active
	}
	if r.json != nil {
		// The JSON userset takes a name, and removes the user's access
		// tokens, keeping the user, for user.token.remove. The form
		// userset is documented with neither.
		if name, given := p["name"]; given {
			u.Name = name
		}
		if r.json.removeToken {
			u.Token = ""
			for i := range u.OtherApps {
				u.OtherApps[i].Token = ""
			}
		}
	}
	return ok(), true
}

func opUserDel(st *store, r opRequest) (reply, bool) {
	n := numbers{p: r.p}
	u, e := lookupUser(st, r.p, &n)
	if e != nil {
		return fail(e), false
	}
	delete(st.users, u.UID)
	delete(st.byAddr, u.Address)
	for _, g := range st.groups {
		removeMembers(g, map[string]bool{u.Address: true})
	}
	return ok(), true
}

func opUsersGet(st *store, r opRequest) (reply, bool) {
	p := r.p
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
		// One row per app ID the user has a token for (one, unless
		// the token-per-app setting is on).
		for _, appID := range u.appIDs() {
			if len(users) == count {
				break
			}
			row := object{{"uid", u.UID}, {"address", u.Address}}
			if !st.settings.omitUserNames {
				row = append(row, field{"name", u.Name})
			}
			users = append(users, append(row, field{"appid", appID}, field{"active", active}, field{"flag", u.Flag}))
		}
	}
	return ok(field{"users", users}), false
}

// appIDs are the app IDs of u's rows in usersget: its app ID, then those
// of its other tokens.
func (u *StateUser) appIDs() []string {
	ids := []string{u.AppID}
	for _, a := range u.OtherApps {
		ids = append(ids, a.AppID)
	}
	return ids
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

// opGroupAdd creates a group, with the members m names, if any: Mesibo's
// own helpers create a group and its first members in one call.
func opGroupAdd(st *store, r opRequest) (reply, bool) {
	p := r.p
	n := numbers{p: p}
	apply := groupParams(p, &n)
	perms := permissionFlags(&n)
	if e := n.err(); e != nil {
		return fail(e), false
	}
	g := &StateGroup{GID: st.nextGID, Expiry: defaultGroupExpirySeconds, Active: true, Members: []string{}}
	st.nextGID++
	apply(g)
	addMembers(g, splitMembers(p["m"]), perms)
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

// opGroupSet changes a group, and adds the members m names, if any, as
// Mesibo's own helpers do with one call for both.
func opGroupSet(st *store, r opRequest) (reply, bool) {
	p := r.p
	if e := require(p, "gid"); e != nil {
		return fail(e), false
	}
	n := numbers{p: p}
	apply := groupParams(p, &n)
	perms := permissionFlags(&n)
	g, e := lookupGroup(st, &n)
	if e != nil {
		return fail(e), false
	}
	apply(g)
	addMembers(g, splitMembers(p["m"]), perms)
	return ok(field{"group", object{{"gid", g.GID}}}), true
}

func opGroupDel(st *store, r opRequest) (reply, bool) {
	p := r.p
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

// removeMembers removes the addresses drop lists from g, with their
// permissions.
func removeMembers(g *StateGroup, drop map[string]bool) {
	kept := g.Members[:0]
	for _, m := range g.Members {
		if drop[m] {
			g.setPermissions(m, allPermissions)
			continue
		}
		kept = append(kept, m)
	}
	g.Members = kept
}

// permissionUpdate is what the permission flags of a request say: for each
// of the five, whether it was given, and its value.
type permissionUpdate struct {
	given [5]bool
	value [5]bool
}

// permissionFlags reads the optional flags cs, cr, canpub, cansub and
// canlist (1 or 0).
func permissionFlags(n *numbers) permissionUpdate {
	var u permissionUpdate
	for i, name := range []string{"cs", "cr", "canpub", "cansub", "canlist"} {
		u.value[i], u.given[i] = n.bit(name)
	}
	return u
}

// apply is p changed by the flags given; the others keep their value.
func (u permissionUpdate) apply(p StatePermissions) StatePermissions {
	fields := []*bool{&p.Send, &p.Receive, &p.Publish, &p.Subscribe, &p.List}
	for i, f := range fields {
		if u.given[i] {
			*f = u.value[i]
		}
	}
	return p
}

// addMembers adds addrs to g, each with the permissions the update gives
// (a new member starts with every permission). A member already there
// stays where it is and takes the permission flags given, keeping those
// not given.
func addMembers(g *StateGroup, addrs []string, perms permissionUpdate) {
	have := map[string]bool{}
	for _, m := range g.Members {
		have[m] = true
	}
	for _, a := range addrs {
		if !have[a] {
			have[a] = true
			g.Members = append(g.Members, a)
		}
		g.setPermissions(a, perms.apply(g.MemberPermissions(a)))
	}
}

func opGroupEditMembers(st *store, r opRequest) (reply, bool) {
	p := r.p
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
	perms := permissionFlags(&n)
	g, e := lookupGroup(st, &n)
	if e != nil {
		return fail(e), false
	}
	if remove {
		drop := map[string]bool{}
		for _, a := range addrs {
			drop[a] = true
		}
		removeMembers(g, drop)
		return ok(), true
	}
	addMembers(g, addrs, perms)
	return ok(), true
}

func opGroupGetMembers(st *store, r opRequest) (reply, bool) {
	p := r.p
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
		m := object{{"uid", uid}, {"address", a}}
		if !st.settings.omitMemberPermissions {
			m = append(m, field{"permissions", g.MemberPermissions(a)})
		}
		members = append(members, m)
	}
	return ok(field{"gid", g.GID}, field{"count", len(members)}, field{"members", members}), false
}

func opMessage(st *store, r opRequest) (reply, bool) {
	p := r.p
	// gid 0 is no group: Mesibo's helpers send it with a message to a user.
	if p["gid"] == "0" {
		delete(p, "gid")
	}
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

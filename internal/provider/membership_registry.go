package provider

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// membershipRegistry coordinates the member edits of the
// mesibo_group_membership resources that one provider process applies (there
// is one per configured provider, in providerData). Which resource owns which
// member is the ownership's business (see owners): a plan in which two
// memberships list one address, or an exclusive membership shares its group,
// fails. What remains is the order of the edits of one apply.
//
// Several membership resources may manage members of the same group, and
// Terraform applies them in parallel, in any order. When one resource drops an
// address that another adds in the same apply (a member moving from one list
// to the other), the result must not depend on which edit reaches Mesibo
// first. So the registry keeps, per group, the addresses each membership
// resource declares, and lets one edit of a group run at a time (edit): an
// edit decides what to send, sends it, and records it in its turn, and
//   - never removes an address that another membership resource of the group
//     declares, and
//   - adds back every address it declares that an edit of this process
//     removed earlier, even when that address is no change for this resource.
//
// Limits, also written on the resource's page: the registry knows only the
// membership resources this process has seen, and in an apply Terraform calls
// the provider only for resources that change.
type membershipRegistry struct {
	mu     sync.Mutex
	groups map[int64]*groupRecord // guarded by mu
	gidOf  map[string]int64       // the group each key declares members of; guarded by mu
	turns  turns                  // one edit of a group at a time
}

// groupRecord is what the registry knows about one group.
type groupRecord struct {
	declared map[string]declaration // by membership key; guarded by the registry's mu
	removed  map[string]bool        // addresses edits of this process removed; guarded by the registry's mu
}

// declaration is what one membership resource declares about its group.
type declaration struct {
	members   []string // sorted, without duplicates
	exclusive bool
	// pending marks the declaration of a membership that a plan is about
	// to create: its Create cannot see the key the plan chose, and claims
	// the declaration instead (see claimLocked).
	pending bool
}

func newDeclaration(members []string, exclusive, pending bool) declaration {
	m := slices.Clone(members)
	slices.Sort(m)
	return declaration{members: slices.Compact(m), exclusive: exclusive, pending: pending}
}

// sameAs reports whether d and o declare the same members the same way.
func (d declaration) sameAs(o declaration) bool {
	return d.exclusive == o.exclusive && slices.Equal(d.members, o.members)
}

// groupLocked returns the record of gid, creating it; r.mu must be held.
func (r *membershipRegistry) groupLocked(gid int64) *groupRecord {
	if r.groups == nil {
		r.groups = map[int64]*groupRecord{}
		r.gidOf = map[string]int64{}
	}
	g := r.groups[gid]
	if g == nil {
		g = &groupRecord{declared: map[string]declaration{}, removed: map[string]bool{}}
		r.groups[gid] = g
	}
	return g
}

// declare records that the membership with key declares d about gid,
// replacing what it declared before, about that group or another.
func (r *membershipRegistry) declare(gid int64, key string, d declaration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.declareLocked(gid, key, d)
}

func (r *membershipRegistry) declareLocked(gid int64, key string, d declaration) {
	r.withdrawLocked(key)
	r.groupLocked(gid).declared[key] = d
	r.gidOf[key] = gid
}

// withdraw forgets what the membership with key declares.
func (r *membershipRegistry) withdraw(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.withdrawLocked(key)
}

func (r *membershipRegistry) withdrawLocked(key string) {
	if gid, ok := r.gidOf[key]; ok {
		delete(r.groups[gid].declared, key)
		delete(r.gidOf, key)
	}
}

// claimLocked returns the key of a pending declaration about gid that is
// the same as d, and makes it an ordinary declaration; "" when there is
// none. Two pending declarations that are the same are interchangeable.
// r.mu must be held.
func (r *membershipRegistry) claimLocked(gid int64, d declaration) string {
	g := r.groupLocked(gid)
	for _, k := range slices.Sorted(maps.Keys(g.declared)) {
		if o := g.declared[k]; o.pending && o.sameAs(d) {
			o.pending = false
			g.declared[k] = o
			return k
		}
	}
	return ""
}

// othersLocked returns what the other membership resources declare about
// the group, in the order of their keys.
func (r *membershipRegistry) othersLocked(g *groupRecord, key string) []declaration {
	out := make([]declaration, 0, len(g.declared))
	for _, k := range slices.Sorted(maps.Keys(g.declared)) {
		if k != key {
			out = append(out, g.declared[k])
		}
	}
	return out
}

// memberSender sends member edits to Mesibo: the client.
type memberSender interface {
	AddGroupMembers(ctx context.Context, gid int64, addresses []string) error
	AddGroupMembersWithPermissions(ctx context.Context, gid int64, addresses []string, perms mesibo.Permissions) error
	RemoveGroupMembers(ctx context.Context, gid int64, addresses []string) error
}

// memberChange is one membership resource's change of its group's members.
type memberChange struct {
	gid int64
	// key is the membership's key; a create has none: it replaces the
	// declaration its plan made, under a new key.
	key    string
	create bool
	// declares is what the membership declares after the change; nil when
	// it is deleted.
	declares *declaration
	// add and remove are what the membership would add and remove on its
	// own.
	add, remove []string
	// perms are the permissions every address the edit adds gets; nil
	// sends none (Mesibo's defaults apply).
	perms *mesibo.Permissions
}

// editResult is what an edit did.
type editResult struct {
	key  string   // the membership's key, for its private state
	sent editPlan // what it sent, or meant to send when it failed
	// added tells whether the additions reached Mesibo.
	added bool
	// err is the failure, and failed what was being done ("add members
	// to", "remove members from"; with the group's GID, it makes the
	// error's first sentence).
	err    error
	failed string
}

// edit carries out one membership's change of its group's members in one
// turn: it records what the membership declares, waits for the group's
// turn, decides what to send (see planEdit), records the removals before
// they are sent (an address that may have been removed is added back by any
// later edit that declares it, which is harmless if it is still there), sends
// the additions and then the removals, and records the additions. A create
// that fails declares nothing. The wait gives up when ctx ends.
func (r *membershipRegistry) edit(ctx context.Context, send memberSender, ch memberChange) editResult {
	r.mu.Lock()
	res := editResult{key: ch.key}
	switch {
	case ch.declares == nil:
		// A replacement created before it is destroyed keeps the key, in
		// its new group: the delete withdraws only what it declared here.
		if gid, ok := r.gidOf[ch.key]; ok && gid == ch.gid {
			r.withdrawLocked(ch.key)
		}
	case ch.create:
		// The declaration its plan made gives way to the create's, under
		// a key of its own: the plan's key is also the key of the
		// membership this one replaces, whose delete may come after.
		if planned := r.claimLocked(ch.gid, *ch.declares); planned != "" {
			r.withdrawLocked(planned)
		}
		res.key = randomID()
		r.declareLocked(ch.gid, res.key, *ch.declares)
	default:
		r.declareLocked(ch.gid, ch.key, *ch.declares)
	}
	r.mu.Unlock()
	fail := func(verb string, err error) editResult {
		res.err, res.failed = err, verb
		if ch.create {
			r.withdraw(res.key)
		}
		return res
	}

	release, err := r.turns.take(ctx, ownedMemberList(ch.gid))
	if err != nil {
		return fail("wait for another change of the members of", err)
	}
	defer release()

	r.mu.Lock()
	g := r.groupLocked(ch.gid)
	var own []string
	if ch.declares != nil {
		own = ch.declares.members
	}
	res.sent = planEdit(own, r.othersLocked(g, res.key), g.removed, ch.add, ch.remove)
	for _, a := range res.sent.remove {
		g.removed[a] = true
	}
	r.mu.Unlock()

	if len(res.sent.add) > 0 {
		var err error
		if ch.perms != nil {
			err = send.AddGroupMembersWithPermissions(ctx, ch.gid, res.sent.add, *ch.perms)
		} else {
			err = send.AddGroupMembers(ctx, ch.gid, res.sent.add)
		}
		if err != nil {
			return fail("add members to", err)
		}
		res.added = true
		r.mu.Lock()
		for _, a := range res.sent.add {
			delete(g.removed, a)
		}
		r.mu.Unlock()
	}
	if len(res.sent.remove) > 0 {
		if err := send.RemoveGroupMembers(ctx, ch.gid, res.sent.remove); err != nil {
			return fail("remove members from", err)
		}
	}
	return res
}

// editPlan is what one membership edit sends.
type editPlan struct {
	add    []string // sorted
	remove []string // sorted
	// kept are addresses the membership would remove on its own but that
	// another membership resource of the group declares.
	kept []string
	// readded are addresses the membership declares, and would not add on
	// its own, that an earlier edit of this process removed.
	readded []string
}

// planEdit decides what a membership edit sends to Mesibo: add and remove
// are the addresses the membership would add and remove on its own, own the
// addresses it declares, others what the other membership resources of the
// group declare, and removed the addresses that earlier edits of the group
// in this process removed.
func planEdit(own []string, others []declaration, removed map[string]bool, add, remove []string) editPlan {
	declaredElsewhere := map[string]bool{}
	for _, o := range others {
		for _, a := range o.members {
			declaredElsewhere[a] = true
		}
	}
	var p editPlan
	p.add = slices.Clone(add)
	for _, a := range own {
		if removed[a] && !slices.Contains(add, a) {
			p.add = append(p.add, a)
			p.readded = append(p.readded, a)
		}
	}
	for _, a := range remove {
		if declaredElsewhere[a] {
			p.kept = append(p.kept, a)
		} else {
			p.remove = append(p.remove, a)
		}
	}
	for _, s := range []*[]string{&p.add, &p.remove, &p.kept, &p.readded} {
		slices.Sort(*s)
		*s = slices.Compact(*s)
	}
	return p
}

// What a membership declared at its last apply is kept in its private
// state: the members it added or adopted by listing them, which are the
// only ones it may remove when it drops them, stops being exclusive, or is
// destroyed. An import declares none.
const privateDeclared = "declared_members"

// legacyUnlisted names the private state value in which earlier versions
// kept the drift that an exclusive membership's refresh recorded in members.
// When it is there, what the membership declares is its members without it.
const legacyUnlisted = "unlisted_members"

// declaredFrom returns what the membership declared at its last apply,
// sorted, and whether its private state says: state written by an earlier
// version of the provider may not, and then members are all that is known
// (see legacyDeclared).
func declaredFrom(ctx context.Context, private privateGetter, members []string, diags *diag.Diagnostics) ([]string, bool) {
	raw, d := private.GetKey(ctx, privateDeclared)
	diags.Append(d...)
	var declared []string
	if len(raw) > 0 && json.Unmarshal(raw, &declared) == nil {
		slices.Sort(declared)
		return declared, true
	}
	raw, d = private.GetKey(ctx, legacyUnlisted)
	diags.Append(d...)
	var unlisted []string
	if len(raw) > 0 && json.Unmarshal(raw, &unlisted) == nil && len(unlisted) > 0 {
		return difference(members, unlisted), true
	}
	return nil, false
}

// saveDeclared keeps what the membership declares in its private state, and
// drops the record of earlier versions.
func saveDeclared(ctx context.Context, private privateSetter, declared []string, diags *diag.Diagnostics) {
	d := slices.Clone(declared)
	slices.Sort(d)
	raw, _ := json.Marshal(append([]string{}, slices.Compact(d)...)) // a []string always encodes
	diags.Append(private.SetKey(ctx, privateDeclared, raw)...)
	diags.Append(private.SetKey(ctx, legacyUnlisted, nil)...)
}

// legacyDeclared decides what a membership whose state has no record of
// what it declared (written by an earlier version) declares, from its
// members in state and, where the plan has it, the configuration. Members in
// state that the configuration does not list may be drift that an
// exclusive membership's refresh recorded, so they are not declared: the
// membership does not remove them. Without a configuration (a destroy plan)
// an additive membership declares its members in state, which its refreshes
// never add drift to; an exclusive one cannot tell, and ok is false.
func legacyDeclared(inState, configured []string, hasConfig, exclusive bool) (declared []string, ok bool) {
	switch {
	case hasConfig:
		return intersection(inState, configured), true
	case exclusive && len(inState) > 0:
		return nil, false
	}
	return slices.Clone(inState), true
}

// difference returns the elements of a that are not in b.
func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// intersection returns the elements of a that are in b.
func intersection(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

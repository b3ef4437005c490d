package provider

import (
	"slices"
	"sync"
)

// membershipRegistry coordinates the mesibo_group_membership resources that
// one provider process plans and applies (there is one per configured
// provider, in providerData).
//
// Several membership resources may manage members of the same group, and
// Terraform applies them in parallel, in any order. When one resource drops an
// address that another adds in the same apply (a member moving from one list
// to the other), the result must not depend on which edit reaches Mesibo
// first. So the registry keeps, per group, the addresses each membership
// resource declares, and serialises the member edits of a group: an edit
// decides what to send and sends it while it holds the group's lock, and
//   - never removes an address that another membership resource of the group
//     declares (exclusive mode included), and
//   - adds back every address it declares that an edit of this process
//     removed earlier, even when that address is no change for this resource.
//
// A membership resource does not know its Terraform address, so each carries a
// random key in its private state (see membershipKeyFrom), set when it is
// created, imported or first refreshed.
//
// Limits, also written on the resource's page:
//   - The registry knows only the membership resources this process has seen.
//     Terraform plans and applies in separate provider processes, and in an
//     apply it calls the provider only for resources that change. So when one
//     of two resources that declare the same address is unchanged in an apply
//     and the other drops that address (or is destroyed), the address is
//     removed; the next plan shows it missing for the unchanged resource, and
//     the apply after that adds it back.
//   - It coordinates one provider configuration in one Terraform run: two
//     provider blocks for the same app, or two configurations or runs that
//     manage the same group, are not coordinated.
//   - An exclusive membership still sees the members that other resources
//     add as drift at every refresh. In an apply it leaves alone what the
//     registry knows other resources declare, but not what unchanged
//     resources declare, so such a pair keeps changing the group.
type membershipRegistry struct {
	mu     sync.Mutex
	groups map[int64]*groupRecord // guarded by mu
	gidOf  map[string]int64       // the group each key declares members of; guarded by mu
}

// groupRecord is what the registry knows about one group.
type groupRecord struct {
	edit     sync.Mutex             // held for the whole of one member edit
	declared map[string]declaration // by membership key; guarded by the registry's mu
	removed  map[string]bool        // addresses edits of this process removed; guarded by the registry's mu
}

// declaration is what one membership resource declares about its group.
type declaration struct {
	members   []string // sorted, without duplicates
	exclusive bool
	// pending marks the declaration of a membership that a plan is about
	// to create: its Create cannot see the key the plan chose, and claims
	// the declaration instead (see claim).
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

// claim returns the key of a pending declaration about gid that is the same
// as d, and makes it an ordinary declaration; "" when there is none. Two
// pending declarations that are the same are interchangeable.
func (r *membershipRegistry) claim(gid int64, d declaration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.groupLocked(gid)
	keys := make([]string, 0, len(g.declared))
	for k := range g.declared {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if o := g.declared[k]; o.pending && o.sameAs(d) {
			o.pending = false
			g.declared[k] = o
			return k
		}
	}
	return ""
}

// others returns what the other membership resources declare about gid.
func (r *membershipRegistry) others(gid int64, key string) []declaration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.othersLocked(r.groupLocked(gid), key)
}

func (r *membershipRegistry) othersLocked(g *groupRecord, key string) []declaration {
	keys := make([]string, 0, len(g.declared))
	for k := range g.declared {
		if k != key {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]declaration, 0, len(keys))
	for _, k := range keys {
		out = append(out, g.declared[k])
	}
	return out
}

// memberEdit is one membership resource's edit of a group's members, holding
// the group's lock from begin to end.
type memberEdit struct {
	r   *membershipRegistry
	g   *groupRecord
	key string
}

// begin waits until no other edit of gid runs and starts the edit of the
// membership with key. The caller must call end.
func (r *membershipRegistry) begin(gid int64, key string) *memberEdit {
	r.mu.Lock()
	g := r.groupLocked(gid)
	r.mu.Unlock()
	g.edit.Lock()
	return &memberEdit{r: r, g: g, key: key}
}

// end lets the next edit of the group run.
func (e *memberEdit) end() { e.g.edit.Unlock() }

// decide turns what the membership would add and remove on its own into what
// it sends (see planEdit), and records the removals, before they are sent:
// an address that may have been removed is added back by any later edit that
// declares it, which is harmless if it is still there.
func (e *memberEdit) decide(add, remove []string) editPlan {
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	own := e.g.declared[e.key]
	p := planEdit(own.members, e.r.othersLocked(e.g, e.key), e.g.removed, add, remove)
	for _, a := range p.remove {
		e.g.removed[a] = true
	}
	return p
}

// added records that addresses are members again.
func (e *memberEdit) added(addresses []string) {
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	for _, a := range addresses {
		delete(e.g.removed, a)
	}
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

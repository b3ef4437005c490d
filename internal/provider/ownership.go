package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/text/unicode/norm"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Ownership: one owner per Mesibo object.
//
// A Mesibo object (a user, by its address; a group, by its GID; a member of a
// group, by the group's GID and the member's address) is managed by at most
// one resource of a configuration. Two resources that manage one object
// undo each other's changes, and destroying either deletes what the other
// still manages, so a plan in which two resources would hold one object
// fails, before any call that changes Mesibo. An exclusive membership owns
// its group's whole member list: no other membership may list members of
// that group. Addresses are compared folded (foldAddress), as a server that
// matches addresses without regard to case would.
//
// The provider never learns a resource's Terraform address. Each resource
// carries a random key in its private state instead (ownerKey), and the
// provider process remembers, per key, the objects the resource holds:
//   - in state, as its Read or ImportState found them;
//   - after the plan, as its ModifyPlan planned them;
//   - and the objects the plan destroys (a user or group whose resource is
//     destroyed, or replaced by one that holds another object).
//
// ModifyPlan compares what resources hold after the plan, never a stale
// Read with a newer plan: Terraform reads and plans the resources of one plan
// in parallel and in any order, and a member moving from one membership
// resource to another in one plan must not look like two owners. A resource
// that is in state and not planned yet counts as holding its user or group
// after the plan, because in one plan it either keeps it or destroys it, and
// both are a conflict (Delete would delete the object the other resource
// manages); a resource that the plan creates leaves that check to the other
// one's plan. Members of groups have no such rule: a membership that drops a
// member another one adds, or is destroyed, leaves it in place (see
// membershipRegistry).
//
// A conflict is reported by the ModifyPlan that finds it, which Terraform
// shows with the resource's address. Where calls allow it, both resources
// get the error: the first of two resources in state to be planned finds the
// other in state (from its Read, or its ImportState in an import block).
//
// Limits, also written on the resource pages:
//   - One provider process sees one Terraform command of one configuration:
//     other states, other configurations, and two provider blocks for one
//     app are not compared.
//   - An apply calls the provider only for resources that change, so it
//     compares only those; the plan before it compares all of them.
//   - terraform import on the command line calls the provider for the
//     imported resource only: the next plan finds the conflict.
//   - terraform destroy -target and plans with -target read and plan only
//     the targeted resources and their dependencies.
//
// The same process also hands out turns (see turns): one create of a user
// address, or one edit of a group's members, at a time.

// privateOwnerKey names the resource's key in its private state, for every
// resource type.
const privateOwnerKey = "owner_key"

// legacyOwnerKeys name the key in the private state written by earlier
// versions, one per resource type. A key only has to stay the same within one
// provider process, so reading them is a courtesy, not a need.
var legacyOwnerKeys = []string{"user_key", "membership_key"}

// privateGetter and privateSetter are the framework's private state data,
// as requests and responses carry it.
type (
	privateGetter interface {
		GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	}
	privateSetter interface {
		SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
	}
)

// ownerKey is the one load of a resource's key: it returns the key from the
// private state from, or a new key when it has none yet, and keeps it in the
// private state to (nil: nowhere) unless it is there already. In a Read or
// ModifyPlan, to starts as a copy of from, so a resource that has its key
// costs no write.
func ownerKey(ctx context.Context, from privateGetter, to privateSetter, diags *diag.Diagnostics) string {
	for i, name := range append([]string{privateOwnerKey}, legacyOwnerKeys...) {
		raw, d := from.GetKey(ctx, name)
		diags.Append(d...)
		var key string
		if len(raw) > 0 && json.Unmarshal(raw, &key) == nil && key != "" {
			if i > 0 && to != nil {
				saveOwnerKey(ctx, to, key, diags)
			}
			return key
		}
	}
	return newOwnerKey(ctx, to, diags)
}

// newOwnerKey returns a new key, kept in the private state to (nil:
// nowhere): a resource that Create or ImportState makes.
func newOwnerKey(ctx context.Context, to privateSetter, diags *diag.Diagnostics) string {
	key := randomID()
	if to != nil {
		saveOwnerKey(ctx, to, key, diags)
	}
	return key
}

// saveOwnerKey keeps the resource's key in its private state, as a JSON
// string (the key is hex, so quoting it is all it takes).
func saveOwnerKey(ctx context.Context, private privateSetter, key string, diags *diag.Diagnostics) {
	diags.Append(private.SetKey(ctx, privateOwnerKey, []byte(strconv.Quote(key)))...)
}

// objectKind is a kind of Mesibo object that one resource owns.
type objectKind int

const (
	objectUser       objectKind = iota + 1 // a user, by its folded address
	objectGroup                            // a group, by its GID
	objectMember                           // a member of a group, by the group's GID and its folded address
	objectMemberList                       // the whole member list of a group, which an exclusive membership owns
)

// object is one Mesibo object.
type object struct {
	kind    objectKind
	gid     int64
	address string // folded (see foldAddress)
}

func ownedUser(address string) object { return object{kind: objectUser, address: foldAddress(address)} }
func ownedGroup(gid int64) object     { return object{kind: objectGroup, gid: gid} }
func ownedMember(gid int64, address string) object {
	return object{kind: objectMember, gid: gid, address: foldAddress(address)}
}
func ownedMemberList(gid int64) object { return object{kind: objectMemberList, gid: gid} }

// lasting tells whether a resource that holds the object in state holds it,
// or destroys it, after any plan: true of users and groups, whose resource
// deletes them when it is destroyed or replaced. A membership can drop a
// member without harm to another membership that adds it (the registry
// keeps it in the group).
func (o object) lasting() bool { return o.kind == objectUser || o.kind == objectGroup }

// foldAddress maps the spellings of an address that differ only in case, or
// in Unicode normalization, to one string: each character of its composed
// form becomes the smallest of the characters that simple case folding
// equates with it, as strings.EqualFold compares them.
func foldAddress(address string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, norm.NFC.String(address))
}

// claim is a resource's hold on an object.
type claim struct {
	object object
	// shared claims conflict only with a claim that is not shared: every
	// membership of a group claims the group's member list, and only an
	// exclusive one claims it alone.
	shared bool
	// holder describes the resource for the error of another resource that
	// claims the object too: "a mesibo_user resource whose address is
	// \"alice@x\", in state with UID 7".
	holder string
	// spelling is the address as the resource writes it, for users and
	// members.
	spelling string
	// perms describes the permissions a membership gives its members (see
	// describePermissions), for members.
	perms string
}

// conflictsWith tells whether c and o cannot both be held.
func (c claim) conflictsWith(o claim) bool { return c.object == o.object && (!c.shared || !o.shared) }

// how says which of its holds on an object conflicts with another
// resource's.
type how int

const (
	// theyHoldInState: the other resource is in state with the object and
	// has not been planned yet.
	theyHoldInState how = iota + 1
	// theyHoldAfter: the other resource holds the object after the plan.
	theyHoldAfter
	// theyDestroy: the plan destroys the other resource's object, which
	// this one holds after the plan.
	theyDestroy
	// weDestroy: the plan destroys this resource's object, which the other
	// one holds after the plan.
	weDestroy
)

// conflict is one object that two resources would hold.
type conflict struct {
	mine, theirs claim
	theirKey     string
	how          how
}

// holdings is what the ownership knows about one resource.
type holdings struct {
	inState  []claim // from its last Read or ImportState
	planned  bool    // its ModifyPlan ran in this process
	after    []claim // from its last ModifyPlan
	destroys []claim // what its plans destroy
}

// owners is the provider process's record of which resource holds which
// Mesibo object (one per configured provider, in providerData). The zero
// value is ready to use.
type owners struct {
	mu   sync.Mutex
	keys map[string]*holdings // guarded by mu
	// turns hands out the turns of user creates.
	turns turns
}

func (o *owners) holdingsLocked(key string) *holdings {
	if o.keys == nil {
		o.keys = map[string]*holdings{}
	}
	h := o.keys[key]
	if h == nil {
		h = &holdings{}
		o.keys[key] = h
	}
	return h
}

// read records what the resource with key holds in state, as its Read
// found it; none: it is gone. A Read reports no conflict: a refresh-only
// run, or a terraform destroy that deletes both holders, is no harm, and the
// plan that follows a Read compares what the resources hold after it.
func (o *owners) read(key string, claims ...claim) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.holdingsLocked(key).inState = slices.Clone(claims)
}

// imported records that the resource with key imports what c names. It
// reports no conflict: Terraform shows an import's diagnostics without the
// resource's address, and the plan of an import block reports the conflict
// on each resource (the one planned first finds the other in state).
func (o *owners) imported(key string, c claim) {
	o.read(key, c)
}

// plan records what the resource with key holds after the plan and what
// the plan destroys of what it holds in state, and returns the conflicts
// with the other resources. prior is false when the plan creates the
// resource: Terraform plans a replacement a second time as a create,
// with the key of the first plan, whose destroys still hold.
func (o *owners) plan(key string, prior bool, after, destroys []claim) []conflict {
	o.mu.Lock()
	defer o.mu.Unlock()
	h := o.holdingsLocked(key)
	h.planned = true
	h.after = slices.Clone(after)
	if prior {
		h.destroys = slices.Clone(destroys)
	}
	var out []conflict
	for _, k := range o.otherKeysLocked(key) {
		theirs := o.keys[k]
		for _, mine := range after {
			switch {
			case theirs.planned:
				if c, ok := firstConflict(mine, theirs.after); ok {
					out = append(out, conflict{mine: mine, theirs: c, theirKey: k, how: theyHoldAfter})
				} else if c, ok := firstConflict(mine, theirs.destroys); ok && mine.object.lasting() {
					out = append(out, conflict{mine: mine, theirs: c, theirKey: k, how: theyDestroy})
				}
			case prior && mine.object.lasting():
				// Not for a create: Terraform plans the replacement of a
				// tainted resource as a create, without its key, and the
				// other resource, once planned, finds a real conflict.
				if c, ok := firstConflict(mine, theirs.inState); ok {
					out = append(out, conflict{mine: mine, theirs: c, theirKey: k, how: theyHoldInState})
				}
			}
		}
		if !theirs.planned {
			continue
		}
		for _, mine := range h.destroys {
			if c, ok := firstConflict(mine, theirs.after); ok && mine.object.lasting() {
				out = append(out, conflict{mine: mine, theirs: c, theirKey: k, how: weDestroy})
			}
		}
	}
	return out
}

// firstConflict returns the first of claims that conflicts with c.
func firstConflict(c claim, claims []claim) (claim, bool) {
	for _, o := range claims {
		if c.conflictsWith(o) {
			return o, true
		}
	}
	return claim{}, false
}

// otherKeysLocked returns the keys other than key, sorted, so that
// conflicts come out in one order; o.mu must be held.
func (o *owners) otherKeysLocked(key string) []string {
	keys := make([]string, 0, len(o.keys))
	for k := range o.keys {
		if k != key {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// turns hands out one turn per object at a time. The zero value is ready to
// use.
type turns struct {
	mu sync.Mutex
	ch map[object]chan struct{} // each holds a token while nobody has the turn; guarded by mu
}

// take waits for the turn at o, and returns the function that gives it
// back. It fails only when ctx ends first (Terraform cancels on an
// interrupt), and then holds no turn.
func (t *turns) take(ctx context.Context, o object) (release func(), err error) {
	t.mu.Lock()
	if t.ch == nil {
		t.ch = map[object]chan struct{}{}
	}
	ch := t.ch[o]
	if ch == nil {
		ch = make(chan struct{}, 1)
		ch <- struct{}{}
		t.ch[o] = ch
	}
	t.mu.Unlock()
	select {
	case <-ch:
		return func() { ch <- struct{}{} }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// conflictDiagnostics turns conflicts into errors, one per other resource
// and kind of object: the members two memberships both list make one error.
func conflictDiagnostics(conflicts []conflict) diag.Diagnostics {
	var diags diag.Diagnostics
	type group struct {
		theirKey string
		kind     objectKind
		how      how
	}
	var order []group
	byGroup := map[group][]conflict{}
	exclusiveWith := map[string]bool{}
	for _, c := range conflicts {
		if c.mine.object.kind == objectMemberList {
			exclusiveWith[c.theirKey] = true
		}
	}
	for _, c := range conflicts {
		if c.mine.object.kind == objectMember && exclusiveWith[c.theirKey] {
			continue // the error about the exclusive membership says it all
		}
		g := group{c.theirKey, c.mine.object.kind, c.how}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], c)
	}
	for _, g := range order {
		cs := byGroup[g]
		diags.AddError(conflictSummary(g.kind), conflictDetail(cs))
	}
	return diags
}

func conflictSummary(kind objectKind) string {
	switch kind {
	case objectUser:
		return summaryUserTwoOwners
	case objectGroup:
		return summaryGroupTwoOwners
	case objectMember:
		return summaryMemberTwoOwners
	}
	return summaryExclusiveShared
}

// conflictDetail explains conflicts with one other resource about objects
// of one kind, and how to keep one resource without deleting the object.
func conflictDetail(cs []conflict) string {
	c := cs[0]
	var b strings.Builder
	o := c.mine.object
	typ := "mesibo_user"
	switch o.kind {
	case objectUser:
		fmt.Fprintf(&b, "Mesibo has one user per address, and one resource of a configuration manages it: the "+
			"provider counts addresses that differ only in case or Unicode form as one (a Mesibo server that "+
			"matches addresses without regard to case treats them as one user). This resource (Terraform names "+
			"it below) and %s both manage the user %q.", c.theirs.holder, c.mine.spelling)
	case objectGroup:
		typ = "mesibo_group"
		fmt.Fprintf(&b, "One mesibo_group resource of a configuration manages a group. This resource (Terraform "+
			"names it below) and %s both manage group %d.", c.theirs.holder, o.gid)
	case objectMember:
		typ = "mesibo_group_membership"
		spellings := make([]string, 0, len(cs))
		for _, m := range cs {
			spellings = append(spellings, m.mine.spelling)
		}
		slices.Sort(spellings)
		fmt.Fprintf(&b, "One mesibo_group_membership resource of a configuration manages a member of a group. This "+
			"membership (Terraform names it below) and %s both list %s of group %d (addresses that differ only in "+
			"case or Unicode form count as one).", c.theirs.holder, quoteAddresses(spellings), o.gid)
		if c.mine.perms != c.theirs.perms {
			fmt.Fprintf(&b, " The two give them different permissions: this one gives %s; the other gives %s. A "+
				"member has one set of permissions in a group.", c.mine.perms, c.theirs.perms)
		}
	case objectMemberList:
		typ = "mesibo_group_membership"
		fmt.Fprintf(&b, "An exclusive mesibo_group_membership owns the whole member list of its group, so no other "+
			"mesibo_group_membership may manage members of that group. This membership (Terraform names it below) "+
			"and %s both manage the members of group %d, and one of the two is exclusive.", c.theirs.holder, o.gid)
	}
	switch c.how {
	case theyHoldInState:
		b.WriteString(" The other one is in state, so after this plan it would still hold it or delete it.")
	case theyDestroy:
		b.WriteString(" This plan destroys the other one, and its Delete would delete what this resource manages.")
	case weDestroy:
		b.WriteString(" This plan destroys this resource, and its Delete would delete what the other one manages.")
	}
	if c.how == theyDestroy || c.how == weDestroy {
		b.WriteString(" If the two are one resource whose address in the configuration changed (a renamed resource, " +
			"a new for_each key), add a moved block from the old address to the new one instead.")
	}
	b.WriteString(" The provider does not learn the Terraform address of a resource, so it describes the other one " +
		"by what it manages. Nothing was changed.\n\n")
	switch o.kind {
	case objectMember:
		b.WriteString("List each address in one membership resource of the group: members with other " +
			"permissions go in a membership of their own.")
	case objectMemberList:
		b.WriteString("Give the group either one exclusive membership or only memberships with exclusive = false.")
	default:
		b.WriteString("Keep one of the two. A resource written only to import the object a second time (an import " +
			"block, or the configuration terraform query -generate-config-out wrote) can simply be deleted " +
			"before it is applied; a module used more than once needs an address or group per instance.")
	}
	b.WriteString(" To drop a resource that is in state without deleting what it manages, " + forgetAdvice(typ) +
		": either way Terraform forgets it and Mesibo keeps the object.")
	return b.String()
}

// Where a claim comes from, for the other resource's error.
const importedAs = "just imported (by an import block or terraform import)"

// groupInState says that a group is in state; userInState that a user is.
const groupInState = "in state"

func userInState(uid int64) string { return fmt.Sprintf("in state with UID %d", uid) }

// userClaim is the claim of a mesibo_user resource on the user with
// address; where says where it is ("in state with UID 7").
func userClaim(address, where string) claim {
	return claim{object: ownedUser(address), spelling: address,
		holder: fmt.Sprintf("another mesibo_user resource, with address %q, %s,", address, where)}
}

// groupClaim is the claim of a mesibo_group resource on group gid.
func groupClaim(gid int64, where string) claim {
	return claim{object: ownedGroup(gid), holder: fmt.Sprintf("another mesibo_group resource, of group %d, %s,", gid, where)}
}

// membershipClaims are the claims of a mesibo_group_membership resource of
// group gid that lists members: each member, and the group's member list,
// alone when it is exclusive.
func membershipClaims(gid int64, members []string, exclusive bool, perms *mesibo.Permissions) []claim {
	kind := "a mesibo_group_membership"
	if exclusive {
		kind = "an exclusive mesibo_group_membership"
	}
	holder := fmt.Sprintf("another resource, %s of group %d that lists %s,", kind, gid, quoteAddresses(members))
	if len(members) == 0 {
		holder = fmt.Sprintf("another resource, %s of group %d that lists no member,", kind, gid)
	}
	claims := []claim{{object: ownedMemberList(gid), shared: !exclusive, holder: holder}}
	for _, m := range members {
		claims = append(claims, claim{object: ownedMember(gid, m), spelling: m, holder: holder, perms: describePermissions(perms)})
	}
	return claims
}

// planUser is the ownership's part of a mesibo_user's ModifyPlan: it
// records the user the resource holds after the plan and the one the plan
// destroys (of a resource destroyed, or replaced with another address),
// and reports the conflicts with other resources.
func (o *owners) planUser(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var to privateSetter // a destroy plan keeps nothing
	if !req.Plan.Raw.IsNull() {
		to = resp.Private
	}
	key := ownerKey(ctx, req.Private, to, &resp.Diagnostics)
	var prior, planned types.String
	var uid types.Int64
	var expiry wholeNumber
	hasPrior := !req.State.Raw.IsNull()
	if hasPrior {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("address"), &prior)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("uid"), &uid)...)
		// Only an import leaves the token settings null.
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("token_expiry_minutes"), &expiry)...)
	}
	if !req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("address"), &planned)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var after, destroys []claim
	known := !planned.IsNull() && !planned.IsUnknown()
	if known {
		where := "which this plan creates"
		switch {
		case hasPrior && foldAddress(prior.ValueString()) == foldAddress(planned.ValueString()) && expiry.IsNull():
			where = userInState(uid.ValueInt64()) + ", " + importedAs
		case hasPrior && foldAddress(prior.ValueString()) == foldAddress(planned.ValueString()):
			where = userInState(uid.ValueInt64())
		case hasPrior:
			where = "which this plan replaces to give it this address"
		}
		after = append(after, userClaim(planned.ValueString(), where))
	}
	if hasPrior && !prior.IsNull() && (req.Plan.Raw.IsNull() || known && foldAddress(prior.ValueString()) != foldAddress(planned.ValueString())) {
		destroys = append(destroys, userClaim(prior.ValueString(), userInState(uid.ValueInt64())))
	}
	resp.Diagnostics.Append(conflictDiagnostics(o.plan(key, hasPrior, after, destroys))...)
}

// planGroup is the ownership's part of a mesibo_group's ModifyPlan: a group
// in state is held after the plan, or destroyed by it. A group that the plan
// creates gets a new GID, which nothing else can hold.
func (o *owners) planGroup(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return
	}
	var to privateSetter // a destroy plan keeps nothing
	if !req.Plan.Raw.IsNull() {
		to = resp.Private
	}
	key := ownerKey(ctx, req.Private, to, &resp.Diagnostics)
	var gid types.Int64
	var active types.Bool
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("gid"), &gid)...)
	// Only an import leaves the settings null.
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("active"), &active)...)
	if resp.Diagnostics.HasError() || gid.IsNull() {
		return
	}
	where := groupInState
	if active.IsNull() {
		where = importedAs
	}
	c := groupClaim(gid.ValueInt64(), where)
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(conflictDiagnostics(o.plan(key, true, nil, []claim{c}))...)
		return
	}
	resp.Diagnostics.Append(conflictDiagnostics(o.plan(key, true, []claim{c}, nil))...)
}

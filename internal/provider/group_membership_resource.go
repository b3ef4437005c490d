package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ resource.Resource                = &groupMembershipResource{}
	_ resource.ResourceWithConfigure   = &groupMembershipResource{}
	_ resource.ResourceWithImportState = &groupMembershipResource{}
	_ resource.ResourceWithModifyPlan  = &groupMembershipResource{}
	_ resource.ResourceWithIdentity    = &groupMembershipResource{}
)

// NewGroupMembershipResource returns the mesibo_group_membership resource.
func NewGroupMembershipResource() resource.Resource { return &groupMembershipResource{} }

type groupMembershipResource struct{ data *providerData }

type groupMembershipModel struct {
	ID          types.String `tfsdk:"id"`
	GID         wholeNumber  `tfsdk:"gid"`
	Members     addressSet   `tfsdk:"members"`
	Exclusive   types.Bool   `tfsdk:"exclusive"`
	Permissions types.Object `tfsdk:"permissions"`
}

// memberList is the one converter from the members set to addresses.
func (m groupMembershipModel) memberList() []string {
	out := make([]string, 0, len(m.Members.Elements()))
	for _, v := range m.Members.Elements() {
		if s, ok := v.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	slices.Sort(out)
	return out
}

// setMembers is the one converter from addresses to the members set.
func (m *groupMembershipModel) setMembers(addresses []string) {
	sorted := slices.Clone(addresses)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	elems := make([]attr.Value, 0, len(sorted))
	for _, a := range sorted {
		elems = append(elems, types.StringValue(a))
	}
	m.Members = addressSet{SetValue: types.SetValueMust(types.StringType, elems)}
}

func (m *groupMembershipModel) setGID(gid int64) {
	m.GID = wholeNumberValue(gid)
	m.ID = types.StringValue(strconv.FormatInt(gid, 10))
}

func (r *groupMembershipResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group_membership"
}

func (r *groupMembershipResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The members of a Mesibo group, added and removed with `groupeditmembers`.\n\n" +
			"By default the resource manages only the members it lists and leaves alone members added by apps or other " +
			"configurations; with `exclusive = true` it owns the whole member list and removes members it does not list.\n\n" +
			fmt.Sprintf("`groupgetmembers` returns at most %d members. For a group with %d or more members the provider "+
				"cannot see them all: it never reports drift it cannot see and never forgets a member it cannot confirm, "+
				"and in exclusive mode it warns that members beyond the first %d cannot be checked.",
				mesibo.MaxListCount, mesibo.MaxListCount, mesibo.MaxListCount),
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The group's GID, as a string.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"gid": schema.Int64Attribute{
				CustomType:          wholeNumberType{},
				MarkdownDescription: "The GID of the group, usually `mesibo_group.<name>.gid`, a positive number. Changing it replaces the membership.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"members": schema.SetAttribute{
				MarkdownDescription: "The addresses of the members, each " + addressRules + ". They need not be " +
					"`mesibo_user` resources, but referring to `mesibo_user.<name>.address` makes Terraform create the " +
					"users first.",
				CustomType:  addressSetTypeOf,
				ElementType: types.StringType,
				Required:    true,
				Validators:  []validator.Set{setvalidator.NoNullValues(), setvalidator.ValueStringsAre(addressValidator{})},
			},
			"exclusive": schema.BoolAttribute{
				MarkdownDescription: "When `false` (the default), only the listed members are managed. When `true`, the list " +
					"is the group's whole membership: members found that are not listed are drift, which the plan shows, and " +
					"apply removes them. The apply that creates an exclusive membership or turns `exclusive` on removes none " +
					"of them (its plan names them in a warning): the next plan shows them, and its apply removes them.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"permissions": permissionsSchema(),
		},
	}
}

func (r *groupMembershipResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = gidIdentitySchema("The GID of the group whose members the membership manages.")
}

func (r *groupMembershipResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// unlistedWarning is the warning of a plan that makes a membership of group
// gid exclusive, by creating it or by turning exclusive on: it names the
// members the group has that the membership neither lists nor holds in its
// state (whose removal the plan shows), which that apply leaves alone, and
// which the next plan shows as drift to remove. It
// reads the group's members for that; when they cannot be read it says
// nothing, and the apply reports what is wrong.
func (r *groupMembershipResource) unlistedWarning(ctx context.Context, gid int64, listed, inState []string) diag.Diagnostics {
	var diags diag.Diagnostics
	ctx = r.data.logContext(ctx)
	gm, err := r.data.client.GetGroupMembers(ctx, gid, mesibo.MaxListCount)
	if err != nil {
		tflog.Debug(ctx, "Could not read the members of the group at plan time", map[string]any{"gid": gid, "error": err.Error()})
		return diags
	}
	var unlisted []string
	for _, m := range gm.Members {
		_, isListed := slices.BinarySearch(listed, m.Address) // both are sorted
		_, isInState := slices.BinarySearch(inState, m.Address)
		if !isListed && !isInState {
			unlisted = append(unlisted, m.Address)
		}
	}
	slices.Sort(unlisted)
	diags.Append(truncationWarning(gid, gm.MayBeTruncated, true)...)
	if len(unlisted) > 0 {
		diags.AddAttributeWarning(path.Root("exclusive"), summaryExclusiveRemovesLater, fmt.Sprintf("This exclusive "+
			"membership of group %d owns the group's whole member list. It does not list %s, which group %d has now. "+
			"This apply adds the listed members and removes no other: the next plan shows the members that are not "+
			"listed as drift, and its apply removes them. Add the members to keep to members, or set exclusive = false.",
			gid, quoteAddresses(unlisted), gid))
	}
	return diags
}

// truncationWarning warns when Mesibo listed only the first members of a
// group (truncated) and the membership needs the whole list: in exclusive
// mode, and when an import takes the members as they are.
func truncationWarning(gid int64, truncated, needsWholeList bool) diag.Diagnostics {
	var diags diag.Diagnostics
	if truncated && needsWholeList {
		diags.AddWarning(summaryMembersNotChecked, fmt.Sprintf("Group %d has at least %d members, the most Mesibo's "+
			"groupgetmembers lists. Members beyond those cannot be seen, so members that are not listed in exclusive "+
			"mode may remain, and listed members that were removed outside Terraform may go unnoticed.",
			gid, mesibo.MaxListCount))
	}
	return diags
}

// ModifyPlan records what the membership lists after the plan in the
// provider's ownership, which refuses a plan in which two memberships list one
// member of a group or an exclusive membership shares its group (see owners);
// decides what a membership whose state has no record of what it declared
// (written by an earlier version) declares; and warns about what the apply
// leaves in the group although the plan shows it leaving members.
func (r *groupMembershipResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	var to privateSetter // a destroy plan keeps its key nowhere
	if !req.Plan.Raw.IsNull() {
		to = resp.Private
	}
	key := ownerKey(ctx, req.Private, to, &resp.Diagnostics)
	hasPrior := !req.State.Raw.IsNull()
	var prior groupMembershipModel
	if hasPrior {
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	inState := prior.memberList()
	declared, recorded := declaredFrom(ctx, req.Private, inState, &resp.Diagnostics)

	if req.Plan.Raw.IsNull() {
		// Destroyed: it holds nothing after the plan.
		r.data.memberships.withdraw(key)
		r.data.owners.plan(key, true, nil, nil)
		if hasPrior && !recorded {
			exclusive := prior.Exclusive.ValueBool()
			d, ok := legacyDeclared(inState, nil, false, exclusive)
			if !ok {
				resp.Diagnostics.AddError(summaryExclusiveLegacyDestroy, legacyExclusiveDestroyDetail(prior.GID.ValueInt64(), inState))
				return
			}
			saveDeclared(ctx, resp.Private, d, &resp.Diagnostics)
		}
		return
	}
	var plan groupMembershipModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.GID.IsUnknown() || plan.Members.IsUnknown() || plan.Exclusive.IsUnknown() || plan.Permissions.IsUnknown() {
		return
	}
	gid := plan.GID.ValueInt64()
	listed := plan.memberList()
	if hasPrior && !recorded {
		// Update and Delete of this apply go by what this plan decides.
		declared, _ = legacyDeclared(inState, listed, true, prior.Exclusive.ValueBool())
		saveDeclared(ctx, resp.Private, declared, &resp.Diagnostics)
	}
	// A membership that the plan creates is pending: its Create claims
	// the declaration (see membershipRegistry.edit).
	d := newDeclaration(listed, plan.Exclusive.ValueBool(), !hasPrior)
	r.data.memberships.declare(gid, key, d)
	conflicts := r.data.owners.plan(key, hasPrior, membershipClaims(gid, d.members, d.exclusive, permissionsFrom(plan.Permissions)), nil)
	if resp.Diagnostics.Append(conflictDiagnostics(conflicts)...); resp.Diagnostics.HasError() {
		return
	}

	replaced := hasPrior && prior.GID.ValueInt64() != gid
	switch {
	case d.exclusive && (!hasPrior || replaced || !prior.Exclusive.ValueBool()):
		// Created exclusive, moved to another group, or turned exclusive:
		// the plan shows the removal of what the state holds (all of an
		// imported group's members), not of the group's other members.
		if replaced {
			inState = nil
		}
		resp.Diagnostics.Append(r.unlistedWarning(ctx, gid, d.members, inState)...)
	case !d.exclusive && hasPrior && !replaced:
		if stay := difference(difference(inState, d.members), declared); len(stay) > 0 {
			resp.Diagnostics.AddAttributeWarning(path.Root("members"), summaryMembersStay, membersStayDetail(gid, stay))
		}
	}
}

// membersStayDetail explains why the members stay, which leave members in a
// plan of a membership of group gid that is not exclusive.
func membersStayDetail(gid int64, stay []string) string {
	return fmt.Sprintf("This plan takes %s out of members, but they stay in group %d: a membership that is not "+
		"exclusive removes only the members it declared at its last apply, and it did not declare them (it was "+
		"imported, its refresh found them while it was exclusive, or its state was written by an earlier version of "+
		"the provider, which did not record what it declared). If they should leave the group, list them in "+
		"members, apply, and then take them out again; or remove them in Mesibo.", quoteAddresses(stay), gid)
}

// legacyExclusiveDestroyDetail explains why the destroy of an exclusive
// membership of group gid whose state has no record of what it declared is
// refused, and what to do.
func legacyExclusiveDestroyDetail(gid int64, inState []string) string {
	return fmt.Sprintf("The state of this exclusive membership of group %d was written by an earlier version of the "+
		"provider, which did not record which of its members in state (%s) it added, and which its refreshes found "+
		"in the group and recorded there as drift (members added by apps, for example). Destroying it would remove "+
		"members that the provider cannot attribute to it, so this plan stops here, and nothing was changed.\n\n"+
		"To destroy it and remove only the members it lists: keep it in the configuration (put it back if you "+
		"removed it), set exclusive = false, and run terraform apply; that apply removes no member, and records the "+
		"members the configuration lists as the membership's own. Then destroy it. To stop managing it and keep every "+
		"member, %s.", gid, quoteAddresses(inState), forgetAdvice("mesibo_group_membership"))
}

func (r *groupMembershipResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	var plan groupMembershipModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := plan.GID.ValueInt64()
	members := plan.memberList()
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, plan.GID.Int64Value)...)
	if len(members) == 0 {
		// Nothing to add, so no call would notice a wrong gid.
		if _, err := r.data.client.GetGroupMembers(ctx, gid, 1); err != nil {
			addMembershipError(&resp.Diagnostics, summaryCreateMember, gid, "read the members of", true, err)
			return
		}
	}
	// An exclusive membership removes no member here: members that it
	// does not list are not in this plan. Its next refresh records them as
	// drift, and the apply of the plan that shows them removes them.
	d := newDeclaration(members, plan.Exclusive.ValueBool(), false)
	res := r.data.memberships.edit(ctx, r.data.client, memberChange{gid: gid, create: true, declares: &d, add: members,
		perms: permissionsFrom(plan.Permissions)})
	if res.err != nil {
		addMembershipError(&resp.Diagnostics, summaryCreateMember, gid, res.failed, true, res.err)
		return
	}
	tflog.Debug(ctx, "Mesibo group members added", map[string]any{"gid": gid, "added": len(res.sent.add)})
	saveOwnerKey(ctx, resp.Private, res.key, &resp.Diagnostics)
	saveDeclared(ctx, resp.Private, members, &resp.Diagnostics)
	plan.setGID(gid)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// quoteAddresses lists addresses for a message, at most ten of them.
func quoteAddresses(addresses []string) string {
	const most = 10
	quoted := make([]string, 0, most)
	for i, a := range addresses {
		if i == most {
			break
		}
		quoted = append(quoted, strconv.Quote(a))
	}
	s := strings.Join(quoted, ", ")
	if n := len(addresses) - most; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	if len(addresses) == 1 {
		return "address " + s
	}
	return "addresses " + s
}

// membershipAction is the first sentence of a membership error.
func membershipAction(gid int64, verb string) string {
	return fmt.Sprintf("Could not %s group %d.", verb, gid)
}

// membershipGoneNext and membershipNoGroupNext say what the next apply does
// about a membership whose group no longer exists, when the membership is in
// state and when it is being created.
const (
	membershipGoneNext = "Run terraform apply again: its refresh drops this membership from state. If the group " +
		"is managed in the same configuration (gid = mesibo_group.<name>.gid), that apply also creates the group " +
		"anew, and then this membership with all its members; otherwise set gid to the GID of an existing group first."
	membershipNoGroupNext = "If the group is managed in the same configuration (gid = mesibo_group.<name>.gid), run " +
		"terraform apply again: its refresh notices that the group is gone, and it creates the group anew and then " +
		"this membership with all its members. Otherwise set gid to the GID of an existing group."
)

// addMembershipError reports a failed call of a membership operation. A
// group that no longer exists gets the same message from every operation;
// when creating, it may also never have existed.
func addMembershipError(diags *diag.Diagnostics, summary string, gid int64, verb string, creating bool, err error) {
	switch {
	case !errors.Is(err, mesibo.ErrNotFound):
		addAPIError(diags, summary, membershipAction(gid, verb), err)
	case creating:
		diags.AddError(summary, fmt.Sprintf("Group %d does not exist in Mesibo: either it was deleted outside "+
			"Terraform after the plan was made, or gid does not name a group. Nothing was changed. %s\n\n%s",
			gid, membershipNoGroupNext, err))
	default:
		addGoneError(diags, summary, fmt.Sprintf("Group %d", gid), membershipGoneNext, err)
	}
}

func (r *groupMembershipResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx = r.data.logContext(ctx)
	var state groupMembershipModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	// Every path below, the removal from state included, keeps the identity.
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, state.GID.Int64Value)...)
	key := ownerKey(ctx, req.Private, resp.Private, &resp.Diagnostics)
	gm, err := r.data.client.GetGroupMembers(ctx, gid, mesibo.MaxListCount)
	if errors.Is(err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo group not found, removing its membership from state", map[string]any{"gid": gid})
		r.data.memberships.withdraw(key)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryReadMember, membershipAction(gid, "read the members of"), err)
		return
	}
	present := make([]string, 0, len(gm.Members))
	for _, m := range gm.Members {
		present = append(present, m.Address)
	}
	importing := state.Members.IsNull()
	exclusive := state.Exclusive.ValueBool()
	inState := state.memberList()
	declared, recorded := declaredFrom(ctx, req.Private, inState, &resp.Diagnostics)
	members, note := reconcileMembers(importing, inState, present, exclusive, gm.MayBeTruncated)
	if note.unconfirmed > 0 || note.missing > 0 || len(note.unlisted) > 0 {
		tflog.Debug(ctx, "Mesibo group membership refreshed", map[string]any{
			"gid": gid, "missing": note.missing, "unlisted": len(note.unlisted), "unconfirmed": note.unconfirmed, "truncated": gm.MayBeTruncated,
		})
	}
	resp.Diagnostics.Append(truncationWarning(gid, gm.MayBeTruncated, exclusive || importing)...)
	if !importing {
		state.Permissions = permissionsRead(ctx, state.Permissions, inState, gm.Members)
	}
	state.setGID(gid)
	state.setMembers(members)
	if state.Exclusive.IsNull() {
		state.Exclusive = types.BoolValue(false)
	}
	// What the membership declares is kept as its last apply recorded it;
	// state from an earlier version is decided by the next plan, which
	// sees the configuration.
	if recorded {
		saveDeclared(ctx, resp.Private, declared, &resp.Diagnostics)
	} else {
		declared = inState
	}
	r.data.memberships.declare(gid, key, newDeclaration(declared, exclusive, false))
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// permissionsRead returns the permissions to record after a refresh, given
// those in state, the members the membership lists (sorted) and the members
// the API answered: null stays null (none are read); where the answer
// reports the permissions of a listed member that differ from those in
// state, the first such member's (by address), which the plan shows as
// drift; else those in state, also for members whose permissions the
// answer does not report.
func permissionsRead(ctx context.Context, inState types.Object, listed []string, present []mesibo.Member) types.Object {
	want := permissionsFrom(inState)
	if want == nil {
		return inState
	}
	var differing []mesibo.Member
	for _, m := range present {
		if _, ok := slices.BinarySearch(listed, m.Address); ok && m.Permissions != nil && *m.Permissions != *want {
			differing = append(differing, m)
		}
	}
	if len(differing) == 0 {
		return inState
	}
	slices.SortFunc(differing, func(a, b mesibo.Member) int { return strings.Compare(a.Address, b.Address) })
	tflog.Debug(ctx, "Mesibo group members with other permissions than declared", map[string]any{
		"members": len(differing), "first": differing[0].Address,
	})
	return permissionsObject(differing[0].Permissions)
}

// readNote is what a refresh found.
type readNote struct {
	missing     int      // declared, confirmed absent
	unconfirmed int      // declared, not visible in a truncated answer
	unlisted    []string // present, not declared (drift in exclusive mode)
}

// reconcileMembers decides the members to record after a refresh, given the
// members the membership declares (importing: none yet), the members the API
// listed, and whether that list may be truncated. It never invents drift from
// a truncated list and never forgets a member it could not check.
func reconcileMembers(importing bool, declared, present []string, exclusive, truncated bool) ([]string, readNote) {
	var note readNote
	if importing {
		return present, note
	}
	out := make([]string, 0, len(declared))
	for _, a := range declared {
		switch {
		case slices.Contains(present, a):
			out = append(out, a)
		case truncated:
			note.unconfirmed++
			out = append(out, a)
		default:
			note.missing++
		}
	}
	for _, a := range present {
		if !slices.Contains(declared, a) {
			note.unlisted = append(note.unlisted, a)
			if exclusive {
				out = append(out, a)
			}
		}
	}
	return out, note
}

func (r *groupMembershipResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = r.data.logContext(ctx)
	var plan, state groupMembershipModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, state.GID.Int64Value)...)
	oldList, newList := state.memberList(), plan.memberList()
	// req.Private holds what the plan decided: the key, and what the
	// membership declared at its last apply.
	key := ownerKey(ctx, req.Private, resp.Private, &resp.Diagnostics)
	declared, recorded := declaredFrom(ctx, req.Private, oldList, &resp.Diagnostics)
	if !recorded {
		declared, _ = legacyDeclared(oldList, newList, true, state.Exclusive.ValueBool())
	}
	toAdd, toRemove := difference(newList, oldList), difference(oldList, newList)
	perms := permissionsFrom(plan.Permissions)
	if perms != nil && !samePermissions(perms, permissionsFrom(state.Permissions)) {
		// New permissions, or drift the refresh found: every listed member
		// is added again with them, in place.
		toAdd = newList
	}
	if !plan.Exclusive.ValueBool() {
		// Only an exclusive membership removes what it did not declare:
		// the members an import found, the drift an exclusive refresh
		// recorded (turning exclusive off keeps it).
		toRemove = intersection(toRemove, declared)
	}
	// Turning exclusive on removes only what the plan shows: the members
	// it does not list are recorded as drift by the next refresh, and the
	// apply of the plan that shows them removes them.
	d := newDeclaration(newList, plan.Exclusive.ValueBool(), false)
	res := r.data.memberships.edit(ctx, r.data.client, memberChange{gid: gid, key: key, declares: &d, add: toAdd, remove: toRemove,
		perms: perms})
	if res.err != nil {
		if res.added {
			// The additions happened; the removals may not have.
			state.setMembers(append(oldList, res.sent.add...))
			saveDeclared(ctx, resp.Private, append(declared, res.sent.add...), &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		}
		addMembershipError(&resp.Diagnostics, summaryUpdateMember, gid, res.failed, false, res.err)
		return
	}
	if len(res.sent.add) == 0 && len(res.sent.remove) == 0 {
		// Nothing was sent, so no call noticed a group deleted since the
		// plan.
		if _, err := r.data.client.GetGroupMembers(ctx, gid, 1); err != nil {
			addMembershipError(&resp.Diagnostics, summaryUpdateMember, gid, "read the members of", false, err)
			return
		}
	}
	tflog.Debug(ctx, "Mesibo group members changed", map[string]any{
		"gid": gid, "added": len(res.sent.add), "removed": len(res.sent.remove),
		"kept_for_other_memberships": len(res.sent.kept), "added_back": len(res.sent.readded),
	})
	plan.setGID(gid)
	saveDeclared(ctx, resp.Private, newList, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *groupMembershipResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = r.data.logContext(ctx)
	var state groupMembershipModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	inState := state.memberList()
	// Only what the membership declared goes: not the drift a refresh
	// recorded in an exclusive membership's state, nor what an import found.
	// The destroy plan decided it for state from an earlier version.
	declared, recorded := declaredFrom(ctx, req.Private, inState, &resp.Diagnostics)
	if !recorded {
		declared, _ = legacyDeclared(inState, nil, false, state.Exclusive.ValueBool())
	}
	key := ownerKey(ctx, req.Private, nil, &resp.Diagnostics)
	res := r.data.memberships.edit(ctx, r.data.client, memberChange{gid: gid, key: key, remove: intersection(inState, declared)})
	if errors.Is(res.err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo group already gone", map[string]any{"gid": gid})
		return
	}
	if res.err != nil {
		addAPIError(&resp.Diagnostics, summaryDeleteMember, membershipAction(gid, res.failed), res.err)
		return
	}
	tflog.Debug(ctx, "Mesibo group members removed", map[string]any{
		"gid": gid, "removed": len(res.sent.remove), "kept_for_other_memberships": len(res.sent.kept),
	})
}

// ImportState takes the group's GID, as the import ID or the identity's gid;
// the refresh that follows fills members with the group's current members.
// An import declares none of them: the membership removes only members it
// declares at an apply, so its first apply leaves the group as it is, and its
// plan names the members that stay although they leave members.
func (r *groupMembershipResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	gid, ok := importedGID(ctx, "mesibo_group_membership", req, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, types.Int64Value(gid))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("gid"), gid)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strconv.FormatInt(gid, 10))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("exclusive"), false)...)
	newOwnerKey(ctx, resp.Private, &resp.Diagnostics)
	saveDeclared(ctx, resp.Private, nil, &resp.Diagnostics)
}

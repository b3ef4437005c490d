package provider

import (
	"context"
	"encoding/json"
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
)

// NewGroupMembershipResource returns the mesibo_group_membership resource.
func NewGroupMembershipResource() resource.Resource { return &groupMembershipResource{} }

type groupMembershipResource struct{ data *providerData }

type groupMembershipModel struct {
	ID        types.String `tfsdk:"id"`
	GID       wholeNumber  `tfsdk:"gid"`
	Members   addressSet   `tfsdk:"members"`
	Exclusive types.Bool   `tfsdk:"exclusive"`
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
		},
	}
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

// membershipPrivateKey names the private state value that holds a
// membership's key in the provider's membershipRegistry.
const membershipPrivateKey = "membership_key"

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

// membershipKeyFrom returns the membership's key from its private state,
// or a new key when it has none yet.
func membershipKeyFrom(ctx context.Context, private privateGetter, diags *diag.Diagnostics) string {
	raw, d := private.GetKey(ctx, membershipPrivateKey)
	diags.Append(d...)
	var key string
	if len(raw) > 0 && json.Unmarshal(raw, &key) == nil && key != "" {
		return key
	}
	return randomID()
}

// saveMembershipKey keeps the membership's key in its private state, as a
// JSON string (the key is hex, so quoting it is all it takes).
func saveMembershipKey(ctx context.Context, private privateSetter, key string, diags *diag.Diagnostics) {
	diags.Append(private.SetKey(ctx, membershipPrivateKey, []byte(strconv.Quote(key)))...)
}

// membershipUnlistedKey names the private state value that holds the
// members an exclusive membership's last refresh found in its group without
// listing them: the drift that its state records in members, so that the
// plan shows their removal. They are not what the membership declares, and
// only an exclusive membership's update removes them. Delete, an update
// that turns exclusive off and the registry tell them apart by this value,
// whichever state Terraform hands them (before or after the refresh: it
// differs between CLIs).
const membershipUnlistedKey = "unlisted_members"

// unlistedFrom returns the drift an exclusive membership's last refresh
// recorded (see membershipUnlistedKey), sorted; none when there is none.
func unlistedFrom(ctx context.Context, private privateGetter, diags *diag.Diagnostics) []string {
	raw, d := private.GetKey(ctx, membershipUnlistedKey)
	diags.Append(d...)
	var unlisted []string
	if len(raw) > 0 && json.Unmarshal(raw, &unlisted) == nil {
		slices.Sort(unlisted)
		return unlisted
	}
	return nil
}

// saveUnlisted keeps the drift a refresh recorded in the private state; none
// removes the value.
func saveUnlisted(ctx context.Context, private privateSetter, unlisted []string, diags *diag.Diagnostics) {
	var raw []byte
	if len(unlisted) > 0 {
		raw, _ = json.Marshal(unlisted) // a []string always encodes
	}
	diags.Append(private.SetKey(ctx, membershipUnlistedKey, raw)...)
}

// ModifyPlan tells the provider's membership registry what the membership
// is about to declare, and warns when it shares addresses or an exclusive
// group with another membership resource this provider has seen.
func (r *groupMembershipResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	key := membershipKeyFrom(ctx, req.Private, &resp.Diagnostics)
	if req.Plan.Raw.IsNull() {
		r.data.memberships.withdraw(key)
		return
	}
	var plan groupMembershipModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	saveMembershipKey(ctx, resp.Private, key, &resp.Diagnostics)
	if plan.GID.IsUnknown() || plan.Members.IsUnknown() || plan.Exclusive.IsUnknown() {
		return
	}
	gid := plan.GID.ValueInt64()
	// A membership that the plan creates is pending: its Create claims
	// the declaration (see membershipRegistry.claim).
	d := newDeclaration(plan.memberList(), plan.Exclusive.ValueBool(), req.State.Raw.IsNull())
	r.data.memberships.declare(gid, key, d)
	resp.Diagnostics.Append(membershipPlanWarnings(gid, d, r.data.memberships.others(gid, key))...)
	if !d.exclusive {
		return
	}
	var prior groupMembershipModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("exclusive"), &prior.Exclusive)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("members"), &prior.Members)...)
	}
	if !prior.Exclusive.ValueBool() {
		// Created exclusive, or turned exclusive: the plan shows the
		// removal of what the state holds (all of an imported group's
		// members), not of the group's other members.
		resp.Diagnostics.Append(r.unlistedWarning(ctx, gid, d.members, prior.memberList())...)
	}
}

// membershipPlanWarnings warns about a membership of group gid that declares
// self, given what the other membership resources of the group declare:
// when it lists an address that another lists too, and when it or another
// is exclusive.
func membershipPlanWarnings(gid int64, self declaration, others []declaration) diag.Diagnostics {
	var diags diag.Diagnostics
	if len(others) == 0 {
		return diags
	}
	var shared []string
	exclusive := self.exclusive
	for _, o := range others {
		exclusive = exclusive || o.exclusive
		for _, a := range o.members {
			if _, found := slices.BinarySearch(self.members, a); found { // members are sorted
				shared = append(shared, a)
			}
		}
	}
	slices.Sort(shared)
	shared = slices.Compact(shared)
	if len(shared) > 0 {
		diags.AddAttributeWarning(path.Root("members"), summaryMemberListedTwice, fmt.Sprintf("Another "+
			"mesibo_group_membership resource of group %d lists %s too. Both manage it: when one of the two drops "+
			"an address, or is destroyed, in an apply in which the other does not change, the address leaves the "+
			"group, and only the apply after that adds it back. List each address in one membership resource.",
			gid, quoteAddresses(shared)))
	}
	if exclusive {
		diags.AddAttributeWarning(path.Root("members"), summaryExclusiveShared, fmt.Sprintf("Group %d has an "+
			"exclusive mesibo_group_membership and another mesibo_group_membership resource. The exclusive one "+
			"sees the members that only the other lists as drift at every refresh and removes them whenever the "+
			"other does not change in the same apply; the other then adds them back, so the group keeps changing. "+
			"Give a group either one exclusive membership or only memberships with exclusive = false.", gid))
	}
	return diags
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

func (r *groupMembershipResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	var plan groupMembershipModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := plan.GID.ValueInt64()
	members := plan.memberList()
	client := r.data.client
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, plan.GID.Int64Value)...)

	// Create cannot see the key its plan chose: it takes the declaration
	// the plan made, or makes its own.
	registry := &r.data.memberships
	d := newDeclaration(members, plan.Exclusive.ValueBool(), false)
	key := registry.claim(gid, d)
	if key == "" {
		key = randomID()
	}
	registry.declare(gid, key, d)
	saveMembershipKey(ctx, resp.Private, key, &resp.Diagnostics)
	edit := registry.begin(gid, key)
	defer edit.end()
	fail := func(verb string, err error) {
		// The membership does not exist: it declares nothing.
		registry.withdraw(key)
		addMembershipError(&resp.Diagnostics, summaryCreateMember, gid, verb, true, err)
	}

	// An exclusive membership removes no member here: members that it
	// does not list are not in this plan. Its next refresh records them as
	// drift, and the apply of the plan that shows them removes them.
	if len(members) == 0 {
		// Nothing to add, so no call would notice a wrong gid.
		if _, err := client.GetGroupMembers(ctx, gid, 1); err != nil {
			fail("read the members of", err)
			return
		}
	}
	p := edit.decide(members, nil)
	if err := client.AddGroupMembers(ctx, gid, p.add); err != nil {
		fail("add members to", err)
		return
	}
	edit.added(p.add)
	tflog.Debug(ctx, "Mesibo group members added", map[string]any{"gid": gid, "added": len(p.add)})
	plan.setGID(gid)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
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
	key := membershipKeyFrom(ctx, req.Private, &resp.Diagnostics)
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
	// What the membership declares: its members in state, without the
	// drift an earlier refresh recorded there.
	declared := difference(state.memberList(), unlistedFrom(ctx, req.Private, &resp.Diagnostics))
	members, note := reconcileMembers(importing, declared, present, exclusive, gm.MayBeTruncated)
	if note.unconfirmed > 0 || note.missing > 0 || len(note.unlisted) > 0 {
		tflog.Debug(ctx, "Mesibo group membership refreshed", map[string]any{
			"gid": gid, "missing": note.missing, "unlisted": len(note.unlisted), "unconfirmed": note.unconfirmed, "truncated": gm.MayBeTruncated,
		})
	}
	resp.Diagnostics.Append(truncationWarning(gid, gm.MayBeTruncated, exclusive || importing)...)
	if importing {
		declared = members
	}
	var drift []string
	if exclusive {
		drift = note.unlisted
	}
	state.setGID(gid)
	state.setMembers(members)
	if state.Exclusive.IsNull() {
		state.Exclusive = types.BoolValue(false)
	}
	r.data.memberships.declare(gid, key, newDeclaration(declared, exclusive, false))
	saveMembershipKey(ctx, resp.Private, key, &resp.Diagnostics)
	saveUnlisted(ctx, resp.Private, drift, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
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
	toAdd, toRemove := difference(newList, oldList), difference(oldList, newList)
	if !plan.Exclusive.ValueBool() {
		// The drift an exclusive refresh recorded goes only while the
		// membership stays exclusive: turning exclusive off keeps it.
		toRemove = difference(toRemove, unlistedFrom(ctx, req.Private, &resp.Diagnostics))
	}
	// Turning exclusive on removes only what the plan shows: the members
	// it does not list are recorded as drift by the next refresh, and the
	// apply of the plan that shows them removes them.

	// req.Private holds the key the plan chose.
	registry := &r.data.memberships
	key := membershipKeyFrom(ctx, req.Private, &resp.Diagnostics)
	registry.declare(gid, key, newDeclaration(newList, plan.Exclusive.ValueBool(), false))
	saveMembershipKey(ctx, resp.Private, key, &resp.Diagnostics)
	edit := registry.begin(gid, key)
	defer edit.end()

	p := edit.decide(toAdd, toRemove)
	client := r.data.client
	if len(p.add) == 0 && len(p.remove) == 0 {
		// Nothing to send, so no call would notice a group deleted since
		// the plan.
		if _, err := client.GetGroupMembers(ctx, gid, 1); err != nil {
			addMembershipError(&resp.Diagnostics, summaryUpdateMember, gid, "read the members of", false, err)
			return
		}
	}
	if len(p.add) > 0 {
		if err := client.AddGroupMembers(ctx, gid, p.add); err != nil {
			addMembershipError(&resp.Diagnostics, summaryUpdateMember, gid, "add members to", false, err)
			return
		}
		edit.added(p.add)
	}
	if len(p.remove) > 0 {
		if err := client.RemoveGroupMembers(ctx, gid, p.remove); err != nil {
			// The additions happened; the removals may not have.
			state.setMembers(append(oldList, p.add...))
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
			addMembershipError(&resp.Diagnostics, summaryUpdateMember, gid, "remove members from", false, err)
			return
		}
	}
	tflog.Debug(ctx, "Mesibo group members changed", map[string]any{
		"gid": gid, "added": len(p.add), "removed": len(p.remove),
		"kept_for_other_memberships": len(p.kept), "added_back": len(p.readded),
	})
	plan.setGID(gid)
	saveUnlisted(ctx, resp.Private, nil, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
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

func (r *groupMembershipResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = r.data.logContext(ctx)
	var state groupMembershipModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	registry := &r.data.memberships
	key := membershipKeyFrom(ctx, req.Private, &resp.Diagnostics)
	registry.withdraw(key)
	// Only what the membership declares goes, not the drift a refresh
	// recorded in an exclusive membership's state.
	members := difference(state.memberList(), unlistedFrom(ctx, req.Private, &resp.Diagnostics))
	if len(members) == 0 {
		return
	}
	edit := registry.begin(gid, key)
	defer edit.end()
	p := edit.decide(nil, members)
	if len(p.remove) == 0 {
		tflog.Debug(ctx, "Mesibo group members all listed by other memberships", map[string]any{"gid": gid})
		return
	}
	err := r.data.client.RemoveGroupMembers(ctx, gid, p.remove)
	if errors.Is(err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo group already gone", map[string]any{"gid": gid})
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryDeleteMember, membershipAction(gid, "remove members from"), err)
		return
	}
	tflog.Debug(ctx, "Mesibo group members removed", map[string]any{
		"gid": gid, "removed": len(p.remove), "kept_for_other_memberships": len(p.kept),
	})
}

// ImportState takes the group's GID, as the import ID or the identity's gid;
// the refresh that follows fills members with the group's current members.
func (r *groupMembershipResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	gid, ok := importedGID(ctx, "mesibo_group_membership", req, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, types.Int64Value(gid))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("gid"), gid)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strconv.FormatInt(gid, 10))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("exclusive"), false)...)
	saveMembershipKey(ctx, resp.Private, randomID(), &resp.Diagnostics)
}

package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ resource.Resource                = &groupResource{}
	_ resource.ResourceWithConfigure   = &groupResource{}
	_ resource.ResourceWithImportState = &groupResource{}
	_ resource.ResourceWithModifyPlan  = &groupResource{}
	_ resource.ResourceWithIdentity    = &groupResource{}
)

// groupGoneNext says what the next apply does about a group that no longer
// exists.
const groupGoneNext = "Run terraform apply again: its refresh drops the group from state, and it creates the " +
	"group anew, with a new GID; memberships whose gid refers to this group are then created in the new group."

// Defaults of mesibo_group, as groupadd applies them.
const (
	defaultGroupFlag                   = 0
	defaultGroupExpirySeconds          = 31536000 // one year
	defaultGroupExpiryExtensionSeconds = 0        // disabled
)

// NewGroupResource returns the mesibo_group resource.
func NewGroupResource() resource.Resource { return &groupResource{} }

type groupResource struct{ data *providerData }

type groupResourceModel struct {
	ID                     types.String `tfsdk:"id"`
	GID                    types.Int64  `tfsdk:"gid"`
	Name                   types.String `tfsdk:"name"`
	Flag                   wholeNumber  `tfsdk:"flag"`
	ExpirySeconds          wholeNumber  `tfsdk:"expiry_seconds"`
	ExpiryExtensionSeconds wholeNumber  `tfsdk:"expiry_extension_seconds"`
	Active                 types.Bool   `tfsdk:"active"`
}

// groupRequest is the one converter from the model to groupadd/groupset.
func (m groupResourceModel) groupRequest() mesibo.GroupRequest {
	return mesibo.GroupRequest{
		Name:                   m.Name.ValueStringPointer(),
		Flag:                   m.Flag.ValueInt64Pointer(),
		ExpirySeconds:          m.ExpirySeconds.ValueInt64Pointer(),
		ExpiryExtensionSeconds: m.ExpiryExtensionSeconds.ValueInt64Pointer(),
		Active:                 m.Active.ValueBoolPointer(),
	}
}

func (m *groupResourceModel) setGID(gid int64) {
	m.GID = types.Int64Value(gid)
	m.ID = types.StringValue(strconv.FormatInt(gid, 10))
}

func (r *groupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (r *groupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Mesibo group, created with `groupadd`, changed with `groupset` and deleted with " +
			"`groupdel`. Manage its members with `mesibo_group_membership`.\n\n" +
			"The backend API cannot read a group's attributes back: refresh only checks that the group still exists " +
			"and keeps `name`, `flag`, `expiry_seconds`, `expiry_extension_seconds` and `active` as Terraform last " +
			"set them, so changes made outside Terraform are not detected.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The group's GID, as a string.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"gid": schema.Int64Attribute{
				MarkdownDescription: "The group's GID, assigned by Mesibo.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The group's name. Mesibo does not require names to be unique.",
				Optional:            true,
			},
			"flag": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("The group's flags, a bit set, from 0 to %d (for example `2`: anyone can send). "+
					"Defaults to `0`.", maxMesiboNumber),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultGroupFlag),
				Validators: []validator.Int64{int64validator.AtLeast(0), mesiboNumberValidator{}},
			},
			"expiry_seconds": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How long the group lives, in seconds, from 1 to %d. Defaults to `%d` (one year).",
					maxMesiboNumber, defaultGroupExpirySeconds),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultGroupExpirySeconds),
				Validators: []validator.Int64{int64validator.AtLeast(1), mesiboNumberValidator{}},
			},
			"expiry_extension_seconds": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How far activity in the group extends its expiry, in seconds, from 0 to %d. "+
					"Defaults to `0`, disabled.", maxMesiboNumber),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultGroupExpiryExtensionSeconds),
				Validators: []validator.Int64{int64validator.AtLeast(0), mesiboNumberValidator{}},
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether the group is enabled. Defaults to `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
		},
	}
}

func (r *groupResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = gidIdentitySchema("The group's GID.")
}

func (r *groupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *groupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	var plan groupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid, err := r.data.client.AddGroup(ctx, plan.groupRequest())
	if errors.Is(err, mesibo.ErrGroupMayExist) {
		resp.Diagnostics.AddError(summaryGroupMaybe, fmt.Sprintf("The request to create the group reached Mesibo, "+
			"but its answer was lost, so a group named %q may now exist that Terraform does not know. groupadd "+
			"creates a new group on every call, so it was not repeated. Find the group's GID in the Mesibo console "+
			"(or in your app's logs) and either import it with\n\n  %s\n\nor delete it, then run terraform apply again.%s\n\n%s",
			plan.Name.ValueString(), importCommand("mesibo_group", "<gid>"), timeoutNote(err), err))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryCreateGroup, "Mesibo did not create the group; nothing was created.", err)
		return
	}
	plan.setGID(gid)
	newOwnerKey(ctx, resp.Private, &resp.Diagnostics)
	tflog.Debug(ctx, "Mesibo group created", map[string]any{"gid": gid})
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, plan.GID)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *groupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx = r.data.logContext(ctx)
	var state groupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	// Every path below, the removal from state included, keeps the identity.
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, state.GID)...)
	// The API cannot read a group's attributes; groupgetmembers tells
	// whether it exists. One member is enough to ask for.
	key := ownerKey(ctx, req.Private, resp.Private, &resp.Diagnostics)
	_, err := r.data.client.GetGroupMembers(ctx, gid, 1)
	if errors.Is(err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo group not found, removing it from state", map[string]any{"gid": gid})
		r.data.owners.read(key)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryReadGroup, fmt.Sprintf("Could not check that group %d exists.", gid), err)
		return
	}
	where := groupInState
	if state.Active.IsNull() {
		where = importedAs // only an import leaves the settings null
	}
	r.data.owners.read(key, groupClaim(gid, where))
	state.setGID(gid)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *groupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = r.data.logContext(ctx)
	var plan, state groupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	plan.setGID(gid)
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, plan.GID)...)
	greq := plan.groupRequest()
	if plan.Name.IsNull() && !state.Name.IsNull() {
		// Removing the name from the configuration clears it.
		empty := ""
		greq.Name = &empty
	}
	if err := r.data.client.SetGroup(ctx, gid, greq); err != nil {
		if errors.Is(err, mesibo.ErrNotFound) {
			addGoneError(&resp.Diagnostics, summaryUpdateGroup, fmt.Sprintf("Group %d", gid), groupGoneNext, err)
			return
		}
		addAPIError(&resp.Diagnostics, summaryUpdateGroup, fmt.Sprintf("Could not change group %d.", gid), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *groupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = r.data.logContext(ctx)
	var state groupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := state.GID.ValueInt64()
	err := r.data.client.DeleteGroup(ctx, gid)
	if errors.Is(err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo group already gone", map[string]any{"gid": gid})
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryDeleteGroup, fmt.Sprintf("Could not delete group %d.", gid), err)
	}
}

// ModifyPlan records the group the resource holds after the plan, or the
// one the plan destroys, in the provider's ownership, which refuses a plan in
// which two resources hold one group (see owners).
func (r *groupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data != nil {
		r.data.owners.planGroup(ctx, req, resp)
	}
}

// ImportState takes the group's GID, as the import ID or the identity's gid.
// Its attributes cannot be read back, so they stay null in state and the
// first apply sets them as configured.
func (r *groupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	gid, ok := importedGID(ctx, "mesibo_group", req, &resp.Diagnostics)
	if !ok {
		return
	}
	if r.data != nil {
		r.data.owners.imported(newOwnerKey(ctx, resp.Private, &resp.Diagnostics), groupClaim(gid, importedAs))
	}
	resp.Diagnostics.Append(setGIDIdentity(ctx, resp.Identity, types.Int64Value(gid))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("gid"), gid)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strconv.FormatInt(gid, 10))...)
}

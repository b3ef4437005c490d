package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
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
	_ resource.Resource                = &userResource{}
	_ resource.ResourceWithConfigure   = &userResource{}
	_ resource.ResourceWithImportState = &userResource{}
	_ resource.ResourceWithModifyPlan  = &userResource{}
	_ resource.ResourceWithIdentity    = &userResource{}
)

// cleanupTimeout bounds the calls that undo a half-done create, which run
// even when the operation's context was cancelled.
const cleanupTimeout = 30 * time.Second

// NewUserResource returns the mesibo_user resource.
func NewUserResource() resource.Resource { return &userResource{} }

type userResource struct{ data *providerData }

func (r *userResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (r *userResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Mesibo user and its access token, created with `useradd`, changed with `userset` " +
			"and deleted with `userdel`.\n\n" +
			"Creating a user for an address that already exists in Mesibo is refused, because `useradd` would " +
			"silently take that user over and issue it a new access token: import it instead.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The user's UID, as a string.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"uid": schema.Int64Attribute{
				MarkdownDescription: "The user's UID, assigned by Mesibo.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"address": schema.StringAttribute{
				MarkdownDescription: "The user's address (a phone number, an email address or any string unique within " +
					"the app), " + addressRules + ". Changing it replaces the user.",
				Required:      true,
				Validators:    []validator.String{addressValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"app_id": schema.StringAttribute{
				MarkdownDescription: "The app the access token is valid for: an Android package name, an iOS bundle ID, " +
					"or any string that identifies the app on other platforms. Changing it issues a new access token.",
				Required:   true,
				Validators: []validator.String{appIDValidator{}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The user's display name. With the JSON request format (see the provider's " +
					"`request_format`), a change renames the user with a `useradd` that issues no access token. With the " +
					"form parameters, the only documented way to set a name is `useradd`, which issues a new access token: " +
					"a change issues one, and the plan shows `access_token` as known after apply. Removing it leaves the " +
					"name in Mesibo as it is. Where Mesibo's `usersget` answers a name (an empty one counts as none), a name " +
					"changed outside Terraform is drift that apply puts back.",
				Optional: true,
			},
			"token_expiry_minutes": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How long the access token is valid, in minutes, a whole number from 1 to %d. "+
					"Defaults to `%d` (one year). Changing it issues a new access token. Mesibo cannot report it, so "+
					"a change made outside Terraform is not seen.", maxMesiboNumber, defaultTokenExpiryMinutes),
				CustomType: wholeNumberType{},
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultTokenExpiryMinutes),
				Validators: []validator.Int64{int64validator.AtLeast(1), mesiboNumberValidator{}},
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether the user is enabled. Defaults to `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"max_groups": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The most groups the user may belong to, a whole number from 0 to %d. ", maxMesiboNumber) + "When not set, " +
					"`useradd` is called without `groups`, and Mesibo applies its own default to a new user. Changing it, " +
					"removing it included, issues a new access token. Mesibo's documentation gives `groups` no default, so " +
					"whether removing it keeps the old limit or resets it is not known (the emulator resets it to `0`): " +
					"set the value you want instead. Mesibo cannot report it, so a change made outside " +
					"Terraform is not seen.",
				CustomType: wholeNumberType{},
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(0), mesiboNumberValidator{}},
			},
			"flag": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The user's flags, as `userset` takes them, a whole number from 0 to %d. "+
					"Defaults to `0`.", maxMesiboNumber),
				CustomType: wholeNumberType{},
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultUserFlag),
				Validators: []validator.Int64{int64validator.AtLeast(0), mesiboNumberValidator{}},
			},
			"token_rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values; any change to them issues a new access token in place (the UID " +
					"stays). Use it to rotate tokens on a schedule, for example with a value from the `time_rotating` resource.",
				ElementType: types.StringType,
				Optional:    true,
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "The user's access token, for the user's app to pass to Mesibo's `setAccessToken`. " +
					"Sensitive. It changes only when `app_id`, `token_expiry_minutes`, `max_groups` or " +
					"`token_rotation_triggers` change (and `name`, with the form request format), and not at the first apply after an import, which adopts the configured " +
					"settings as they stand. Null after an import until a token is issued.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{accessTokenPlanModifier{}},
			},
		},
	}
}

func (r *userResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			identityAddress: identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The user's address, " + addressRules + ".",
			},
		},
	}
}

func (r *userResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *userResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	var plan userResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	address := plan.Address.ValueString()
	client := r.data.client
	resp.Diagnostics.Append(setUserIdentity(ctx, resp.Identity, plan.Address)...)

	// One create of an address at a time, and of its spellings that differ
	// only in case: a later one's lookup sees the user an earlier one made.
	release, err := r.data.owners.turns.take(ctx, ownedUser(address))
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryCreateUser,
			fmt.Sprintf("Stopped while waiting for another create of user %q to finish; nothing was changed.", address), err)
		return
	}
	defer release()

	existing, err := client.FindUser(ctx, address)
	var notFound *mesibo.UserNotFoundError
	switch {
	case err == nil:
		resp.Diagnostics.AddAttributeError(path.Root("address"), summaryUserExists, userExistsDetail(address, existing.UID))
		return
	case errors.As(err, &notFound) && len(notFound.LookAlikes) > 0:
		resp.Diagnostics.AddAttributeError(path.Root("address"), summaryUserExists, lookAlikeExistsDetail(address, notFound.LookAlikes))
		return
	case !errors.Is(err, mesibo.ErrNotFound):
		addAPIError(&resp.Diagnostics, summaryCreateUser,
			fmt.Sprintf("Could not check whether a user with address %q already exists.", address), err)
		return
	}

	user, err := client.AddUser(ctx, plan.addUserRequest())
	if err != nil {
		action := fmt.Sprintf("Mesibo did not confirm the creation of user %q.", address)
		if !definitelyRefused(err) {
			undone, _ := r.undoCreate(ctx, address, 0)
			action += undone
		}
		addAPIError(&resp.Diagnostics, summaryCreateUser, action, err)
		return
	}
	plan.setUID(user.UID)
	plan.AccessToken = types.StringValue(user.Token)
	newOwnerKey(ctx, resp.Private, &resp.Diagnostics)
	tflog.Debug(ctx, "Mesibo user created", map[string]any{"uid": user.UID, "address": address})

	// useradd cannot set the flag; a new user starts with flag 0.
	if plan.Flag.ValueInt64() != defaultUserFlag {
		if err := client.SetUser(ctx, plan.setUserRequest()); err != nil {
			action := fmt.Sprintf("User %q was created (UID %d) but its flag could not be set.", address, user.UID)
			undone, _ := r.undoCreate(ctx, address, user.UID)
			action += undone
			addAPIError(&resp.Diagnostics, summaryCreateUser, action, err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// userExistsDetail explains why Create refuses an address that Mesibo has
// a user for (UID uid), and what to do, for each way this comes about. The
// provider cannot tell them apart: Terraform does not say whether a create
// replaces an object with create_before_destroy, and the old object is not
// part of the request.
func userExistsDetail(address string, uid int64) string {
	return fmt.Sprintf("A Mesibo user with address %q already exists (UID %d). Creating it again would take it over "+
		"and replace its access token (Mesibo's useradd does that for an existing address), so the provider refuses, "+
		"and nothing was changed.\n\n"+
		"- If it is the user this resource managed until now, and the resource is being replaced with "+
		"create_before_destroy (terraform apply -replace, or a tainted user): create_before_destroy cannot work for a "+
		"Mesibo user whose address stays the same, since an address exists only once in Mesibo and the new user cannot "+
		"be created while the old one holds it. Remove create_before_destroy from this resource's lifecycle block, so "+
		"that Terraform deletes the old user before it creates the new one (a new UID and a new access token), or "+
		"change the address along with the replacement. The old user is still in place and still managed.\n"+
		"- If another mesibo_user resource of this configuration (a module used twice, for example) manages the "+
		"address: give each resource its own address.\n"+
		"- Otherwise, to manage the existing user with Terraform, import it:\n\n  %s\n\n"+
		"  or add an import block with id = %q.", address, uid, importCommand("mesibo_user", address), address)
}

// lookAlikeExistsDetail explains why Create refuses an address that Mesibo
// has no user for when it has users whose address reads the same.
func lookAlikeExistsDetail(address string, lookAlikes []mesibo.User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Mesibo has no user with exactly the address %q, but it has a user whose address reads the same, "+
		"so the provider refuses to create it, and nothing was changed.", address)
	for _, u := range lookAlikes {
		desc, otherForm := lookAlike(address, u)
		fmt.Fprintf(&b, "\n\nMesibo has %s. ", desc)
		if otherForm {
			b.WriteString("Creating this user would add a second user that looks the same (or, on a server that " +
				"treats the two forms as one address, take that user over and replace its access token). " + nfcNote +
				" Choose another address, or delete that user in Mesibo first.")
			continue
		}
		fmt.Fprintf(&b, "This server matches addresses without regard to case, so its useradd may treat the two as one "+
			"address and take that user over, replacing its access token. To manage that user, set address = %q and "+
			"import it with %s; otherwise choose another address, or delete that user in Mesibo first.",
			u.Address, importCommand("mesibo_user", u.Address))
	}
	return b.String()
}

// undoCreate deletes a user whose creation may have half happened, so that
// nothing is left behind that the next apply would refuse to adopt. The
// address had no user before; uid is the created user's, or 0 when unknown.
// It returns a sentence for the error detail, and whether nothing is left.
func (r *userResource) undoCreate(ctx context.Context, address string, uid int64) (string, bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if uid == 0 {
		u, err := r.data.client.FindUser(ctx, address)
		if errors.Is(err, mesibo.ErrNotFound) {
			return " No user was left behind.", true
		}
		if err != nil {
			return fmt.Sprintf(" The user may exist in Mesibo now; if the next apply reports that it already exists, "+
				"delete it or import it with %s.", importCommand("mesibo_user", address)), false
		}
		uid = u.UID
	}
	if err := r.data.client.DeleteUser(ctx, uid); err != nil && !errors.Is(err, mesibo.ErrNotFound) {
		return fmt.Sprintf(" Deleting the half-created user (UID %d) failed too (%v); if the next apply reports that "+
			"it already exists, delete it or import it with %s.", uid, err, importCommand("mesibo_user", address)), false
	}
	tflog.Debug(ctx, "Half-created Mesibo user deleted", map[string]any{"uid": uid, "address": address})
	return fmt.Sprintf(" The half-created user (UID %d) was deleted again; nothing was left behind.", uid), true
}

// definitelyRefused reports whether err means the request was certainly not
// carried out: the API refused it, or it was never sent.
func definitelyRefused(err error) bool {
	var apiErr *mesibo.APIError
	return errors.As(err, &apiErr) || errors.Is(err, mesibo.ErrInvalidRequest) || errors.Is(err, mesibo.ErrMissingAppToken)
}

func (r *userResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx = r.data.logContext(ctx)
	// Only the attributes that Read looks at and may change; the state is
	// written only when Mesibo reports something else. One attribute costs
	// a fraction of decoding or encoding the whole model, which every
	// user's refresh did both of.
	var state userResourceModel
	resp.Diagnostics.Append(getAttributes(ctx, req.State, state.readFields())...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Every path below, the removal from state included, keeps the identity.
	resp.Diagnostics.Append(setUserIdentity(ctx, resp.Identity, state.Address)...)
	address := state.Address.ValueString()
	key := ownerKey(ctx, req.Private, resp.Private, &resp.Diagnostics)
	// A user with tokens for several apps has a row per app: the row of
	// this user's app is the one to compare.
	user, err := r.data.client.FindUserForApp(ctx, address, state.AppID.ValueString())
	if errors.Is(err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo user not found, removing it from state", map[string]any{"address": address})
		r.data.owners.read(key)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryReadUser, fmt.Sprintf("Could not look up user %q.", address), err)
		return
	}
	if !state.UID.IsNull() && user.UID != 0 && user.UID != state.UID.ValueInt64() {
		// The user was deleted and another created with the same address.
		resp.Diagnostics.AddWarning(summaryUserReplaced,
			fmt.Sprintf("Address %q now belongs to UID %d, not UID %d as Terraform recorded. Terraform forgets the old "+
				"user; the next apply will refuse to take over the new one unless you import it.", address, user.UID, state.UID.ValueInt64()))
		r.data.owners.read(key)
		resp.State.RemoveResource(ctx)
		return
	}
	r.data.owners.read(key, userClaim(address, userInState(user.UID)))
	obj := userObjectFromAPI(*user)
	if !state.mergeRead(obj) {
		return // Mesibo confirms the state, of which resp.State is a copy
	}
	// Drift, or the first refresh after an import: the whole state, merged.
	var whole userResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &whole)...)
	if resp.Diagnostics.HasError() {
		return
	}
	whole.mergeRead(obj)
	resp.Diagnostics.Append(resp.State.Set(ctx, whole)...)
}

func (r *userResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = r.data.logContext(ctx)
	var plan, state userResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	address := plan.Address.ValueString()
	resp.Diagnostics.Append(setUserIdentity(ctx, resp.Identity, plan.Address)...)
	uid := state.UID.ValueInt64()
	plan.setUID(uid)
	plan.AccessToken = state.AccessToken
	client := r.data.client

	rotate := rotationNeeded(plan, state) || nameNeedsToken(plan.Name, state.Name, client.RequestFormat())
	flagChanged := !plan.Flag.Equal(state.Flag)
	activeChanged := !plan.Active.Equal(state.Active)
	if state.tokenSettingsUnknown() && !rotate {
		tflog.Debug(ctx, "Imported Mesibo user: token settings adopted without a new token", map[string]any{"uid": uid})
	}

	if rotate {
		token, ok := r.issueToken(ctx, plan, uid, &resp.Diagnostics)
		if !ok {
			return
		}
		plan.AccessToken = types.StringValue(token)
		// useradd has set everything but the flag.
		activeChanged = false
	} else if nameChanged(plan.Name, state.Name) {
		if !r.rename(ctx, plan, uid, &resp.Diagnostics) {
			return
		}
	}
	if flagChanged || activeChanged {
		err := client.SetUser(ctx, plan.setUserRequest())
		if errors.Is(err, mesibo.ErrNotFound) {
			addGoneError(&resp.Diagnostics, summaryUpdateUser, userWhat(address, uid), userGoneNext, err)
			return
		}
		if err != nil {
			if rotate {
				// The new token and settings are real; the flag is not.
				plan.Flag = state.Flag
				resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
			}
			addAPIError(&resp.Diagnostics, summaryUpdateUser,
				fmt.Sprintf("Could not change the flag or active setting of user %q.", address), err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// userGoneNext is what the next apply does about a managed user that was
// deleted outside Terraform.
const userGoneNext = "Run terraform apply again: it will create the user anew, with a new UID and a new access token."

// stillManaged checks the lookup of the managed user uid that comes before
// a useradd of an update (useradd is an upsert by address, which an update
// must never turn into a create): it reports false, with the error, when the
// user is gone, cannot be looked up, or its address now belongs to another
// user. before names what the update was about to do.
func stillManaged(diags *diag.Diagnostics, address string, uid int64, current *mesibo.User, err error, before string) bool {
	switch {
	case errors.Is(err, mesibo.ErrNotFound):
		addGoneError(diags, summaryUpdateUser, userWhat(address, uid), userGoneNext, err)
		return false
	case err != nil:
		addAPIError(diags, summaryUpdateUser,
			fmt.Sprintf("Could not check that user %q still exists before %s.", address, before), err)
		return false
	case current.UID != 0 && current.UID != uid:
		addGoneError(diags, summaryUpdateUser, userWhat(address, uid),
			fmt.Sprintf("Its address now belongs to another user (UID %d), created outside Terraform, which this apply "+
				"left alone. The next apply forgets UID %d and refuses to take over UID %d: import it with %s, or delete "+
				"it in Mesibo and run terraform apply again to create the user anew.",
				current.UID, uid, current.UID, importCommand("mesibo_user", address)),
			fmt.Errorf("user %q (UID %d): %w; usersget reports UID %d for the address", address, uid, mesibo.ErrNotFound, current.UID))
		return false
	}
	return true
}

// userWhat names a managed user in an error.
func userWhat(address string, uid int64) string {
	return fmt.Sprintf("User %q (UID %d)", address, uid)
}

func (r *userResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = r.data.logContext(ctx)
	var state userResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.data.client.DeleteUser(ctx, state.UID.ValueInt64())
	if errors.Is(err, mesibo.ErrNotFound) {
		tflog.Debug(ctx, "Mesibo user already gone", map[string]any{"uid": state.UID.ValueInt64()})
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryDeleteUser,
			fmt.Sprintf("Could not delete user %q (UID %d).", state.Address.ValueString(), state.UID.ValueInt64()), err)
	}
}

// ImportState takes the user's address, as the import ID or the identity's
// address. Read fills in what Mesibo reports.
// The access token and the settings that only useradd takes cannot be read
// back: the token stays null until one is issued, and token_expiry_minutes
// stays null, which marks the state as imported, so that the first apply
// adopts the configured settings instead of issuing a token to apply them.
func (r *userResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	address, ok := importedAddress(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	// Without a user of this exact address, Read would remove the resource
	// and Terraform report only that nothing exists: say what does.
	if r.data != nil {
		ctx = r.data.logContext(ctx)
		_, err := r.data.client.FindUser(ctx, address)
		if errors.Is(err, mesibo.ErrNotFound) {
			resp.Diagnostics.AddError(summaryUserNotFound, userNotFoundDetail(address, err,
				"There is nothing to import: check the spelling, or let terraform apply create the user.",
				func(other string) string {
					return fmt.Sprintf("To import that user, use its exact address, in the configuration (address = %q) "+
						"and in the import: %s", other, importCommand("mesibo_user", other))
				}))
			return
		}
		if err != nil {
			addAPIError(&resp.Diagnostics, summaryReadUser, fmt.Sprintf("Could not look up user %q to import it.", address), err)
			return
		}
		r.data.owners.imported(newOwnerKey(ctx, resp.Private, &resp.Diagnostics), userClaim(address, importedAs))
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("address"), address)...)
	resp.Diagnostics.Append(setUserIdentity(ctx, resp.Identity, types.StringValue(address))...)
}

// ModifyPlan records the user the resource holds after the plan, and the
// one the plan destroys, in the provider's ownership, which refuses a plan
// in which two resources hold one user (see owners); and it says, in the
// plan of the first apply after an import, what that apply does about the
// token settings Mesibo cannot report.
func (r *userResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data != nil {
		r.data.owners.planUser(ctx, req, resp)
	}
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return // create or destroy
	}
	// The attribute's plan modifier cannot see the provider's request
	// format: a rename that issues a token is decided here.
	planTokenForName(ctx, req, resp, r.requestFormat())
	if resp.Diagnostics.HasError() {
		return
	}
	// Only the first plan after an import gets a warning: the whole models
	// are read only for it.
	var settings userResourceModel
	resp.Diagnostics.Append(getAttributes(ctx, req.State, settings.tokenSettingFields())...)
	if resp.Diagnostics.HasError() || !settings.tokenSettingsUnknown() {
		return
	}
	var plan, state userResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning(importedUserWarning(plan, state, r.requestFormat()))
}

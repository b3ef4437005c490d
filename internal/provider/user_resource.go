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
					"`token_rotation_triggers` change, and not at the first apply after an import, which adopts the configured " +
					"settings as they stand. Null after an import until a token is issued.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{accessTokenPlanModifier{}},
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
	user, err := r.data.client.FindUser(ctx, address)
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

	rotate := rotationNeeded(plan, state)
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

// userWhat names a managed user in an error.
func userWhat(address string, uid int64) string {
	return fmt.Sprintf("User %q (UID %d)", address, uid)
}

// issueToken issues a new access token to the managed user uid with
// useradd, which also applies the token settings. useradd is an upsert by
// address: for an address with no user it creates one, which an update must
// never do. So the user is looked up first (the one extra call a rotation
// costs), and a user that useradd created anyway, because the managed one was
// deleted between the two calls, is deleted again: nothing is left behind
// that the next apply would refuse to adopt.
func (r *userResource) issueToken(ctx context.Context, plan userResourceModel, uid int64, diags *diag.Diagnostics) (string, bool) {
	address := plan.Address.ValueString()
	client := r.data.client

	current, err := client.FindUser(ctx, address)
	switch {
	case errors.Is(err, mesibo.ErrNotFound):
		addGoneError(diags, summaryUpdateUser, userWhat(address, uid), userGoneNext, err)
		return "", false
	case err != nil:
		addAPIError(diags, summaryUpdateUser,
			fmt.Sprintf("Could not check that user %q still exists before issuing it a new access token.", address), err)
		return "", false
	case current.UID != 0 && current.UID != uid:
		addGoneError(diags, summaryUpdateUser, userWhat(address, uid),
			fmt.Sprintf("Its address now belongs to another user (UID %d), created outside Terraform, which this apply "+
				"left alone. The next apply forgets UID %d and refuses to take over UID %d: import it with %s, or delete "+
				"it in Mesibo and run terraform apply again to create the user anew.",
				current.UID, uid, current.UID, importCommand("mesibo_user", address)),
			fmt.Errorf("user %q (UID %d): %w; usersget reports UID %d for the address", address, uid, mesibo.ErrNotFound, current.UID))
		return "", false
	}

	user, err := client.AddUser(ctx, plan.addUserRequest())
	if err != nil {
		action := fmt.Sprintf("Could not issue a new access token for user %q.", address)
		if !definitelyRefused(err) {
			action += r.strayUserNote(ctx, address, uid)
		}
		addAPIError(diags, summaryUpdateUser, action, err)
		return "", false
	}
	if user.UID != uid {
		// The managed user was deleted after the lookup.
		next := fmt.Sprintf("Mesibo's useradd created a new user for the address instead (UID %d).", user.UID)
		undone, clean := r.undoCreate(ctx, address, user.UID)
		next += undone
		if clean {
			next += " " + userGoneNext
		}
		addGoneError(diags, summaryUpdateUser, userWhat(address, uid), next,
			fmt.Errorf("user %q (UID %d): %w; useradd answered UID %d", address, uid, mesibo.ErrNotFound, user.UID))
		return "", false
	}
	tflog.Debug(ctx, "Mesibo user access token issued", map[string]any{"uid": user.UID})
	return user.Token, true
}

// strayUserNote runs after a useradd for the managed user uid failed in a
// way that leaves unknown whether Mesibo carried it out. Had the user been
// deleted meanwhile, that useradd may have created a new one, which the next
// apply would refuse to adopt. Whether it did cannot be told from a user
// created outside Terraform at that moment, so the user found is left alone
// and the note says what to do. It returns "" when the managed user is still
// there or the address has no user.
func (r *userResource) strayUserNote(ctx context.Context, address string, uid int64) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	u, err := r.data.client.FindUser(ctx, address)
	switch {
	case errors.Is(err, mesibo.ErrNotFound):
		return ""
	case err != nil:
		return fmt.Sprintf(" If the user was deleted outside Terraform meanwhile, the useradd may have created a new "+
			"one; if the next apply reports that it already exists, delete it or import it with %s.",
			importCommand("mesibo_user", address))
	case u.UID == 0 || u.UID == uid:
		return ""
	}
	return fmt.Sprintf(" UID %d was deleted outside Terraform meanwhile, and the address now belongs to UID %d, which "+
		"this useradd may have created. The next apply refuses to take it over: delete it in Mesibo, or import it "+
		"with %s.", uid, u.UID, importCommand("mesibo_user", address))
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
	summary, detail := importedUserPlanWarning(plan, state)
	resp.Diagnostics.AddWarning(summary, detail)
}

// importedUserPlanWarning explains the plan of the first apply after an
// import: the configured token settings are adopted as they stand, or, when
// app_id differs from the one Mesibo reports, a new token is issued.
func importedUserPlanWarning(plan, state userResourceModel) (summary, detail string) {
	who := fmt.Sprintf("User %q (UID %d) was imported", state.Address.ValueString(), state.UID.ValueInt64())
	settings := fmt.Sprintf("token_expiry_minutes = %s, max_groups = %s and token_rotation_triggers",
		planned(plan.TokenExpiryMinutes), planned(plan.MaxGroups))
	if rotationNeeded(plan, state) {
		var configured string
		if plan.AppID.IsUnknown() {
			configured = "the configuration sets a value known only at apply time: if it differs,"
		} else {
			configured = fmt.Sprintf("the configuration says %s:", plan.AppID)
		}
		return summaryUserTokenReissued, fmt.Sprintf("%s. Its app_id in Mesibo is %s, %s this apply calls useradd, "+
			"which issues the user a new access token for the configured app and replaces the one the app uses now. "+
			"It also applies %s as configured. If the user should keep its token, set app_id to %s.",
			who, state.AppID, configured, settings, state.AppID)
	}
	return summaryUserTokenSettingsAdopted, fmt.Sprintf("%s, and Mesibo cannot report its token settings. This apply "+
		"records %s as the configuration sets them, without calling useradd: the user keeps its access token, which "+
		"Terraform does not know (access_token stays null). Make sure they match the user in Mesibo; from the next "+
		"apply on, changing any of them, or app_id, issues a new access token.", who, settings)
}

// planned shows a planned number in a warning.
func planned(v wholeNumber) string {
	switch {
	case v.IsNull():
		return "null (not set)"
	case v.IsUnknown():
		return "(known after apply)"
	}
	return v.String()
}

// accessTokenPlanModifier keeps access_token known in the plan when the
// update will not issue a new one, and unknown when it will.
type accessTokenPlanModifier struct{}

var _ planmodifier.String = accessTokenPlanModifier{}

func (accessTokenPlanModifier) Description(context.Context) string {
	return "The access token changes only when app_id, token_expiry_minutes, max_groups or token_rotation_triggers change."
}

func (m accessTokenPlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (accessTokenPlanModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // create or destroy
	}
	// Every plan of every user runs this: it reads only the attributes
	// that rotationNeeded compares, not the whole models.
	var plan, state userResourceModel
	resp.Diagnostics.Append(getAttributes(ctx, req.Plan, plan.tokenSettingFields())...)
	resp.Diagnostics.Append(getAttributes(ctx, req.State, state.tokenSettingFields())...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !rotationNeeded(plan, state) {
		resp.PlanValue = req.StateValue
	}
}

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// When a user's access token is issued, in one place: Mesibo issues a token
// only with useradd, so the provider calls it when a plan must change what
// only useradd carries (rotationNeeded); the plan shows access_token as known
// after apply exactly then (accessTokenPlanModifier); the first apply after an
// import says which of the two it does (importedUserPlanWarning); and
// issueToken calls useradd without ever creating a user.

// rotationNeeded reports whether going from state to plan must issue a new
// access token: useradd is the only way to change these settings.
//
// After an import the token settings in state are unknown, and the first
// apply adopts the configured ones as they stand, whatever they are, without
// a new token. Only an app_id that differs from the one Mesibo reports for
// the user is a real change then: the user's token is for another app.
func rotationNeeded(plan, state userResourceModel) bool {
	if state.tokenSettingsUnknown() {
		return !state.AppID.IsNull() && !plan.AppID.Equal(state.AppID)
	}
	return !plan.AppID.Equal(state.AppID) ||
		!plan.TokenExpiryMinutes.Equal(state.TokenExpiryMinutes) ||
		!plan.MaxGroups.Equal(state.MaxGroups) ||
		!sameTriggers(plan.TokenRotationTriggers, state.TokenRotationTriggers)
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
	if !stillManaged(diags, address, uid, current, err, "issuing it a new access token") {
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
	return "The access token changes only when app_id, token_expiry_minutes, max_groups or token_rotation_triggers " +
		"change (and name, with the form request format, which the resource's plan decides)."
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

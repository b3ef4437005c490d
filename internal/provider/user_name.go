package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// nameChanged reports whether going from state to plan sets the user's
// name: a name that is removed from the configuration is left in Mesibo as
// it is, since no documented call clears it.
func nameChanged(plan, state types.String) bool {
	return !plan.IsNull() && !plan.Equal(state)
}

// nameNeedsToken reports whether the name change from state to plan can
// only be made by a useradd that issues a new access token: in the form
// format, whose only documented carrier of a name is useradd. The JSON
// format renames with a useradd without a token object. An unknown format
// (the provider is not configured yet) is taken to need one, so that a plan
// never shows the token as kept when it may change.
func nameNeedsToken(plan, state types.String, format mesibo.RequestFormat) bool {
	return nameChanged(plan, state) && format != mesibo.FormatJSON
}

// requestFormat is the request format of the provider's client, "" before
// the provider is configured.
func (r *userResource) requestFormat() mesibo.RequestFormat {
	if r.data == nil || r.data.client == nil {
		return ""
	}
	return r.data.client.RequestFormat()
}

// rename sets the name of the managed user uid without issuing an access
// token (SetUserName, JSON format). SetUserName's useradd is an upsert by
// address, which an update must never turn into a create: the user is
// looked up first, as issueToken does.
func (r *userResource) rename(ctx context.Context, plan userResourceModel, uid int64, diags *diag.Diagnostics) bool {
	address := plan.Address.ValueString()
	client := r.data.client
	current, err := client.FindUserForApp(ctx, address, plan.AppID.ValueString())
	if !stillManaged(diags, address, uid, current, err, "changing its name") {
		return false
	}
	if err := client.SetUserName(ctx, address, plan.Name.ValueString()); err != nil {
		addAPIError(diags, summaryUpdateUser, fmt.Sprintf("Could not change the name of user %q.", address), err)
		return false
	}
	tflog.Debug(ctx, "Mesibo user renamed", map[string]any{"uid": uid})
	return true
}

// importedUserWarning is the warning of the plan of the first apply after
// an import (see importedUserPlanWarning), in the request format format: a
// name that only a new token can carry makes it the warning of a new token.
func importedUserWarning(plan, state userResourceModel, format mesibo.RequestFormat) (summary, detail string) {
	summary, detail = importedUserPlanWarning(plan, state)
	if summary == summaryUserTokenSettingsAdopted && nameNeedsToken(plan.Name, state.Name, format) {
		return summaryUserTokenReissued, importedUserNameWarning(state)
	}
	return summary, detail
}

// importedUserNameWarning explains the plan of the first apply after an
// import that sets the user's name with the form request format: the only
// documented carrier of a name, useradd, issues a new access token.
func importedUserNameWarning(state userResourceModel) string {
	return fmt.Sprintf("User %q (UID %d) was imported, and the configuration sets its name. With the form request "+
		"format the only documented way to set a name is useradd, which issues the user a new access token and "+
		"replaces the one the app uses now; this apply calls it, and also applies the configured token settings. "+
		"To keep the token, leave name out until the user's token is due to change anyway, or use the JSON request "+
		"format (request_format = \"json\"), which sets a name without issuing a token.",
		state.Address.ValueString(), state.UID.ValueInt64())
}

// planTokenForName shows access_token as known after apply in the plan of
// an update whose name change issues a new token (see nameNeedsToken).
func planTokenForName(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, format mesibo.RequestFormat) {
	var planName, stateName types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &planName)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &stateName)...)
	if resp.Diagnostics.HasError() || !nameNeedsToken(planName, stateName, format) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("access_token"), types.StringUnknown())...)
}

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Summaries of the diagnostics the provider reports, in one place.
const (
	summaryCreateUser   = "Unable to Create Mesibo User"
	summaryReadUser     = "Unable to Read Mesibo User"
	summaryUpdateUser   = "Unable to Update Mesibo User"
	summaryDeleteUser   = "Unable to Delete Mesibo User"
	summaryUserExists   = "Mesibo User Already Exists"
	summaryCreateGroup  = "Unable to Create Mesibo Group"
	summaryGroupMaybe   = "Mesibo Group May Have Been Created"
	summaryReadGroup    = "Unable to Read Mesibo Group"
	summaryUpdateGroup  = "Unable to Update Mesibo Group"
	summaryDeleteGroup  = "Unable to Delete Mesibo Group"
	summaryCreateMember = "Unable to Create Mesibo Group Membership"
	summaryReadMember   = "Unable to Read Mesibo Group Membership"
	summaryUpdateMember = "Unable to Update Mesibo Group Membership"
	summaryDeleteMember = "Unable to Delete Mesibo Group Membership"
	summaryReadUsers    = "Unable to Read Mesibo Users"
	summaryImportID     = "Invalid Import ID"
	summaryInvalidValue = "Invalid Attribute Value"

	summaryUserTokenSettingsAdopted = "Imported Mesibo User: Token Settings Adopted"
	summaryUserTokenReissued        = "Imported Mesibo User: New Access Token"

	summarySendMessage      = "Unable to Send Mesibo Message"
	summaryMessageMaybe     = "Mesibo Message May Have Been Delivered"
	summarySenderNotFound   = "Mesibo Message Sender Not Found"
	summaryUserNotFound     = "Mesibo User Not Found"
	summaryReadGroupMembers = "Unable to Read Mesibo Group Members"
	summaryGroupNotFound    = "Mesibo Group Not Found"

	summaryUsersMayBeMore = "More Mesibo Users May Match"
)

// Summaries of the warnings of mesibo_group_membership.
const (
	summaryMembersNotChecked = "Mesibo Group Membership Not Fully Checked"
	summaryMemberListedTwice = "Mesibo Group Member Listed by Two Memberships"
	summaryExclusiveShared   = "Exclusive Mesibo Group Membership Shares Its Group"
)

// addAPIError reports a failed API call: what was being done, what to do
// about it, and, last, the API's own error.
func addAPIError(diags *diag.Diagnostics, summary, action string, err error) {
	diags.AddError(summary, fmt.Sprintf("%s %s\n\n%s", action, advice(err), err))
}

// advice says what the user can do about err.
func advice(err error) string {
	var apiErr *mesibo.APIError
	var tErr *mesibo.TransportError
	switch {
	case errors.Is(err, mesibo.ErrMissingAppToken):
		return "No app token is configured: set app_token in the provider block or the MESIBO_APP_TOKEN environment variable."
	case errors.Is(err, mesibo.ErrUnauthorized):
		return "Mesibo refused the app token. Check that app_token (or MESIBO_APP_TOKEN) is the current token of the app in the Mesibo console; " +
			"TOKENBREACH means Mesibo disabled the app because its backend API was called from more than five IP addresses."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "The operation was cancelled before Mesibo answered. Run the command again to finish it."
	case errors.Is(err, mesibo.ErrRequestTimeout):
		return "Mesibo did not answer within request_timeout_seconds, on every attempt that was safe to make. " +
			"If Mesibo is slow or far away, raise request_timeout_seconds in the provider block; otherwise check the " +
			"endpoint and the network. Then run the command again: it is safe to repeat."
	case errors.Is(err, mesibo.ErrAmbiguousLookup):
		return fmt.Sprintf("The provider cannot tell whether this user exists: Mesibo's usersget returns at most %d users, "+
			"and the pattern that finds the address whatever Mesibo's matcher (punctuation other than @ . - replaced by *) "+
			"matched that many other users first. Rather than risk taking over an existing user and its access token, "+
			"nothing was changed. Addresses made only of letters, digits, @, . and - cannot be confused this way.", mesibo.MaxListCount)
	case errors.As(err, &tErr) && !tErr.Retryable() && tErr.StatusCode == 0:
		return "The endpoint cannot be used as configured: it does not speak TLS, its certificate is not trusted or names " +
			"another host, or its host name does not exist. No retry can cure that, so none was made, and nothing was sent. " +
			"Check the endpoint (https:// for Mesibo's own API; http:// only for an on-premise server, with allow_insecure_http)."
	case errors.As(err, &tErr) && !tErr.Retryable() && !tErr.MaybeProcessed:
		return fmt.Sprintf("The server (or a proxy in front of it) refused the request with HTTP %d, so nothing was changed, "+
			"and repeating it would get the same answer. A 404 usually means the endpoint's path is wrong "+
			"(Mesibo's API is at %s): check the endpoint.", tErr.StatusCode, mesibo.DefaultEndpoint)
	case errors.As(err, &tErr):
		return "Mesibo could not be reached or gave an answer that is not a valid API response, after retries where retrying was safe. " +
			"Check the endpoint and the network (a proxy in between may be failing), then run the command again: it is safe to repeat."
	case errors.As(err, &apiErr):
		return "Mesibo refused the request; the error code below says why."
	case errors.Is(err, mesibo.ErrInvalidRequest):
		return "The request was refused before anything was sent."
	}
	return "Run the command again; if the error persists, check the endpoint and app token."
}

// addGoneError reports that what an apply was about to change no longer
// exists in Mesibo: it was deleted outside Terraform after the plan was made
// (a saved plan, or -refresh=false). what names it ("User \"a@x\" (UID 7)"),
// next says what the next apply does about it. Every resource says this the
// same way.
func addGoneError(diags *diag.Diagnostics, summary, what, next string, err error) {
	diags.AddError(summary, fmt.Sprintf("%s no longer exists in Mesibo: it was deleted outside Terraform after "+
		"the plan was made, so the plan is out of date and nothing was changed. %s\n\n%s", what, next, err))
}

// importCommand is the shell command that imports a resource of typ by id.
func importCommand(typ, id string) string {
	if strings.ContainsAny(id, " \"'$`\\") {
		id = "'" + strings.ReplaceAll(id, "'", `'\''`) + "'"
	}
	return fmt.Sprintf("terraform import %s.<name> %s", typ, id)
}

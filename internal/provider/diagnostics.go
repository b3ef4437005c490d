package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"golang.org/x/text/unicode/norm"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Summaries of the diagnostics the provider reports, in one place.
const (
	summaryCreateUser   = "Unable to Create Mesibo User"
	summaryReadUser     = "Unable to Read Mesibo User"
	summaryUpdateUser   = "Unable to Update Mesibo User"
	summaryDeleteUser   = "Unable to Delete Mesibo User"
	summaryUserExists   = "Mesibo User Already Exists"
	summaryUserReplaced = "Mesibo User Replaced Outside Terraform"
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

	summarySendMessage           = "Unable to Send Mesibo Message"
	summaryMessageMaybe          = "Mesibo Message May Have Been Delivered"
	summaryMessageImported       = "Imported Mesibo Message: Recorded Without Sending"
	summaryMessageStaysDelivered = "Mesibo Message Stays Delivered"
	summarySenderNotFound        = "Mesibo Message Sender Not Found"
	summaryUserNotFound          = "Mesibo User Not Found"
	summaryReadGroupMembers      = "Unable to Read Mesibo Group Members"
	summaryGroupNotFound         = "Mesibo Group Not Found"

	summaryUsersMayBeMore = "More Mesibo Users May Match"
)

// Summaries of the errors of a plan in which two resources would manage one
// Mesibo object (see owners).
const (
	summaryUserTwoOwners   = "Mesibo User Managed by Two Resources"
	summaryGroupTwoOwners  = "Mesibo Group Managed by Two Resources"
	summaryMemberTwoOwners = "Mesibo Group Member Listed by Two Memberships"
	summaryExclusiveShared = "Exclusive Mesibo Group Membership Shares Its Group"
)

// Summaries of the warnings and errors of mesibo_group_membership.
const (
	summaryMembersNotChecked = "Mesibo Group Membership Not Fully Checked"
	// An exclusive membership's first apply leaves the members it does not
	// list; the next plan shows them.
	summaryExclusiveRemovesLater = "Exclusive Mesibo Group Membership Removes Unlisted Members Later"
	// A membership that is not exclusive removes only what it declared.
	summaryMembersStay = "Mesibo Group Members Stay in the Group"
	// The destroy of an exclusive membership whose state, written by an
	// earlier version, does not say what it declared.
	summaryExclusiveLegacyDestroy = "Exclusive Mesibo Group Membership Cannot Tell Its Own Members"
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
	case errors.Is(err, mesibo.ErrThrottled):
		retries := "max_retries"
		if errors.As(err, &tErr) && tErr.Attempts > 0 {
			retries = fmt.Sprintf("max_retries (now %d)", tErr.Attempts-1)
		}
		return fmt.Sprintf("Mesibo (or a proxy in front of it) answered HTTP 429 or 503 on every attempt, asking the "+
			"provider to slow down, so nothing was carried out. Send fewer requests: set or lower max_requests_per_second "+
			"in the provider block (or %s), for example to 5, or run Terraform with a lower -parallelism; or raise %s, "+
			"so that the provider waits longer before it gives up. Then run the command again: it is safe to repeat.",
			envMaxRequestsPerSecond, retries)
	case errors.Is(err, mesibo.ErrAmbiguousLookup):
		pattern := "the pattern in the error below"
		var ambiguous *mesibo.AmbiguousLookupError
		if errors.As(err, &ambiguous) {
			pattern = fmt.Sprintf("%q", ambiguous.Pattern)
		}
		return fmt.Sprintf("The provider cannot tell whether this user exists: Mesibo's usersget returns at most %[1]d "+
			"users, and the pattern %[2]s, which finds the address whatever Mesibo's matcher (punctuation other than "+
			"@ . - replaced by *), matched that many other users first. Rather than risk taking over an existing user "+
			"and its access token, nothing was changed. To go on, make the pattern match fewer than %[1]d users: list "+
			"them with data \"mesibo_users\" { address = %[2]s } (or usersget), and delete those that should not exist "+
			"(test users, for example); or use an address made only of letters, digits, @, . and -, which is looked up "+
			"as it is and cannot be confused this way. Then run the command again.", mesibo.MaxListCount, pattern)
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

// lookAlike describes a user whose address reads the same as address but is
// another address (see mesibo.ReadsSame), for an error: its address, UID and
// how the two differ. otherForm is true when they are the same text in two
// Unicode normalization forms, which a configuration cannot tell apart.
func lookAlike(address string, u mesibo.User) (desc string, otherForm bool) {
	if mesibo.SameTextOtherForm(u.Address, address) {
		form := "another Unicode normalization form"
		if norm.NFD.String(u.Address) == u.Address {
			form = "decomposed Unicode (NFD: a letter followed by a combining accent)"
		}
		return fmt.Sprintf("%s (UID %d), the same text as %s in %s", strconv.QuoteToASCII(u.Address), u.UID,
			strconv.QuoteToASCII(address), form), true
	}
	return fmt.Sprintf("%q (UID %d), which differs from %q only in case", u.Address, u.UID, address), false
}

// userNotFoundDetail says that no user has exactly address, err being
// FindUser's not-found error, and what to do: absent says it when Mesibo has
// no user whose address reads the same, otherCase for a user whose address
// differs only in case, given that address.
func userNotFoundDetail(address string, err error, absent string, otherCase func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "No Mesibo user has exactly the address %q: addresses are compared byte for byte.", address)
	var nf *mesibo.UserNotFoundError
	if !errors.As(err, &nf) || len(nf.LookAlikes) == 0 {
		b.WriteString(" " + absent)
		return b.String()
	}
	for _, u := range nf.LookAlikes {
		desc, otherForm := lookAlike(address, u)
		fmt.Fprintf(&b, "\n\nMesibo has %s", desc)
		if otherForm {
			b.WriteString(". " + nfcNote)
		} else {
			b.WriteString(": this server matches addresses without regard to case, but it is another address. " + otherCase(u.Address))
		}
	}
	return b.String()
}

// nfcNote says why a configuration cannot name an address written in
// another Unicode normalization form.
const nfcNote = "Terraform passes every string to the provider in composed Unicode (NFC), so no configuration or " +
	"import ID can name that user: only once it is created again with the composed spelling (by its app, or by " +
	"Terraform after it is deleted) can Terraform read, import or manage it."

// forgetAdvice says how to make Terraform forget a resource of typ without
// destroying what it manages, as the end of a sentence that begins with what
// it is for ("To stop managing it and keep every member, ").
func forgetAdvice(typ string) string {
	return fmt.Sprintf("delete its resource block and, on Terraform 1.7 or later, add\n\n"+
		"  removed {\n    from = %s.<name>\n    lifecycle {\n      destroy = false\n    }\n  }\n\n"+
		"or run terraform state rm %s.<name> (any version)", typ, typ)
}

// importCommand is the shell command that imports a resource of typ by id.
func importCommand(typ, id string) string {
	if strings.ContainsAny(id, " \"'$`\\") {
		id = "'" + strings.ReplaceAll(id, "'", `'\''`) + "'"
	}
	return fmt.Sprintf("terraform import %s.<name> %s", typ, id)
}

// timeoutNote is a sentence for an error about a request that may have been
// carried out: when its last attempt timed out, it names the setting to
// raise; otherwise it is "".
func timeoutNote(err error) string {
	if !errors.Is(err, mesibo.ErrRequestTimeout) {
		return ""
	}
	return " Mesibo did not answer within request_timeout_seconds: if Mesibo is slow or far away, raise " +
		"request_timeout_seconds in the provider block before you apply again."
}

// Summaries of the warnings of the mesibo_user list resource.
const summaryUsersSkipped = "Mesibo Users Skipped: Addresses the Provider Cannot Manage"

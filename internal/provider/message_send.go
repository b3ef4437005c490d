package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// What the mesibo_message resource and the mesibo_message action share: the
// arguments of a message, how they are checked, how they become the message
// call, and what a failed send says. They differ in when they send and in
// what happens after a failure, which each passes in as a sendFollowUp.

// Validators of the message arguments, the same for the resource and the
// action. Exactly one of to and gid is checked by each as a config validator.
var (
	messageAddressValidators = []validator.String{addressValidator{}}
	messageTextValidators    = []validator.String{stringvalidator.LengthAtLeast(1), messageTextValidator{}}
	messageGIDValidators     = []validator.Int64{int64validator.AtLeast(1)}
	messageTypeValidators    = []validator.Int64{int64validator.AtLeast(0), mesiboNumberValidator{}}
	messageExpiryValidators  = []validator.Int64{int64validator.AtLeast(1), mesiboNumberValidator{}}
)

// defaultMessageExpirySeconds is how long Mesibo keeps an undelivered
// message when the message call does not say: one year.
const defaultMessageExpirySeconds = 31536000

// messageArgs are the arguments of one message.
type messageArgs struct {
	From          types.String `tfsdk:"from"`
	To            types.String `tfsdk:"to"`
	GID           wholeNumber  `tfsdk:"gid"`
	Message       types.String `tfsdk:"message"`
	Type          wholeNumber  `tfsdk:"type"`
	ExpirySeconds wholeNumber  `tfsdk:"expiry_seconds"`
}

// messageRequest is the one converter from the arguments to the message
// call. An expiry that is not set is the default, as the resource's is.
func (m messageArgs) messageRequest() mesibo.MessageRequest {
	expiry := m.ExpirySeconds.ValueInt64Pointer()
	if m.ExpirySeconds.IsNull() {
		v := int64(defaultMessageExpirySeconds)
		expiry = &v
	}
	return mesibo.MessageRequest{
		From:          m.From.ValueString(),
		To:            m.To.ValueString(),
		GID:           m.GID.ValueInt64(),
		Type:          m.Type.ValueInt64Pointer(),
		ExpirySeconds: expiry,
		Message:       m.Message.ValueString(),
	}
}

// recipient names where the message goes, for errors, warnings and logs.
func (m messageArgs) recipient() string {
	switch {
	case m.GID.IsUnknown():
		return "a group whose gid is known only after apply"
	case !m.GID.IsNull():
		return fmt.Sprintf("group %d", m.GID.ValueInt64())
	case m.To.IsUnknown():
		return "a user whose address is known only after apply"
	}
	return fmt.Sprintf("user %q", m.To.ValueString())
}

// sendFollowUp says, in the errors of a failed send, how the message gets
// sent once the cause is fixed.
type sendFollowUp struct {
	// again completes "Create the user first ..., then <again>".
	again string
	// maybeDelivered follows the explanation that the message may have been
	// delivered and was not sent again.
	maybeDelivered string
	// notSent, when set, follows the errors that say nothing was sent.
	notSent string
}

// reportSendError reports a message that failed: refused for a missing
// sender or group, maybe delivered although the answer was lost, or not sent.
func reportSendError(diags *diag.Diagnostics, m messageArgs, err error, next sendFollowUp) {
	from := m.From.ValueString()
	switch {
	case errors.Is(err, mesibo.ErrMessageMayBeDelivered):
		diags.AddError(summaryMessageMaybe, fmt.Sprintf("The message from %q to %s may have reached Mesibo, but no "+
			"valid answer came back, so the message may have been delivered. It was not sent again, because Mesibo "+
			"cannot tell whether it was and a repeat could deliver it twice. %s%s\n\n%s",
			from, m.recipient(), next.maybeDelivered, timeoutNote(err), err))
	case errors.Is(err, mesibo.ErrNotFound):
		var apiErr *mesibo.APIError
		errors.As(err, &apiErr)
		missingGroup := apiErr != nil && namesParameter(apiErr.Properties, "gid")
		missingSender := apiErr != nil && namesParameter(apiErr.Properties, "from")
		switch {
		case missingGroup:
			diags.AddAttributeError(path.Root("gid"), summaryGroupNotFound, fmt.Sprintf("Mesibo refused the message "+
				"because group %d does not exist; nothing was sent. Check the gid (reference a mesibo_group, "+
				"such as mesibo_group.support.gid) and %s.%s\n\n%s", m.GID.ValueInt64(), next.again, next.notSent, err))
		case missingSender || m.GID.IsNull():
			diags.AddAttributeError(path.Root("from"), summarySenderNotFound, fmt.Sprintf("Mesibo refused the message "+
				"because its sender %q is not a user of the app: a message must come from an existing user. Create "+
				"the user first (reference a mesibo_user in from, such as mesibo_user.bot.address, so that Terraform "+
				"creates it before the message), then %s. Nothing was sent.%s\n\n%s", from, next.again, next.notSent, err))
		default:
			diags.AddError(summarySendMessage, fmt.Sprintf("Mesibo refused the message because the sender %q or "+
				"group %d does not exist; nothing was sent. A message must come from an existing user, to an "+
				"existing group.%s\n\n%s", from, m.GID.ValueInt64(), next.notSent, err))
		}
	default:
		addAPIError(diags, summarySendMessage, fmt.Sprintf("The message from %q to %s was not sent.%s",
			from, m.recipient(), next.notSent), err)
	}
}

// messageTextValidator refuses a message made only of whitespace, which
// would show as an empty message. The empty string is left to
// stringvalidator.LengthAtLeast.
type messageTextValidator struct{}

var _ validator.String = messageTextValidator{}

func (messageTextValidator) Description(context.Context) string {
	return "must contain something other than whitespace"
}

func (v messageTextValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (messageTextValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if text := req.ConfigValue.ValueString(); text != "" && strings.TrimSpace(text) == "" {
		resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidValue, "The message has only whitespace, so a "+
			"recipient would see an empty message: there is nothing to send. Write its text.")
	}
}

// namesParameter reports whether an error's properties name the message
// parameter name: as the form parameter ("gid") or as the JSON field of the
// message object ("message.gid").
func namesParameter(properties []string, name string) bool {
	return slices.Contains(properties, name) || slices.Contains(properties, "message."+name)
}

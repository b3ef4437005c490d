package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ action.Action                     = &messageAction{}
	_ action.ActionWithConfigure        = &messageAction{}
	_ action.ActionWithConfigValidators = &messageAction{}
)

// NewMessageAction returns the mesibo_message action (Terraform 1.14 and
// later): a message sent each time the action is invoked, by an
// action_trigger of a resource's lifecycle or by terraform apply -invoke.
func NewMessageAction() action.Action { return &messageAction{} }

type messageAction struct{ data *providerData }

// actionRerunNote says when a failed action is run again: Terraform keeps
// no record of actions, and runs one only when its trigger fires. What the
// apply does with the error is up to the trigger's on_failure (Terraform
// 1.16): halt (the default) stops it, continue makes the error a warning,
// taint also taints a resource that was just created. terraform destroy
// always makes it a warning.
const actionRerunNote = "Terraform keeps no record of actions: a later terraform apply runs this one again only if " +
	"its trigger fires again. It does when this error stopped the change the trigger precedes (before_create, " +
	"before_update, before_destroy), and after an after_create trigger with on_failure = taint, as the next apply " +
	"replaces the tainted resource. After an after_create, after_update or after_destroy trigger, with on_failure = " +
	"continue, or in terraform destroy (which reports this as a warning), the change was made and the trigger does " +
	"not fire again: send the message with terraform apply -invoke=action.mesibo_message.<name>."

// actionDestroyedNote is added to a refusal for a missing sender or group:
// an after_destroy trigger runs once the object is gone.
const actionDestroyedNote = "An after_destroy trigger runs after Terraform has deleted its resource: a message to a " +
	"group being destroyed, or from a user being destroyed, must be sent by a before_destroy trigger."

// messageActionFollowUp says how the message of a failed action is sent.
var messageActionFollowUp = sendFollowUp{
	again: "send it again",
	maybeDelivered: "Check whether it arrived before it is sent again: after an after_create trigger with " +
		"on_failure = taint, the next apply replaces the resource and sends it again. " + actionRerunNote,
	notSent: " " + actionRerunNote,
}

// followUpFor is messageActionFollowUp, with what a refusal for a missing
// sender or group may mean for a destroy trigger.
func followUpFor(err error) sendFollowUp {
	next := messageActionFollowUp
	if errors.Is(err, mesibo.ErrNotFound) {
		next.notSent = " " + actionDestroyedNote + next.notSent
	}
	return next
}

func (a *messageAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_message"
}

func (a *messageAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends a message with Mesibo's `message` call, from a user to a user or to a group, " +
			"each time the action is invoked: by an `action_trigger` in a resource's `lifecycle` (for example " +
			"after a group is created, or, with Terraform 1.16, before it is destroyed) or by `terraform apply " +
			"-invoke`. Needs Terraform 1.14 or later.\n\n" +
			"Unlike the `mesibo_message` resource, the action keeps nothing in the state: it sends whenever it is " +
			"invoked, and a failed send is not tried again by a later `terraform apply`.",
		Attributes: map[string]schema.Attribute{
			"from": schema.StringAttribute{
				MarkdownDescription: "The address of the sender, which must be an existing user of the app (Mesibo refuses " +
					"others); " + addressRules + ". Reference a `mesibo_user` (`mesibo_user.bot.address`).",
				Required:   true,
				Validators: messageAddressValidators,
			},
			"to": schema.StringAttribute{
				MarkdownDescription: "The address of the user the message is for, " + addressRules + ". Exactly one of " +
					"`to` and `gid` must be set.",
				Optional:   true,
				Validators: messageAddressValidators,
			},
			"gid": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: "The GID of the group the message is for (`mesibo_group.support.gid`). Exactly one " +
					"of `to` and `gid` must be set.",
				Optional:   true,
				Validators: messageGIDValidators,
			},
			"message": schema.StringAttribute{
				MarkdownDescription: "The text of the message; must contain something other than whitespace.",
				Required:            true,
				Validators:          messageTextValidators,
			},
			"type": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: "The Mesibo message type, a number your apps give a meaning to, from 0 to 2147483647. When not " +
					"set, Mesibo's default (`0`) applies.",
				Optional:   true,
				Validators: messageTypeValidators,
			},
			"expiry_seconds": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How long Mesibo keeps trying to deliver the message, in seconds, "+
					"from 1 to 2147483647. Defaults to `%d` (one year).", defaultMessageExpirySeconds),
				Optional:   true,
				Validators: messageExpiryValidators,
			},
		},
	}
}

func (a *messageAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{
		actionvalidator.ExactlyOneOf(path.MatchRoot("to"), path.MatchRoot("gid")),
	}
}

func (a *messageAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Invoke sends the message. As for the resource, the message call is never
// repeated once the request may have reached Mesibo (the client sees to
// that), so one invocation does not deliver a message twice.
func (a *messageAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if a.data == nil {
		resp.Diagnostics.AddError(summarySendMessage, "The provider is not configured, so the message was not sent. "+
			"This is a bug in the provider; please report it.")
		return
	}
	ctx = a.data.logContext(ctx)
	var args messageArgs
	resp.Diagnostics.Append(req.Config.Get(ctx, &args)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{
			Message: fmt.Sprintf("Sending a message from %q to %s", args.From.ValueString(), args.recipient()),
		})
	}
	if err := a.data.client.SendMessage(ctx, args.messageRequest()); err != nil {
		reportSendError(&resp.Diagnostics, args, err, followUpFor(err))
		return
	}
	tflog.Debug(ctx, "Mesibo message sent by action", map[string]any{
		"from": args.From.ValueString(), "to": args.recipient(), "length": len(args.Message.ValueString()),
	})
}

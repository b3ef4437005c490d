package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ resource.Resource                     = &messageResource{}
	_ resource.ResourceWithConfigure        = &messageResource{}
	_ resource.ResourceWithConfigValidators = &messageResource{}
)

// defaultMessageExpirySeconds is how long Mesibo keeps an undelivered
// message when the message call does not say: one year.
const defaultMessageExpirySeconds = 31536000

// NewMessageResource returns the mesibo_message resource.
func NewMessageResource() resource.Resource { return &messageResource{} }

type messageResource struct{ data *providerData }

// messageResourceModel is mesibo_message's state.
type messageResourceModel struct {
	ID            types.String `tfsdk:"id"`
	From          types.String `tfsdk:"from"`
	To            types.String `tfsdk:"to"`
	GID           wholeNumber  `tfsdk:"gid"`
	Message       types.String `tfsdk:"message"`
	Type          wholeNumber  `tfsdk:"type"`
	ExpirySeconds wholeNumber  `tfsdk:"expiry_seconds"`
	Triggers      types.Map    `tfsdk:"triggers"`
	SentAt        types.String `tfsdk:"sent_at"`
}

// args are the message's arguments, which the resource shares with the
// mesibo_message action (message_send.go).
func (m messageResourceModel) args() messageArgs {
	return messageArgs{From: m.From, To: m.To, GID: m.GID, Message: m.Message, Type: m.Type, ExpirySeconds: m.ExpirySeconds}
}

// messageRequest is the one converter from the model to the message call.
func (m messageResourceModel) messageRequest() mesibo.MessageRequest {
	return m.args().messageRequest()
}

// recipient names where the message goes, for errors and logs.
func (m messageResourceModel) recipient() string { return m.args().recipient() }

func (r *messageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_message"
}

func (r *messageResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Every argument replaces the resource: a sent message cannot be changed,
	// and replacing it is what sends it again.
	replaceString := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceInt64 := []planmodifier.Int64{int64planmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A message sent with Mesibo's `message` call, from a user to a user or to a group.\n\n" +
			"The message is sent once, when the resource is created, and again only when the resource is replaced: " +
			"when any of its arguments changes (use `triggers` to send it again on purpose) or with " +
			"`terraform apply -replace`. Mesibo cannot read a message back or unsend it, so refreshing makes no API " +
			"call and destroying only removes the resource from the state: a sent message stays sent.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "An opaque identifier of this send, different for every send.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"from": schema.StringAttribute{
				MarkdownDescription: "The address of the sender, which must be an existing user of the app (Mesibo refuses " +
					"others); " + addressRules + ". Reference a `mesibo_user` (`mesibo_user.bot.address`) so that " +
					"Terraform creates the sender first. Changing it sends the message again.",
				Required:      true,
				Validators:    messageAddressValidators,
				PlanModifiers: replaceString,
			},
			"to": schema.StringAttribute{
				MarkdownDescription: "The address of the user the message is for, " + addressRules + ". Exactly one of " +
					"`to` and `gid` must be set. Changing it sends the message again.",
				Optional:      true,
				Validators:    messageAddressValidators,
				PlanModifiers: replaceString,
			},
			"gid": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: "The GID of the group the message is for (`mesibo_group.support.gid`). Exactly one " +
					"of `to` and `gid` must be set. Changing it sends the message again.",
				Optional:      true,
				Validators:    messageGIDValidators,
				PlanModifiers: replaceInt64,
			},
			"message": schema.StringAttribute{
				MarkdownDescription: "The text of the message; must not be empty. Changing it sends the message again.",
				Required:            true,
				Validators:          messageTextValidators,
				PlanModifiers:       replaceString,
			},
			"type": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: "The Mesibo message type, a number your apps give a meaning to, at least 0. When not " +
					"set, Mesibo's default (`0`) applies. Changing it sends the message again.",
				Optional:      true,
				Validators:    messageTypeValidators,
				PlanModifiers: replaceInt64,
			},
			"expiry_seconds": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How long Mesibo keeps trying to deliver the message, in seconds, at "+
					"least 1. Defaults to `%d` (one year). Changing it sends the message again.", defaultMessageExpirySeconds),
				Optional:      true,
				Computed:      true,
				Default:       int64default.StaticInt64(defaultMessageExpirySeconds),
				Validators:    messageExpiryValidators,
				PlanModifiers: replaceInt64,
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that are not sent; any change to them sends the message again. " +
					"Use it for a deliberate resend (bump a number or a date), or to send again when something else " +
					"changes, for example the recipient's `uid` when the user is recreated.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"sent_at": schema.StringAttribute{
				MarkdownDescription: "When Mesibo accepted the message, as an RFC 3339 time in UTC.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *messageResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("to"), path.MatchRoot("gid")),
	}
}

func (r *messageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Create sends the message. The message call is never repeated once the
// request may have reached Mesibo (the client sees to that), so a message is
// not delivered twice by one apply.
func (r *messageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	var plan messageResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := randomID() // unique per send
	if err := r.data.client.SendMessage(ctx, plan.messageRequest()); err != nil {
		addSendError(&resp.Diagnostics, plan, err)
		return
	}
	plan.ID = types.StringValue(id)
	plan.SentAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	tflog.Debug(ctx, "Mesibo message sent", map[string]any{
		"id": id, "from": plan.From.ValueString(), "to": plan.recipient(), "length": len(plan.Message.ValueString()),
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// addSendError reports a message that failed: refused for a missing sender or
// group, maybe delivered although the answer was lost, or not sent.
func addSendError(diags *diag.Diagnostics, plan messageResourceModel, err error) {
	reportSendError(diags, plan.args(), err, messageResourceFollowUp)
}

// messageResourceFollowUp: nothing was recorded, so the next apply sends the
// message again.
var messageResourceFollowUp = sendFollowUp{
	again: "apply again",
	maybeDelivered: "Terraform did not record it as sent, so the next terraform apply sends it again: if it must " +
		"not arrive twice, check whether it arrived before you apply, and if it did, remove this resource from the " +
		"configuration.",
}

// Read keeps the state as it is: Mesibo cannot read a message back, so there
// is nothing to compare, and a sent message cannot disappear.
func (r *messageResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update is never called: every argument requires replacement. It keeps the
// recorded send should Terraform call it anyway.
func (r *messageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state messageResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID, plan.SentAt = state.ID, state.SentAt
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Delete only forgets the message: a sent message cannot be unsent.
// It needs no API call, so it logs nothing but the message's id.
func (r *messageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	tflog.Debug(ctx, "Mesibo message removed from state; it stays sent", map[string]any{"id": id.ValueString()})
}

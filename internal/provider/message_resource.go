package provider

import (
	"context"
	"fmt"
	"strings"
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
)

var (
	_ resource.Resource                     = &messageResource{}
	_ resource.ResourceWithConfigure        = &messageResource{}
	_ resource.ResourceWithConfigValidators = &messageResource{}
	_ resource.ResourceWithImportState      = &messageResource{}
	_ resource.ResourceWithModifyPlan       = &messageResource{}
)

// NewMessageResource returns the mesibo_message resource.
func NewMessageResource() resource.Resource { return &messageResource{} }

type messageResource struct{ data *providerData }

// messageResourceModel is mesibo_message's state: the message's arguments,
// which the resource shares with the mesibo_message action (message_send.go),
// and what the resource adds to them.
type messageResourceModel struct {
	messageArgs
	ID       types.String `tfsdk:"id"`
	Triggers types.Map    `tfsdk:"triggers"`
	SentAt   types.String `tfsdk:"sent_at"`
}

// sender names the sender, for warnings.
func (m messageResourceModel) sender() string {
	if m.From.IsUnknown() {
		return "a sender known only after apply"
	}
	return fmt.Sprintf("%q", m.From.ValueString())
}

// imported reports whether the state was imported and the configured
// arguments are not yet adopted: only an import leaves from, which is
// required, null.
func (m messageResourceModel) imported() bool {
	return m.From.IsNull()
}

func (r *messageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_message"
}

func (r *messageResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// A change of an argument replaces the resource: a sent message cannot
	// be changed, and replacing it is what sends it again. Two cases are no
	// change of the message and are recorded in place: an argument going
	// between unset and what unset means (type 0, no triggers), and the
	// first plan after an import, which adopts the configured arguments.
	replaceString := []planmodifier.String{resendString()}
	replaceInt64 := []planmodifier.Int64{resendInt64(nil)}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A message sent with Mesibo's `message` call, from a user to a user or to a group.\n\n" +
			"The message is sent once, when the resource is created, and again only when the resource is replaced: " +
			"when any of its arguments changes (use `triggers` to send it again on purpose) or with " +
			"`terraform apply -replace`. Mesibo cannot read a message back or unsend it, so refreshing makes no API " +
			"call and destroying only removes the resource from the state: a sent message stays sent.\n\n" +
			"A message delivered without Terraform recording it can be imported by the time it was sent; " +
			"the first apply then records the configured arguments without sending anything.",
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
				MarkdownDescription: "The text of the message; must contain something other than whitespace. Changing " +
					"it sends the message again.",
				Required:      true,
				Validators:    messageTextValidators,
				PlanModifiers: replaceString,
			},
			"type": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: "The Mesibo message type, a number your apps give a meaning to, from 0 to 2147483647. When not " +
					"set, Mesibo's default (`0`) applies. Changing it sends the message again, except between not set " +
					"and `0`, which are the same message.",
				Optional:      true,
				Validators:    messageTypeValidators,
				PlanModifiers: []planmodifier.Int64{resendInt64(&defaultMessageType)},
			},
			"expiry_seconds": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How long Mesibo keeps trying to deliver the message, in seconds, "+
					"from 1 to 2147483647. Defaults to `%d` (one year). Changing it sends the message again.", defaultMessageExpirySeconds),
				Optional:      true,
				Computed:      true,
				Default:       int64default.StaticInt64(defaultMessageExpirySeconds),
				Validators:    messageExpiryValidators,
				PlanModifiers: []planmodifier.Int64{resendInt64(&defaultMessageExpiry)},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that are not sent; any change to them sends the message again. " +
					"Use it for a deliberate resend (bump a number or a date), or to send again when something else " +
					"changes, for example the recipient's `uid` when the user is recreated. Not set and empty (`{}`) " +
					"are the same.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{resendMap()},
			},
			"sent_at": schema.StringAttribute{
				MarkdownDescription: "When Mesibo accepted the message, as an RFC 3339 time in UTC; for an imported " +
					"message, the time given as the import ID.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
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
	reportSendError(diags, plan.messageArgs, err, messageResourceFollowUp)
}

// messageResourceFollowUp: nothing was recorded, so the next apply sends the
// message again.
var messageResourceFollowUp = sendFollowUp{
	again: "apply again",
	maybeDelivered: "Terraform did not record it as sent, so the next terraform apply sends it again: if it must " +
		"not arrive twice, check whether it arrived before you apply, and if it did, import it (the import ID is " +
		"the time it was sent), which records it without sending, or remove this resource from the configuration.",
}

// Read keeps the state as it is: Mesibo cannot read a message back, so there
// is nothing to compare, and a sent message cannot disappear.
func (r *messageResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update records a change that is no change of the message, so sends
// nothing: an argument going between unset and what unset means, or the
// configured arguments of an imported message. Every other change replaces
// the resource. It keeps the recorded send.
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

// ImportState records a message that was delivered without Terraform
// recording it, such as one whose answer was lost. The import ID is the time
// it was sent. Mesibo cannot read a message back, so the arguments are left
// null, and the first plan adopts the configured ones in place, without
// sending (see resendString).
func (r *messageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	sentAt, problem := parseSentAt(req.ID, time.Now())
	if problem != "" {
		resp.Diagnostics.AddError(summaryImportID, fmt.Sprintf("The import ID of mesibo_message is the time the message "+
			"was sent, in RFC 3339 format with a time zone, such as 2025-06-01T09:30:00Z: Mesibo cannot read a message "+
			"back, so the import records the arguments of the resource's configuration as they stand, as sent at that "+
			"time, and sends nothing. %s", problem))
		return
	}
	id := randomID()
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("sent_at"), sentAt)...)
	tflog.Debug(ctx, "Mesibo message imported", map[string]any{"id": id, "sent_at": sentAt})
}

// parseSentAt reads the import ID of a message: the time it was sent, which
// cannot be after now. It returns the time as sent_at holds it, or what is
// wrong with the ID.
func parseSentAt(id string, now time.Time) (string, string) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(id))
	switch {
	case err != nil:
		return "", fmt.Sprintf("The ID is not such a time: not %q.", id)
	case t.After(now.Add(time.Minute)):
		return "", fmt.Sprintf("The ID %q is in the future; check its time zone.", id)
	}
	return t.UTC().Format(time.RFC3339), ""
}

// ModifyPlan warns, in a plan that destroys a message, that it stays
// delivered, and, in the first plan after an import, that the configured
// arguments are recorded as sent without sending anything.
func (r *messageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return // create
	}
	var state messageResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.Plan.Raw.IsNull() {
		what := fmt.Sprintf("The message from %s to %s, sent at %s,", state.sender(), state.recipient(), state.SentAt.ValueString())
		if state.imported() {
			what = fmt.Sprintf("The imported message, sent at %s,", state.SentAt.ValueString())
		}
		resp.Diagnostics.AddWarning(summaryMessageStaysDelivered, fmt.Sprintf("%s stays delivered: Mesibo cannot unsend "+
			"a message, so destroying this resource only removes it from the Terraform state, without an API call.", what))
		return
	}
	if !state.imported() {
		return
	}
	var plan messageResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning(summaryMessageImported, fmt.Sprintf("This apply records the message from %s to %s, as "+
		"configured, as sent at %s, without sending it. Mesibo cannot read a message back, so Terraform cannot check "+
		"that this message was delivered, or what it said: before you apply, make sure that this message is the one "+
		"that was delivered. From then on, a change of its arguments sends it again, as for a message Terraform sent.",
		plan.sender(), plan.recipient(), state.SentAt.ValueString()))
}

// resendDescription describes the plan modifier of every argument.
const resendDescription = "Changing it sends the message again, by replacing the resource; not set and its " +
	"default are the same message, and the first plan after an import adopts the configured value without sending."

// Defaults that a message argument left unset means, for resendInt64.
var (
	defaultMessageType   = int64(0)
	defaultMessageExpiry = int64(defaultMessageExpirySeconds)
)

// resendString replaces the message when a string argument changes, except
// in the first plan after an import.
func resendString() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = !adoptingImport(ctx, req.State, &resp.Diagnostics)
		}, resendDescription, resendDescription)
}

// resendInt64 replaces the message when a number argument changes, except in
// the first plan after an import, and, when unset is not nil, except between
// null and *unset, the value Mesibo uses when the argument is left out.
func resendInt64(unset *int64) planmodifier.Int64 {
	return int64planmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
			if unset != nil && sameOrUnset(req.PlanValue, req.StateValue, *unset) {
				return
			}
			resp.RequiresReplace = !adoptingImport(ctx, req.State, &resp.Diagnostics)
		}, resendDescription, resendDescription)
}

// resendMap replaces the message when triggers change, null being empty,
// except in the first plan after an import.
func resendMap() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			if sameTriggers(req.PlanValue, req.StateValue) {
				return
			}
			resp.RequiresReplace = !adoptingImport(ctx, req.State, &resp.Diagnostics)
		}, resendDescription, resendDescription)
}

// sameOrUnset reports whether a and b are the same number, null meaning
// unset. An unknown number is never the same.
func sameOrUnset(a, b types.Int64, unset int64) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	value := func(v types.Int64) int64 {
		if v.IsNull() {
			return unset
		}
		return v.ValueInt64()
	}
	return value(a) == value(b)
}

// adoptingImport reports whether state is an imported message whose
// arguments are not yet recorded.
func adoptingImport(ctx context.Context, state attributeGetter, diags *diag.Diagnostics) bool {
	var m messageResourceModel
	diags.Append(state.GetAttribute(ctx, path.Root("from"), &m.From)...)
	return m.imported()
}

package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// TestAddSendError: each way a message can fail says whether anything was
// sent and what to do, names the attribute at fault where one is, and ends
// with Mesibo's answer.
func TestAddSendError(t *testing.T) {
	toUser := messageResourceModel{messageArgs: messageArgs{From: types.StringValue("bot"), To: types.StringValue("alice"), GID: wholeNumberNull()}}
	toGroup := messageResourceModel{messageArgs: messageArgs{From: types.StringValue("bot"), To: types.StringNull(), GID: wholeNumberValue(77)}}
	tests := []struct {
		name    string
		plan    messageResourceModel
		err     error
		summary string
		at      path.Path // empty: no attribute
		says    []string
	}{
		{
			name: "group missing", plan: toGroup,
			err:     &mesibo.APIError{Op: "message", Code: "NOGROUP", Properties: []string{"gid"}},
			summary: summaryGroupNotFound, at: path.Root("gid"),
			says: []string{"group 77 does not exist; nothing was sent"},
		},
		{
			name: "sender missing", plan: toGroup,
			err:     &mesibo.APIError{Op: "message", Code: "NOUSER", Properties: []string{"from"}},
			summary: summarySenderNotFound, at: path.Root("from"),
			says: []string{`its sender "bot" is not a user of the app`, "Nothing was sent."},
		},
		{
			name: "not found to a user", plan: toUser,
			err:     &mesibo.APIError{Op: "message", Code: "NOUSER"},
			summary: summarySenderNotFound, at: path.Root("from"),
			says: []string{`its sender "bot" is not a user of the app`},
		},
		{
			// Mesibo does not say which: the error names both.
			name: "not found to a group", plan: toGroup,
			err:     &mesibo.APIError{Op: "message", Code: "NOUSER"},
			summary: summarySendMessage,
			says:    []string{`the sender "bot" or group 77 does not exist; nothing was sent.`},
		},
		{
			name: "refused", plan: toUser,
			err:     &mesibo.APIError{Op: "message", Code: "BADPARA", Cause: "message too long"},
			summary: summarySendMessage,
			says:    []string{`The message from "bot" to user "alice" was not sent.`, "the error code below says why"},
		},
		{
			name: "answer lost", plan: toGroup,
			err: &mesibo.MessageMayBeDeliveredError{
				Err: &mesibo.TransportError{Op: "message", Reason: "connection reset", MaybeProcessed: true},
			},
			summary: summaryMessageMaybe,
			says:    []string{`The message from "bot" to group 77 may have reached Mesibo`, "It was not sent again"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			addSendError(&diags, tt.plan, tt.err)
			if len(diags) != 1 || diags.ErrorsCount() != 1 {
				t.Fatalf("got %v, want one error", diags)
			}
			d := diags[0]
			if d.Summary() != tt.summary {
				t.Errorf("summary %q, want %q", d.Summary(), tt.summary)
			}
			var at path.Path
			if withPath, ok := d.(diag.DiagnosticWithPath); ok {
				at = withPath.Path()
			}
			if !at.Equal(tt.at) {
				t.Errorf("the error is at %q, want %q", at, tt.at)
			}
			for _, s := range tt.says {
				if !strings.Contains(d.Detail(), s) {
					t.Errorf("the detail does not say %q:\n%s", s, d.Detail())
				}
			}
			if !strings.HasSuffix(d.Detail(), tt.err.Error()) {
				t.Errorf("the detail does not end with Mesibo's answer %q:\n%s", tt.err, d.Detail())
			}
		})
	}
}

// TestMessageUpdateKeepsTheSend: every argument of mesibo_message requires
// replacement, so Terraform never calls Update; should it anyway, the state
// keeps the recorded send (its id and time) and takes the planned arguments,
// and no message is sent.
func TestMessageUpdateKeepsTheSend(t *testing.T) {
	ctx := context.Background()
	r := &messageResource{} // no client: any API call would panic
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)

	sent := messageResourceModel{
		messageArgs: messageArgs{
			From: types.StringValue("bot"), To: types.StringValue("alice"), GID: wholeNumberNull(),
			Message: types.StringValue("hi"), Type: wholeNumberNull(), ExpirySeconds: wholeNumberValue(defaultMessageExpirySeconds),
		},
		ID: types.StringValue("0123abcd"), Triggers: types.MapNull(types.StringType), SentAt: types.StringValue("2026-01-02T03:04:05Z"),
	}
	planned := sent
	planned.ID, planned.SentAt = types.StringUnknown(), types.StringUnknown()
	planned.Type = wholeNumberValue(3)

	req := resource.UpdateRequest{Plan: tfsdk.Plan{Schema: sr.Schema}, State: tfsdk.State{Schema: sr.Schema}}
	diags := req.Plan.Set(ctx, planned)
	diags.Append(req.State.Set(ctx, sent)...)
	if diags.HasError() {
		t.Fatal(diags)
	}
	resp := resource.UpdateResponse{State: tfsdk.State{Schema: sr.Schema}}
	r.Update(ctx, req, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var got messageResourceModel
	if d := resp.State.Get(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	if got.ID != sent.ID || got.SentAt != sent.SentAt {
		t.Errorf("the recorded send was not kept: id %s sent_at %s, want %s and %s", got.ID, got.SentAt, sent.ID, sent.SentAt)
	}
	if !got.Type.Equal(planned.Type) || got.Message != planned.Message {
		t.Errorf("the planned arguments were not taken: type %s message %s", got.Type, got.Message)
	}
}

// TestParseSentAt: the import ID of a message is an RFC 3339 time with a
// time zone, not after now; sent_at holds it in UTC.
func TestParseSentAt(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for id, want := range map[string]string{
		"2025-06-01T09:30:00Z":          "2025-06-01T09:30:00Z",
		"2025-06-01T11:30:00+02:00":     "2025-06-01T09:30:00Z",
		" 2025-06-01T09:30:00.25Z ":     "2025-06-01T09:30:00Z",
		"2025-06-01T12:00:30Z":          "2025-06-01T12:00:30Z", // a clock a little ahead
		"2020-01-01T00:00:00-05:00":     "2020-01-01T05:00:00Z",
		"2025-06-01T09:30:00.123+00:00": "2025-06-01T09:30:00Z",
	} {
		got, problem := parseSentAt(id, now)
		if problem != "" || got != want {
			t.Errorf("parseSentAt(%q) = %q, %q; want %q", id, got, problem, want)
		}
	}
	for id, says := range map[string]string{
		"yesterday":            `not "yesterday"`,
		"2025-06-01":           `not "2025-06-01"`,
		"2025-06-01T09:30:00":  "not", // no time zone
		"1748770200":           "not",
		"2025-06-01T14:00:00Z": "is in the future; check its time zone",
		"":                     `not ""`,
	} {
		if got, problem := parseSentAt(id, now); got != "" || !strings.Contains(problem, says) {
			t.Errorf("parseSentAt(%q) = %q, %q; want a problem that says %q", id, got, problem, says)
		}
	}
}

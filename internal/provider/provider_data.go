package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// providerData is what Configure hands to resources and data sources.
type providerData struct {
	client   *mesibo.Client
	appToken string // only to mask it in logs
	// owners records which resource of this provider configuration holds
	// which Mesibo object, and hands out the turns of user creates.
	owners owners
	// memberships coordinates the member edits of the
	// mesibo_group_membership resources of this provider configuration.
	memberships membershipRegistry
}

// logContext returns ctx with the app token and access tokens masked in every
// log line written through it. Each resource operation gets a fresh context
// from Terraform, so every entry point calls this first.
func (d *providerData) logContext(ctx context.Context) context.Context {
	return maskSecrets(ctx, d.appToken)
}

// sensitiveLogKeys are field names whose values are never logged.
var sensitiveLogKeys = []string{"app_token", "token", "access_token"}

func maskSecrets(ctx context.Context, appToken string) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, sensitiveLogKeys...)
	if appToken != "" {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, appToken)
		ctx = tflog.MaskMessageStrings(ctx, appToken)
	}
	return ctx
}

// providerDataFrom extracts the provider's data in a resource's or data
// source's Configure. It returns nil before the provider is configured.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", raw))
		return nil
	}
	return data
}

// LogLevelEnv is the environment variable that sets the level of the
// provider's own log lines, the client's included: terraform-plugin-go names
// it after the provider's type name, mesibo. main sets it to OFF when
// Terraform would discard the provider's logs.
const LogLevelEnv = "TF_LOG_PROVIDER_MESIBO"

// newClientLogger returns the client's logger for the provider's log level,
// the value of LogLevelEnv: nil when it is off. tflog would drop every line
// then, but only after the client had built its fields (the parameters of
// every request among them) and tflog had masked them; with no logger the
// client builds none.
func newClientLogger(level string) mesibo.Logger {
	if hclog.LevelFromString(level) == hclog.Off {
		return nil
	}
	return clientLogger{}
}

// clientLogger sends the client's log lines to Terraform's log through tflog.
type clientLogger struct{}

func (clientLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, flatFields(fields))
}

func (clientLogger) Trace(ctx context.Context, msg string, fields map[string]any) {
	tflog.Trace(ctx, msg, flatFields(fields))
}

// flatFields renders nested values as strings, because tflog's masking
// looks only at top-level string values: a token inside a nested map would
// otherwise escape it.
func flatFields(fields map[string]any) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		switch v.(type) {
		case string, bool, int, int64, float64, nil:
			out[k] = v
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

package provider

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// TestClientLoggerMasksNestedValues: a token anywhere in a field logged by
// the client, even inside a nested map, is masked in the provider's log.
func TestClientLoggerMasksNestedValues(t *testing.T) {
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	ctx = maskSecrets(ctx, "s3cr3t-app-token")
	clientLogger{}.Trace(ctx, "Mesibo API request", map[string]any{
		"op":         "useradd",
		"parameters": map[string]string{"token": "s3cr3t-app-token", "addr": "a@example.com"},
	})
	out := buf.String()
	if !strings.Contains(out, "a@example.com") {
		t.Fatalf("the log line was not captured: %q", out)
	}
	if strings.Contains(out, "s3cr3t-app-token") {
		t.Errorf("the app token reached the log: %s", out)
	}
}

// The API client gets no logger, and so builds no log fields, only when the
// provider's own log level is off; any other level, or none, keeps its lines.
func TestNewClientLoggerOnlyOffDropsTheLogger(t *testing.T) {
	for level, wantLogger := range map[string]bool{
		"": true, "trace": true, "DEBUG": true, "warn": true, "nonsense": true,
		"off": false, "OFF": false, " Off ": false,
	} {
		if got := newClientLogger(level) != nil; got != wantLogger {
			t.Errorf("newClientLogger(%q) gives a logger: %v, want %v", level, got, wantLogger)
		}
	}
}

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

package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// TestAddAPIError: every failure class gets a detail that says what to do,
// and ends with the API's own error.
func TestAddAPIError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"missing token", mesibo.ErrMissingAppToken, "MESIBO_APP_TOKEN"},
		{"refused token", &mesibo.APIError{Op: "usersget", Code: "AUTHFAIL", Status: 401}, "current token of the app in the Mesibo console"},
		{"app disabled", &mesibo.APIError{Op: "usersget", Code: "TOKENBREACH"}, "more than five IP addresses"},
		{"cancelled", fmt.Errorf("mesibo useradd: %w", context.Canceled), "cancelled before Mesibo answered"},
		{"transport", clientError(t, answerStatus(502), nil), "safe to repeat"},
		{"throttled", clientError(t, answerStatus(503), nil), "lower max_requests_per_second in the provider block (or MESIBO_MAX_REQUESTS_PER_SECOND)"},
		{"throttled, retries", clientError(t, answerStatus(429), nil), "raise max_retries (now 1)"},
		{"request timeout", clientError(t, stall, func(c *mesibo.Config) { c.RequestTimeout = 20 * time.Millisecond }), "raise request_timeout_seconds"},
		{"ambiguous lookup", fmt.Errorf("user %q: %w", "a_b", mesibo.ErrAmbiguousLookup), "cannot tell whether this user exists"},
		{"ambiguous lookup, pattern known", &mesibo.AmbiguousLookupError{Address: "a_b", Pattern: "a*b", Matched: 20},
			`To go on, make the pattern match fewer than 20 users: list them with data "mesibo_users" { address = "a*b" }`},
		{"refused with 404", clientError(t, answerStatus(404), nil), "refused the request with HTTP 404"},
		{"not TLS", clientError(t, answerStatus(200), func(c *mesibo.Config) { c.Endpoint = strings.Replace(c.Endpoint, "http:", "https:", 1) }), "No retry can cure that"},
		{"refused request", &mesibo.APIError{Op: "userset", Code: "BADPARA", Cause: "bad flag"}, "error code below says why"},
		{"invalid request", fmt.Errorf("mesibo useradd: address %q: %w", "a,b", mesibo.ErrInvalidRequest), "refused before anything was sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			addAPIError(&diags, summaryUpdateUser, "Could not change user \"a\".", tt.err)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics", len(diags))
			}
			d := diags[0]
			if d.Summary() != summaryUpdateUser {
				t.Errorf("summary %q", d.Summary())
			}
			detail := d.Detail()
			if !strings.HasPrefix(detail, "Could not change user \"a\".") || !strings.Contains(detail, tt.want) ||
				!strings.HasSuffix(detail, tt.err.Error()) {
				t.Errorf("detail %q should start with the action, say %q and end with %q", detail, tt.want, tt.err)
			}
		})
	}
	if advice(errors.New("x")) == "" {
		t.Error("an unclassified error gets no advice")
	}
}

// clientError is the error a client with opts gets from a server that
// answers with handler.
func clientError(t *testing.T, handler http.HandlerFunc, opts func(*mesibo.Config)) error {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := mesibo.Config{Endpoint: srv.URL + "/api.php", AppToken: "x", MaxRetries: 1, RetryWaitMin: time.Millisecond}
	if opts != nil {
		opts(&cfg)
	}
	c, err := mesibo.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.DeleteUser(context.Background(), 1)
	if err == nil {
		t.Fatal("the call succeeded")
	}
	return err
}

func answerStatus(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }
}

// stall answers nothing until the client gives up. The body is read first:
// the server notices a closed connection only once it has.
func stall(_ http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

func TestAddGoneError(t *testing.T) {
	var diags diag.Diagnostics
	err := &mesibo.APIError{Op: "groupset", Code: "NOGROUP"}
	addGoneError(&diags, summaryUpdateGroup, "Group 7", "Run terraform apply again: it will create the group anew.", err)
	if len(diags) != 1 || diags[0].Summary() != summaryUpdateGroup {
		t.Fatalf("diagnostics %v", diags)
	}
	detail := diags[0].Detail()
	for _, want := range []string{"Group 7 no longer exists in Mesibo", "deleted outside Terraform", "nothing was changed",
		"it will create the group anew", err.Error()} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q does not say %q", detail, want)
		}
	}
}

func TestImportCommand(t *testing.T) {
	for id, want := range map[string]string{
		"alice@example.com": "terraform import mesibo_user.<name> alice@example.com",
		"o'neil$x":          `terraform import mesibo_user.<name> 'o'\''neil$x'`,
	} {
		if got := importCommand("mesibo_user", id); got != want {
			t.Errorf("importCommand(%q) = %s, want %s", id, got, want)
		}
	}
}

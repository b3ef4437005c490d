package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The range of max_requests_per_second. Below the least, a plan of a few
// resources waits for minutes without a word; above the most, the limit
// never holds anything back.
const (
	minRequestsPerSecond = 0.1
	maxRequestsPerSecond = 10000
)

// requestRateRange says, for docs and errors, what max_requests_per_second
// may be.
var requestRateRange = fmt.Sprintf("between %s and %d requests per second",
	strconv.FormatFloat(minRequestsPerSecond, 'f', -1, 64), maxRequestsPerSecond)

// requestRateWhy says why the range has a floor.
var requestRateWhy = fmt.Sprintf("%s is one request every %d seconds: a lower limit would hold a plan of a few "+
	"resources for minutes.", strconv.FormatFloat(minRequestsPerSecond, 'f', -1, 64), int(1/minRequestsPerSecond))

// errRequestRateRange is the error of a rate limit out of range.
var errRequestRateRange = errors.New("must be " + requestRateRange)

// requestRateInRange reports whether f is a rate limit the provider takes.
func requestRateInRange(f float64) bool {
	return f >= minRequestsPerSecond && f <= maxRequestsPerSecond
}

// requestsPerSecondFromEnv reads the rate limit from its environment
// variable: unset or empty means no limit (0). The error completes the
// sentence "The variable ...".
func requestsPerSecondFromEnv(raw string) (float64, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	var numErr *strconv.NumError
	outOfRange := errors.As(err, &numErr) && errors.Is(numErr.Err, strconv.ErrRange) // such as 1e400
	if (err != nil && !outOfRange) || math.IsNaN(f) || (math.IsInf(f, 0) && !outOfRange) {
		return 0, fmt.Errorf("is %q, which is not a number", clipSetting(v))
	}
	if outOfRange || !requestRateInRange(f) {
		return 0, fmt.Errorf("is %s: it %w", clipSetting(v), errRequestRateRange)
	}
	return f, nil
}

// clipSetting shortens a setting's value for an error message.
func clipSetting(v string) string {
	const most = 40
	if len(v) <= most {
		return v
	}
	return strings.ToValidUTF8(v[:most], "") + "…"
}

// requestRateValidator checks max_requests_per_second. The attribute is a
// number of any size, as Terraform's are: a float64 attribute would fail to
// convert 1e400, which the framework reports as a provider bug.
type requestRateValidator struct{}

var _ validator.Number = requestRateValidator{}

func (requestRateValidator) Description(context.Context) string {
	return "value must be " + requestRateRange
}

func (v requestRateValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (requestRateValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	f := req.ConfigValue.ValueBigFloat()
	if f == nil {
		return
	}
	// Compared as the float64 the client takes: 1e400 becomes +Inf, and 0.1
	// the float64 nearest to it, which is the floor itself.
	if f64, _ := f.Float64(); requestRateInRange(f64) {
		return
	}
	got := f.Text('g', -1)
	resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidValue,
		fmt.Sprintf("%s must be %s, got: %s. %s Leave it out for no limit.", req.Path, requestRateRange, got, requestRateWhy))
}

// tokenWhitespace says what whitespace the app token has where none belongs
// ("ends with a line break"), or "" when it has none. It never quotes the
// token.
func tokenWhitespace(token string) string {
	trimmed := strings.TrimFunc(token, unicode.IsSpace)
	if trimmed == "" {
		return "is only whitespace"
	}
	if i := strings.IndexFunc(token, unicode.IsSpace); i < 0 {
		return ""
	}
	kind := func(s string) string {
		switch {
		case strings.ContainsAny(s, "\r\n"):
			return "a line break"
		case strings.Trim(s, " \t") == "":
			return "a space or tab"
		}
		return "whitespace"
	}
	head := token[:strings.Index(token, trimmed)]
	tail := token[len(head)+len(trimmed):]
	switch {
	case tail != "":
		return "ends with " + kind(tail)
	case head != "":
		return "begins with " + kind(head)
	}
	var inside strings.Builder
	for _, r := range trimmed {
		if unicode.IsSpace(r) {
			inside.WriteRune(r)
		}
	}
	return "contains " + kind(inside.String())
}

// requestFormat is the request format the provider's client uses: the
// request_format setting (its validator has checked it), else the
// MESIBO_REQUEST_FORMAT environment variable, else the endpoint's default
// (json for a path ending in /backend or /backend/, form otherwise). An
// environment variable that names no format is an error on request_format,
// added to diags, and ok is false.
func requestFormat(setting types.String, endpoint string, diags *diag.Diagnostics) (format mesibo.RequestFormat, ok bool) {
	raw, source := setting.ValueString(), "request_format"
	if setting.IsNull() {
		raw, source = strings.TrimSpace(os.Getenv(envRequestFormat)), "env"
	}
	f, err := mesibo.ResolveRequestFormat(raw, endpoint)
	if err == nil {
		return f, true
	}
	if source == "env" {
		diags.AddAttributeError(path.Root("request_format"), "Invalid Mesibo Provider Setting",
			fmt.Sprintf("The %s environment variable is %q, which is not a request format: set it to %q (the legacy form "+
				"parameters) or %q (the JSON backend API), or unset it to choose by the endpoint (%q for a path "+
				"ending in /backend/, else %q).", envRequestFormat, clipSetting(raw), mesibo.FormatForm, mesibo.FormatJSON,
				mesibo.FormatJSON, mesibo.FormatForm))
		return "", false
	}
	diags.AddAttributeError(path.Root("request_format"), summaryInvalidValue, "request_format: "+err.Error()+".")
	return "", false
}

package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// requestsPerSecondFromEnv reads the rate limit from its environment
// variable: unset or empty means no limit (0). The error completes the
// sentence "The variable ...".
func requestsPerSecondFromEnv(raw string) (float64, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("is %q, which is not a number", clipSetting(v))
	}
	if f <= 0 {
		return 0, errors.New("must be greater than 0")
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

// positiveFloat64Validator accepts numbers greater than 0. The official
// float64validator offers AtLeast, which cannot leave out 0 itself.
type positiveFloat64Validator struct{}

var _ validator.Float64 = positiveFloat64Validator{}

func (positiveFloat64Validator) Description(context.Context) string {
	return "value must be greater than 0"
}

func (v positiveFloat64Validator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (positiveFloat64Validator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if v := req.ConfigValue.ValueFloat64(); !(v > 0) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value",
			fmt.Sprintf("%s must be greater than 0, got: %s. Leave it out for no limit.", req.Path,
				strconv.FormatFloat(v, 'g', -1, 64)))
	}
}

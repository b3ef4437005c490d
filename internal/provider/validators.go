package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"golang.org/x/text/unicode/norm"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// addressRules describes, for docs and errors, what an address may contain.
const addressRules = "a non-empty string with no asterisk (`*`), comma (`,`), whitespace or control character, " +
	"in composed Unicode (NFC)"

// addressValidator checks a Mesibo user address at plan time.
type addressValidator struct{}

var _ validator.String = addressValidator{}

func (addressValidator) Description(context.Context) string {
	return "must be " + strings.ReplaceAll(addressRules, "`", "")
}

func (addressValidator) MarkdownDescription(context.Context) string {
	return "must be " + addressRules
}

func (v addressValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if reason := addressProblem(req.ConfigValue.ValueString()); reason != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Mesibo Address",
			fmt.Sprintf("%s. An address must be %s.", reason, strings.ReplaceAll(addressRules, "`", "")))
	}
}

// addressProblem says what is wrong with address, or "" when nothing is.
//
// Terraform composes every string of a configuration and every import ID
// into NFC before the provider sees it, so an address in another form can
// reach the provider only by some other way; it is refused rather than
// managed under a spelling that no configuration can write.
func addressProblem(address string) string {
	err := mesibo.ValidateAddress(address)
	if err == nil {
		if !norm.NFC.IsNormalString(address) {
			return fmt.Sprintf("Address %s is not in composed Unicode (NFC): write it as %s. Terraform composes every "+
				"string it passes to the provider, so this spelling could be neither configured nor imported",
				strconv.QuoteToASCII(address), strconv.QuoteToASCII(norm.NFC.String(address)))
		}
		return ""
	}
	msg := strings.TrimPrefix(err.Error(), mesibo.ErrInvalidRequest.Error()+": ")
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// addressPatternValidator checks a usersget address pattern: "*" allowed.
type addressPatternValidator struct{}

var _ validator.String = addressPatternValidator{}

func (addressPatternValidator) Description(context.Context) string {
	return "must be a non-empty pattern without whitespace or control characters; * matches any run of characters"
}

func (v addressPatternValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v addressPatternValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	pattern := req.ConfigValue.ValueString()
	bad := pattern == ""
	for _, r := range pattern {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			bad = true
		}
	}
	if bad {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Address Pattern",
			fmt.Sprintf("The pattern %q %s.", pattern, v.Description(ctx)))
	}
}

// parseGID reads an import ID that must be a GID.
func parseGID(id string) (int64, error) {
	gid, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || gid <= 0 {
		return 0, fmt.Errorf("the import ID must be the group's GID, a positive whole number such as 5001, not %q", id)
	}
	return gid, nil
}

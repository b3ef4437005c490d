package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestAddressValidatorComposedUnicode: an address in decomposed Unicode is
// refused with the composed spelling shown. Terraform composes every string
// of a configuration, so this guards import IDs, which Terraform 1.5 passes
// on as they are.
func TestAddressValidatorComposedUnicode(t *testing.T) {
	for address, want := range map[string][]string{
		"zoe\u0301@example.com": {`Address "zoe\u0301@example.com" is not in composed Unicode (NFC)`,
			`composed, it reads "zo\u00e9@example.com"`, "no configuration can name this spelling",
			"the next plan would replace the user",
			"An address must be a non-empty string with no asterisk (*), comma (,), whitespace or control character, in composed Unicode (NFC)."},
		"zo\u00e9@example.com": nil,
		"+14155550100":         nil,
		"日本@example.com":       nil,
	} {
		var resp validator.StringResponse
		addressValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("address"), ConfigValue: types.StringValue(address),
		}, &resp)
		if want == nil {
			if resp.Diagnostics.HasError() {
				t.Errorf("%q is refused: %v", address, resp.Diagnostics)
			}
			continue
		}
		if resp.Diagnostics.ErrorsCount() != 1 {
			t.Fatalf("%q: got %v, want one error", address, resp.Diagnostics)
		}
		d := resp.Diagnostics.Errors()[0]
		for _, w := range want {
			if !strings.Contains(d.Detail(), w) {
				t.Errorf("%q: the error does not say %q:\n%s", address, w, d.Detail())
			}
		}
	}
}

// TestMesiboNumberValidator: the largest number Mesibo is taken to store
// passes, one more does not.
func TestMesiboNumberValidator(t *testing.T) {
	for v, ok := range map[int64]bool{0: true, 2147483647: true, 2147483648: false, 9223372036854775807: false} {
		var resp validator.Int64Response
		mesiboNumberValidator{}.ValidateInt64(context.Background(), validator.Int64Request{
			Path: path.Root("flag"), ConfigValue: types.Int64Value(v),
		}, &resp)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%d: refused = %v, want %v: %v", v, resp.Diagnostics.HasError(), !ok, resp.Diagnostics)
		}
	}
}

// TestAppIDValidator: any app ID with something in it passes, spaces inside
// included; blank ones and surrounding whitespace do not.
func TestAppIDValidator(t *testing.T) {
	for id, ok := range map[string]bool{
		"com.example.chat": true, "My Chat App": true, "": false, " ": false, "\t\n": false,
		" com.example.chat": false, "com.example.chat\n": false,
	} {
		var resp validator.StringResponse
		appIDValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("app_id"), ConfigValue: types.StringValue(id),
		}, &resp)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%q: refused = %v, want %v: %v", id, resp.Diagnostics.HasError(), !ok, resp.Diagnostics)
		}
	}
}

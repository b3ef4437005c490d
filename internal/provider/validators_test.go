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
			"An address must be a non-empty string with no asterisk (*), comma (,), whitespace, control character or invisible character (such as a zero-width space or a byte order mark), in composed Unicode (NFC)."},
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

// TestAddressValidatorInvisibleCharacters: an address with a character that
// does not show is refused, naming the character by its code point and
// where it is; addresses in other scripts, with accents or emoji, pass.
func TestAddressValidatorInvisibleCharacters(t *testing.T) {
	for address, want := range map[string][]string{
		"\ufeffalice@example.com": {`Address "\ufeffalice@example.com" contains U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark) at the start, an invisible character.`,
			"It would read like the address without it, yet Mesibo would keep it as another address", "delete it"},
		"ali\u200bce@example.com": {`contains U+200B (ZERO WIDTH SPACE) after "ali", an invisible character`},
		"alice\u200c@example.com": {`U+200C (ZERO WIDTH NON-JOINER) after "alice"`},
		"alice@example.com\u200d": {`U+200D (ZERO WIDTH JOINER) at the end`},
		"alice\u2060@example.com": {`U+2060 (WORD JOINER) after "alice"`},
		"al\u00adice@example.com": {`U+00AD (SOFT HYPHEN) after "al"`},
		"\u200ealice@example.com": {`U+200E (LEFT-TO-RIGHT MARK) at the start`},
		"alice\u202e@example.com": {`U+202E (RIGHT-TO-LEFT OVERRIDE)`},
		// Format characters without a name in the provider's table, and
		// other default-ignorable ones: a variation selector, a Hangul
		// filler, a tag character.
		"alice\u2063@example.com":     {`U+2063 after "alice", an invisible character`},
		"zo\u00e9\ufe0f@example.com":  {`Address "zo\u00e9\ufe0f@example.com" contains U+FE0F (VARIATION SELECTOR-16) after "zo\u00e9"`},
		"\u3164@example.com":          {`U+3164 (HANGUL FILLER) at the start`},
		"alice\U000e0001@example.com": {`U+E0001 after "alice"`},
		// A format character that shows is a format character.
		"\u0600123@example.com": {`U+0600 at the start, a format character.`},

		"alice@example.com":      nil,
		"zo\u00e9@example.com":   nil,
		"+14155550100":           nil,
		"日本@example.com":         nil,
		"مریم@example.com":       nil,
		"\U0001F642@example.com": nil,
	} {
		problem := addressProblem(address)
		if want == nil {
			if problem != "" {
				t.Errorf("%q is refused: %s", address, problem)
			}
			continue
		}
		for _, w := range want {
			if !strings.Contains(problem, w) {
				t.Errorf("%q: the problem does not say %q:\n%s", address, w, problem)
			}
		}
	}
}

// TestAddressPatternValidator: a usersget pattern is refused when it is
// empty or has whitespace, a control character, a comma or an invisible
// character, with an error that says which and why; wildcards pass.
func TestAddressPatternValidator(t *testing.T) {
	for pattern, want := range map[string][]string{
		"":         {"The pattern is empty."},
		"alice *":  {`The pattern "alice *" contains whitespace or a control character.`},
		"alice\t*": {`The pattern "alice\t*" contains whitespace or a control character.`},
		"a*,b*": {`The pattern "a*,b*" contains a comma.`,
			"Mesibo's API sends lists of addresses as comma-separated text", "an address cannot contain a comma"},
		"\ufeff*@example.com": {`The pattern "\ufeff*@example.com" contains U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark) at the start, an invisible character:`,
			"match only addresses that contain it"},
		"*\u200b@example.com": {`U+200B (ZERO WIDTH SPACE) after "*"`},

		"*":               nil,
		"*@example.com":   nil,
		"alice@example.*": nil,
		"zo\u00e9*":       nil,
	} {
		var resp validator.StringResponse
		addressPatternValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("address"), ConfigValue: types.StringValue(pattern),
		}, &resp)
		if want == nil {
			if resp.Diagnostics.HasError() {
				t.Errorf("%q is refused: %v", pattern, resp.Diagnostics)
			}
			continue
		}
		if resp.Diagnostics.ErrorsCount() != 1 {
			t.Fatalf("%q: got %v, want one error", pattern, resp.Diagnostics)
		}
		d := resp.Diagnostics.Errors()[0]
		want = append(want, "A pattern must not be empty, and must have no comma, whitespace, control character or "+
			"invisible character; * matches any run of characters.")
		for _, w := range want {
			if !strings.Contains(d.Detail(), w) {
				t.Errorf("%q: the error does not say %q:\n%s", pattern, w, d.Detail())
			}
		}
	}
}

// TestValidatorDescriptions: each validator states its rule twice, for the
// CLI and (with Markdown) for the docs; the two say the same, and say it as
// a rule.
func TestValidatorDescriptions(t *testing.T) {
	ctx := context.Background()
	for name, v := range map[string]validator.Describer{
		"address":         addressValidator{},
		"address pattern": addressPatternValidator{},
		"mesibo number":   mesiboNumberValidator{},
		"app ID":          appIDValidator{},
	} {
		plain, md := v.Description(ctx), v.MarkdownDescription(ctx)
		if plain != strings.ReplaceAll(md, "`", "") {
			t.Errorf("%s: Description %q is not MarkdownDescription %q without its Markdown", name, plain, md)
		}
		if !strings.Contains(plain, "must") {
			t.Errorf("%s: Description %q states no rule", name, plain)
		}
	}
}

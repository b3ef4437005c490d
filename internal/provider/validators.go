package provider

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"golang.org/x/text/unicode/norm"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// addressRules describes, for docs and errors, what an address may contain.
const addressRules = "a non-empty string with no asterisk (`*`), comma (`,`), whitespace, control character or " +
	"invisible character (such as a zero-width space or a byte order mark), in composed Unicode (NFC)"

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
// Terraform composes every string of a configuration into NFC before the
// provider sees it, so an address in another form comes only from an import
// ID (Terraform 1.11 composes those too, 1.5 does not). It is refused: the
// configuration could never name it, and the plan after such an import would
// replace the user to change its address to the composed spelling.
//
// An invisible character is refused too (see invisibleCharacter): the
// address would read like one without it, yet be another user.
func addressProblem(address string) string {
	if err := mesibo.ValidateAddress(address); err != nil {
		msg := strings.TrimPrefix(err.Error(), mesibo.ErrInvalidRequest.Error()+": ")
		return strings.ToUpper(msg[:1]) + msg[1:]
	}
	if c, ok := invisibleCharacter(address); ok {
		return fmt.Sprintf("Address %s contains %s. It would read like the address without it, yet Mesibo would "+
			"keep it as another address, and another user. Such a character usually comes in with a copied "+
			"address (a byte order mark from the start of a file, a zero-width space from a web page or a "+
			"chat): delete it", strconv.QuoteToASCII(address), c)
	}
	if !norm.NFC.IsNormalString(address) {
		return fmt.Sprintf("Address %s is not in composed Unicode (NFC); composed, it reads %s. Terraform composes "+
			"every string of a configuration, so no configuration can name this spelling, and after importing it "+
			"the next plan would replace the user to change its address",
			strconv.QuoteToASCII(address), strconv.QuoteToASCII(norm.NFC.String(address)))
	}
	return ""
}

// invisibleCharacter finds the first character of s that shows nothing, or
// only shapes the text around it: a Unicode format character (category Cf:
// a zero-width space, a byte order mark, a left-to-right mark, ...; a few
// of them, such as the Arabic number signs, do show) or another
// default-ignorable code point (a variation selector, a Hangul filler, ...). It describes it for an error, by code point, name where
// known, and place: "U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark)
// at the start, an invisible character".
func invisibleCharacter(s string) (description string, found bool) {
	for i, r := range s {
		if !unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "U+%04X", r)
		if name := invisibleNames[r]; name != "" {
			fmt.Fprintf(&b, " (%s)", name)
		}
		switch {
		case i == 0:
			b.WriteString(" at the start")
		case i+utf8.RuneLen(r) == len(s):
			b.WriteString(" at the end")
		default:
			fmt.Fprintf(&b, " after %s", strconv.QuoteToASCII(s[:i]))
		}
		if unicode.Is(unicode.Prepended_Concatenation_Mark, r) {
			b.WriteString(", a format character") // one that shows, such as ARABIC NUMBER SIGN
		} else {
			b.WriteString(", an invisible character")
		}
		return b.String(), true
	}
	return "", false
}

// invisibleNames are the Unicode names of the invisible characters most
// likely to slip into an address, for errors; the others go by code point.
var invisibleNames = map[rune]string{
	0x00AD: "SOFT HYPHEN",
	0x034F: "COMBINING GRAPHEME JOINER",
	0x061C: "ARABIC LETTER MARK",
	0x180E: "MONGOLIAN VOWEL SEPARATOR",
	0x200B: "ZERO WIDTH SPACE",
	0x200C: "ZERO WIDTH NON-JOINER",
	0x200D: "ZERO WIDTH JOINER",
	0x200E: "LEFT-TO-RIGHT MARK",
	0x200F: "RIGHT-TO-LEFT MARK",
	0x202A: "LEFT-TO-RIGHT EMBEDDING",
	0x202B: "RIGHT-TO-LEFT EMBEDDING",
	0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE",
	0x202E: "RIGHT-TO-LEFT OVERRIDE",
	0x2060: "WORD JOINER",
	0x2066: "LEFT-TO-RIGHT ISOLATE",
	0x2067: "RIGHT-TO-LEFT ISOLATE",
	0x2068: "FIRST STRONG ISOLATE",
	0x2069: "POP DIRECTIONAL ISOLATE",
	0x3164: "HANGUL FILLER",
	0xFE0E: "VARIATION SELECTOR-15",
	0xFE0F: "VARIATION SELECTOR-16",
	0xFEFF: "ZERO WIDTH NO-BREAK SPACE, the byte order mark",
}

// addressPatternValidator checks a usersget address pattern: "*" allowed.
type addressPatternValidator struct{}

var _ validator.String = addressPatternValidator{}

func (addressPatternValidator) Description(context.Context) string {
	return "must not be empty, and must have no comma, whitespace, control character or invisible character; " +
		"* matches any run of characters"
}

func (v addressPatternValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v addressPatternValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if reason := patternProblem(req.ConfigValue.ValueString()); reason != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Address Pattern",
			fmt.Sprintf("%s. A pattern %s.", reason, v.Description(ctx)))
	}
}

// patternProblem says what is wrong with a usersget pattern, or "" when
// nothing is. Its invisible characters are found as an address's are.
func patternProblem(pattern string) string {
	if pattern == "" {
		return "The pattern is empty"
	}
	for _, r := range pattern {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Sprintf("The pattern %q contains whitespace or a control character", pattern)
		}
	}
	if strings.Contains(pattern, ",") {
		return fmt.Sprintf("The pattern %q contains a comma. Mesibo's API sends lists of addresses as "+
			"comma-separated text (the members of a group, for one), so an address cannot contain a comma, and a "+
			"pattern with one could match only addresses that the provider cannot manage", pattern)
	}
	if c, ok := invisibleCharacter(pattern); ok {
		return fmt.Sprintf("The pattern %s contains %s: it would read like the pattern without it, yet match only "+
			"addresses that contain it, which the provider cannot manage. Delete it", strconv.QuoteToASCII(pattern), c)
	}
	return ""
}

// addressPatternRules describes the address pattern of usersget, for the
// mesibo_users data source and the mesibo_user list resource.
const addressPatternRules = "The address pattern; `*` matches any run of characters (`*@example.com`). " +
	"Defaults to `*`, every user. The pattern is sent to Mesibo as it is: Mesibo documents only `*` " +
	"as a wildcard, but its matcher may read other characters (such as `?`, `[`, `_` or `%`) as " +
	"wildcards too, and may match letters without regard to case. It must not be empty, and must have " +
	"no whitespace, control character, invisible character (such as a zero-width space) or comma: " +
	"Mesibo's API sends lists of addresses as comma-separated text, so no address can contain one."

// maxMesiboNumber is the largest whole number the provider sends Mesibo for
// a setting it stores: a user's token_expiry_minutes, max_groups and flag, a
// group's flag, expiry_seconds and expiry_extension_seconds, a message's type
// and expiry_seconds. Mesibo's
// backend is PHP on MySQL and documents no range; the provider takes the
// largest value of MySQL's signed INT, 2^31-1, which also fits a 32-bit PHP
// integer, so that a larger number is refused at plan time rather than cut
// down or turned negative by the server. (2147483647 minutes is more than
// 4000 years; seconds, more than 68 years.) The provider's index page says so.
const maxMesiboNumber = math.MaxInt32

// mesiboNumberValidator refuses a number above maxMesiboNumber.
type mesiboNumberValidator struct{}

var _ validator.Int64 = mesiboNumberValidator{}

func (mesiboNumberValidator) Description(context.Context) string {
	return fmt.Sprintf("value must be at most %d", maxMesiboNumber)
}

func (v mesiboNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (mesiboNumberValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueInt64() <= maxMesiboNumber {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidValue, fmt.Sprintf("Attribute %s value must be at most "+
		"%d, got: %d. %d (2^31-1) is the largest whole number Mesibo is taken to store (a signed 32-bit integer, "+
		"as in its MySQL database); a larger one could be cut down or turned negative.",
		req.Path, maxMesiboNumber, req.ConfigValue.ValueInt64(), maxMesiboNumber))
}

// appIDValidator checks an app ID: not blank, and without whitespace around
// it, which Mesibo would keep as part of the ID (a trailing newline from a
// file, say), so that the token would be for an app that does not exist.
type appIDValidator struct{}

var _ validator.String = appIDValidator{}

func (appIDValidator) Description(context.Context) string {
	return "must name an app: not empty, and with no whitespace at the start or end"
}

func (v appIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (appIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	id := req.ConfigValue.ValueString()
	switch trimmed := strings.TrimSpace(id); {
	case trimmed == "":
		resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidValue,
			fmt.Sprintf("Attribute %s must name an app, not be empty or only whitespace, got: %q.", req.Path, id))
	case trimmed != id:
		resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidValue, fmt.Sprintf("Attribute %s must not begin or "+
			"end with whitespace, got: %q. Mesibo would keep it as part of the app ID, and the access token would be "+
			"for an app of that name: write %q (for a value read from a file, trimspace(file(...)) removes it).",
			req.Path, id, trimmed))
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

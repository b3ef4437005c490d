package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// routeTo sends every request the client makes, whatever the endpoint's
// host, to the emulator, so that the emulator counts a request to any
// endpoint at all.
func routeTo(e *testEmulator) func(*mesibo.Config) {
	u, err := url.Parse(e.endpoint)
	if err != nil {
		panic(err)
	}
	return func(c *mesibo.Config) {
		var d net.Dialer
		c.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "tcp", u.Host)
			},
		}}
	}
}

// validationCase is a configuration a user might write by mistake, and the
// error they see.
type validationCase struct {
	name string
	// provider writes the provider block for the test's emulator;
	// e.providerBlock("") when nil.
	provider func(e *testEmulator) string
	config   string
	// importID, when set, imports resource (the first resource in config)
	// with it instead of applying.
	importID, resource string
	// want are phrases the error shows, in order.
	want []string
}

// userWith declares a user with one attribute set to a bad value.
func userWith(attr string) string {
	return fmt.Sprintf(`
resource "mesibo_user" "test" {
  address = "valid-address"
  app_id  = "com.example.chat"
  %s
}
`, attr)
}

func groupWith(attr string) string {
	return fmt.Sprintf("\nresource \"mesibo_group\" \"test\" {\n  name = \"team\"\n  %s\n}\n", attr)
}

// with adds a setting to the emulator's provider block.
func with(setting string) func(e *testEmulator) string {
	return func(e *testEmulator) string { return e.providerBlock(setting) }
}

// callsTheAPI is a configuration whose plan calls the API: a data source
// is read and a user looked up when it is created.
const callsTheAPI = `
data "mesibo_users" "all" {}

resource "mesibo_user" "test" {
  address = "valid-address"
  app_id  = "com.example.chat"
}
`

var validationCases = []validationCase{
	// mesibo_user
	{name: "user address empty", config: `resource "mesibo_user" "test" {
  address = ""
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", `address = ""`, "An address must not be empty",
		"An address must be a non-empty string with no asterisk (*), comma (,), whitespace, control character or invisible character (such as a zero-width space or a byte order mark), in composed Unicode (NFC)."}},
	{name: "user address wildcard", config: `resource "mesibo_user" "test" {
  address = "a*b"
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", `address = "a*b"`, `Address "a*b" contains "*", which the API reads as a wildcard`,
		"must be a non-empty string with no asterisk (*), comma (,), whitespace, control character or invisible character (such as a zero-width space or a byte order mark), in composed Unicode (NFC)."}},
	{name: "user address comma", config: `resource "mesibo_user" "test" {
  address = "a,b"
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", `address = "a,b"`, `Address "a,b" contains a comma, which the API cannot express in a member list`,
		"must be a non-empty string with no asterisk"}},
	{name: "user address whitespace", config: `resource "mesibo_user" "test" {
  address = "alice smith"
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", `address = "alice smith"`, `Address "alice smith" contains whitespace`,
		"must be a non-empty string with no asterisk"}},
	{name: "user address control character", config: `resource "mesibo_user" "test" {
  address = "alice\u0007"
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", "address", `Address "alice\a" contains a control character`,
		"must be a non-empty string with no asterisk"}},
	{name: "user address byte order mark", config: `resource "mesibo_user" "test" {
  address = "\ufeffalice@example.com"
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", "address",
		`Address "\ufeffalice@example.com" contains U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark) at the start, an invisible character.`,
		"It would read like the address without it, yet Mesibo would keep it as another address", "delete it",
		"An address must be a non-empty string with no asterisk"}},
	{name: "user address zero-width space", config: `resource "mesibo_user" "test" {
  address = "alice\u200b@example.com"
  app_id  = "app"
}`, want: []string{"Invalid Mesibo Address", "address", `Address "alice\u200b@example.com" contains U+200B (ZERO WIDTH SPACE) after "alice"`}},
	{name: "user app_id empty", config: `resource "mesibo_user" "test" {
  address = "valid-address"
  app_id  = ""
}`, want: []string{"Invalid Attribute Value", `app_id  = ""`, `Attribute app_id must name an app, not be empty or only whitespace, got: "".`}},
	{name: "user app_id whitespace", config: `resource "mesibo_user" "test" {
  address = "valid-address"
  app_id  = "   "
}`, want: []string{"Invalid Attribute Value", `app_id  = "   "`, `Attribute app_id must name an app, not be empty or only whitespace, got: "   "`}},
	{name: "user app_id trailing newline", config: `resource "mesibo_user" "test" {
  address = "valid-address"
  app_id  = "com.example.chat\n"
}`, want: []string{"Invalid Attribute Value", "app_id", `Attribute app_id must not begin or end with whitespace, got: "com.example.chat\n"`,
		"Mesibo would keep it as part of the app ID", "trimspace"}},
	{name: "user token_expiry_minutes 2^63-1", config: userWith("token_expiry_minutes = 9223372036854775807"),
		want: []string{"Invalid Attribute Value", "token_expiry_minutes = 9223372036854775807",
			"Attribute token_expiry_minutes value must be at most 2147483647, got: 9223372036854775807",
			"the largest whole number Mesibo is taken to store"}},
	{name: "user max_groups 2^31", config: userWith("max_groups = 2147483648"),
		want: []string{"Invalid Attribute Value", "max_groups = 2147483648", "Attribute max_groups value must be at most 2147483647, got: 2147483648"}},
	{name: "user flag 2^63-1", config: userWith("flag = 9223372036854775807"),
		want: []string{"Invalid Attribute Value", "flag = 9223372036854775807", "Attribute flag value must be at most 2147483647, got: 9223372036854775807"}},
	{name: "user token_expiry_minutes 0", config: userWith("token_expiry_minutes = 0"),
		want: []string{"Invalid Attribute Value", "token_expiry_minutes = 0", "Attribute token_expiry_minutes value must be at least 1, got: 0"}},
	{name: "user max_groups -1", config: userWith("max_groups = -1"),
		want: []string{"Invalid Attribute Value", "max_groups = -1", "Attribute max_groups value must be at least 0, got: -1"}},
	{name: "user flag -1", config: userWith("flag = -1"),
		want: []string{"Invalid Attribute Value", "flag = -1", "Attribute flag value must be at least 0, got: -1"}},
	// A number that is not a whole int64 is refused as a bad value, not as a
	// conversion failure that asks for a bug report.
	{name: "user token_expiry_minutes 1.5", config: userWith("token_expiry_minutes = 1.5"),
		want: []string{"Invalid Attribute Value", "token_expiry_minutes = 1.5", "Attribute token_expiry_minutes value must be a whole number, got: 1.5"}},
	{name: "user max_groups 2.25", config: userWith("max_groups = 2.25"),
		want: []string{"Invalid Attribute Value", "max_groups = 2.25", "Attribute max_groups value must be a whole number, got: 2.25"}},
	{name: "user flag 1e30", config: userWith("flag = 1e30"),
		want: []string{"Invalid Attribute Value", "flag = 1e30",
			"Attribute flag value must be a whole number from -9223372036854775808 to 9223372036854775807, got: 1e+30"}},

	// mesibo_group
	{name: "group flag -1", config: groupWith("flag = -1"),
		want: []string{"Invalid Attribute Value", "flag = -1", "Attribute flag value must be at least 0, got: -1"}},
	{name: "group expiry_seconds 0", config: groupWith("expiry_seconds = 0"),
		want: []string{"Invalid Attribute Value", "expiry_seconds = 0", "Attribute expiry_seconds value must be at least 1, got: 0"}},
	{name: "group expiry_extension_seconds -1", config: groupWith("expiry_extension_seconds = -1"),
		want: []string{"Invalid Attribute Value", "expiry_extension_seconds = -1", "Attribute expiry_extension_seconds value must be at least 0, got: -1"}},

	{name: "group flag 2^63-1", config: groupWith("flag = 9223372036854775807"),
		want: []string{"Invalid Attribute Value", "flag = 9223372036854775807", "Attribute flag value must be at most 2147483647, got: 9223372036854775807"}},
	{name: "group expiry_seconds 2^31", config: groupWith("expiry_seconds = 2147483648"),
		want: []string{"Invalid Attribute Value", "expiry_seconds = 2147483648", "Attribute expiry_seconds value must be at most 2147483647, got: 2147483648"}},
	{name: "group expiry_extension_seconds 2^63-1", config: groupWith("expiry_extension_seconds = 9223372036854775807"),
		want: []string{"Invalid Attribute Value", "expiry_extension_seconds = 9223372036854775807",
			"Attribute expiry_extension_seconds value must be at most 2147483647, got: 9223372036854775807"}},
	{name: "group expiry_seconds 1.5", config: groupWith("expiry_seconds = 1.5"),
		want: []string{"Invalid Attribute Value", "expiry_seconds = 1.5", "Attribute expiry_seconds value must be a whole number, got: 1.5"}},

	// mesibo_group_membership
	{name: "membership gid 0", config: `resource "mesibo_group_membership" "test" {
  gid     = 0
  members = ["alice"]
}`, want: []string{"Invalid Attribute Value", "gid", "= 0", "Attribute gid value must be at least 1, got: 0"}},
	{name: "membership bad member", config: `resource "mesibo_group_membership" "test" {
  gid     = 501
  members = ["alice", "bob,carol"]
}`, want: []string{"Invalid Mesibo Address", "members", `Address "bob,carol" contains a comma`, "must be a non-empty string with no asterisk"}},
	{name: "membership member word joiner", config: `resource "mesibo_group_membership" "test" {
  gid     = 501
  members = ["alice", "bob\u2060@example.com"]
}`, want: []string{"Invalid Mesibo Address", "members", `Address "bob\u2060@example.com" contains U+2060 (WORD JOINER) after "bob"`}},

	{name: "membership gid 2.5", config: `resource "mesibo_group_membership" "test" {
  gid     = 2.5
  members = ["alice"]
}`, want: []string{"Invalid Attribute Value", "gid", "= 2.5", "Attribute gid value must be a whole number, got: 2.5"}},
	{name: "message type 0.5", config: `resource "mesibo_message" "test" {
  from    = "alice"
  to      = "bob"
  message = "hi"
  type    = 0.5
}`, want: []string{"Invalid Attribute Value", "type", "= 0.5", "Attribute type value must be a whole number, got: 0.5"}},
	{name: "message sender zero-width joiner", config: `resource "mesibo_message" "test" {
  from    = "bot\u200d"
  to      = "bob"
  message = "hi"
}`, want: []string{"Invalid Mesibo Address", "from", `Address "bot\u200d" contains U+200D (ZERO WIDTH JOINER) at the end`}},
	{name: "message recipient byte order mark", config: `resource "mesibo_message" "test" {
  from    = "bot"
  to      = "\ufeffbob"
  message = "hi"
}`, want: []string{"Invalid Mesibo Address", "to", `Address "\ufeffbob" contains U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark) at the start`}},
	{name: "user data source soft hyphen", config: `data "mesibo_user" "test" {
  address = "al\u00adice@example.com"
}`, want: []string{"Invalid Mesibo Address", "address", `Address "al\u00adice@example.com" contains U+00AD (SOFT HYPHEN) after "al"`}},
	{name: "group members gid 1.5", config: `data "mesibo_group_members" "test" {
  gid = 1.5
}`, want: []string{"Invalid Attribute Value", "gid = 1.5", "Attribute gid value must be a whole number, got: 1.5"}},

	// data mesibo_users
	{name: "users limit 0", config: `data "mesibo_users" "test" {
  limit = 0
}`, want: []string{"Invalid Attribute Value", "limit = 0", "Attribute limit value must be between 1 and 20, got: 0"}},
	{name: "users limit 21", config: `data "mesibo_users" "test" {
  limit = 21
}`, want: []string{"Invalid Attribute Value", "limit = 21", "Attribute limit value must be between 1 and 20, got: 21"}},
	{name: "users limit 1.5", config: `data "mesibo_users" "test" {
  limit = 1.5
}`, want: []string{"Invalid Attribute Value", "limit = 1.5", "Attribute limit value must be a whole number, got: 1.5"}},
	{name: "users address pattern whitespace", config: `data "mesibo_users" "test" {
  address = "alice *"
}`, want: []string{"Invalid Address Pattern", `address = "alice *"`, `The pattern "alice *" contains whitespace or a control character.`,
		"A pattern must not be empty, and must have no comma, whitespace, control character or invisible character; * matches any run of characters."}},
	{name: "users address pattern comma", config: `data "mesibo_users" "test" {
  address = "alice*,bob*"
}`, want: []string{"Invalid Address Pattern", `address = "alice*,bob*"`, `The pattern "alice*,bob*" contains a comma.`,
		"Mesibo's API sends lists of addresses as comma-separated text", "an address cannot contain a comma",
		"could match only addresses that the provider cannot manage"}},
	{name: "users address pattern zero-width space", config: `data "mesibo_users" "test" {
  address = "\u200b*@example.com"
}`, want: []string{"Invalid Address Pattern", "address", `The pattern "\u200b*@example.com" contains U+200B (ZERO WIDTH SPACE) at the start, an invisible character`}},

	// provider
	{name: "provider request_timeout_seconds 0", provider: with("request_timeout_seconds = 0"), config: callsTheAPI,
		want: []string{"Invalid Attribute Value", "request_timeout_seconds = 0", "Attribute request_timeout_seconds value must be between 1 and 3600, got: 0"}},
	{name: "provider max_retries -1", provider: with("max_retries = -1"), config: callsTheAPI,
		want: []string{"Invalid Attribute Value", "max_retries = -1", "Attribute max_retries value must be between 0 and 50, got: -1"}},
	{name: "provider max_retries 1.5", provider: with("max_retries = 1.5"), config: callsTheAPI,
		want: []string{"Invalid Attribute Value", "max_retries = 1.5", "Attribute max_retries value must be a whole number, got: 1.5"}},
	{name: "provider http endpoint not loopback", config: callsTheAPI,
		provider: func(e *testEmulator) string {
			return fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n}\n", "http://mesibo.example.com/api.php", e.token)
		},
		want: []string{"Invalid Mesibo Endpoint", "endpoint", `"http://mesibo.example.com/api.php" uses plain http to a host that is not loopback`,
			"use https", "allow_insecure_http = true"}},
	{name: "provider app_token empty", config: callsTheAPI,
		provider: func(e *testEmulator) string {
			return fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = \"\"\n}\n", e.endpoint)
		},
		want: []string{"Invalid Attribute Value", `app_token = ""`, "Attribute app_token string length must be at least 1, got: 0"}},

	// import IDs
	{name: "import group abc", config: groupWith(""), resource: "mesibo_group.test", importID: "abc",
		want: []string{"Invalid Import ID", `mesibo_group: the import ID must be the group's GID, a positive whole number such as 5001, not "abc"`}},
	{name: "import group 0", config: groupWith(""), resource: "mesibo_group.test", importID: "0",
		want: []string{"Invalid Import ID", `mesibo_group: the import ID must be the group's GID, a positive whole number such as 5001, not "0"`}},
	{name: "import membership -3", config: `resource "mesibo_group_membership" "test" {
  gid     = 501
  members = ["alice"]
}`, resource: "mesibo_group_membership.test", importID: "-3",
		want: []string{"Invalid Import ID", `mesibo_group_membership: the import ID must be the group's GID, a positive whole number such as 5001, not "-3"`}},
	{name: "import user a,b", config: userWith(""), resource: "mesibo_user.test", importID: "a,b",
		want: []string{"Invalid Import ID", "The import ID of mesibo_user is the user's address.", `Address "a,b" contains a comma`}},
	{name: "import user byte order mark", config: userWith(""), resource: "mesibo_user.test", importID: "\ufeffvalid-address",
		want: []string{"Invalid Import ID", "The import ID of mesibo_user is the user's address.",
			`Address "\ufeffvalid-address" contains U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark) at the start`}},
}

// Every validated attribute refuses a bad value at plan (or import) time,
// with an error that names the attribute and says what is allowed, and
// nothing at all is sent to Mesibo.
func TestAccValidation_badInputIsRefusedBeforeAnyCall(t *testing.T) {
	for _, tc := range validationCases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{})
			providerBlock := e.providerBlock("")
			if tc.provider != nil {
				providerBlock = tc.provider(e)
			}
			step := resource.TestStep{Config: providerBlock + tc.config, ExpectError: wrapped(tc.want...)}
			if tc.importID != "" {
				step.ResourceName = tc.resource
				step.ImportState = true
				step.ImportStateId = tc.importID
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factoriesWith(routeTo(e)),
				Steps:                    []resource.TestStep{step},
			})
			if st := e.Stats(); st.Total() != 0 {
				t.Errorf("the configuration was refused, but %d requests reached Mesibo: %v", st.Total(), st.Requests)
			}
		})
	}
}

// The check above would be vacuous if requests could not reach the
// emulator: a configuration that passes validation, with the same routing
// and a non-loopback endpoint that is allowed explicitly, does call the API.
func TestAccValidation_validInputReachesTheAPI(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesWith(routeTo(e)),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"mesibo\" {\n  endpoint            = \"http://mesibo.example.com/api.php\"\n"+
				"  allow_insecure_http = true\n  app_token           = %q\n}\n", e.token) + callsTheAPI,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
	if n := e.Stats().Requests["usersget"]; n == 0 {
		t.Errorf("a valid configuration sent no request to the emulator: %v", e.Stats().Requests)
	}
}

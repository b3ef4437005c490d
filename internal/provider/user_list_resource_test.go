package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The list resource tests need terraform query: Terraform 1.14 and later.

// TestAccUserList_query: terraform query lists the users whose address
// matches the pattern, each with its identity and, when asked, the state an
// import leaves: what Mesibo reports, and no token settings or access token.
func TestAccUserList_query(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	prefix := uniquePrefix()
	query := func(pattern, extra string) string {
		return fmt.Sprintf(`
list "mesibo_user" "test" {
  provider         = mesibo
  include_resource = true
  %s

  config {
    address = %q
  }
}
`, extra, pattern)
	}
	alice := prefix + "-alice@example.com"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliQuery),
		Steps: []resource.TestStep{
			{
				Config: e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_user" "team" {
  count   = 3
  address = "%[1]s-${["alice", "bob", "carol"][count.index]}@example.com"
  app_id  = "com.example.team"
  flag    = count.index == 0 ? 4 : 0
}

resource "mesibo_user" "other" {
  address = "other-%[1]s@example.com"
  app_id  = "com.example.other"
}
`, prefix),
			},
			{
				Query:  true,
				Config: query(prefix+"-*", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("mesibo_user.test", 3),
					querycheck.ExpectIdentity("mesibo_user.test", map[string]knownvalue.Check{
						"address": knownvalue.StringExact(alice),
					}),
					querycheck.ExpectResourceDisplayName("mesibo_user.test",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"address": knownvalue.StringExact(alice)}),
						knownvalue.StringExact(alice)),
					querycheck.ExpectResourceKnownValues("mesibo_user.test",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"address": knownvalue.StringExact(alice)}),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("address"), KnownValue: knownvalue.StringExact(alice)},
							{Path: tfjsonpath.New("app_id"), KnownValue: knownvalue.StringExact("com.example.team")},
							{Path: tfjsonpath.New("flag"), KnownValue: knownvalue.Int64Exact(4)},
							{Path: tfjsonpath.New("active"), KnownValue: knownvalue.Bool(true)},
							{Path: tfjsonpath.New("uid"), KnownValue: knownvalue.NotNull()},
							// What Mesibo cannot report stays null, as after an import.
							{Path: tfjsonpath.New("token_expiry_minutes"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("max_groups"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("access_token"), KnownValue: knownvalue.Null()},
						}),
				},
			},
			{
				// The list block's limit is passed on.
				Query:  true,
				Config: query(prefix+"-*", "limit = 2"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("mesibo_user.test", 2),
				},
			},
			{
				Query:  true,
				Config: query(prefix+"-nobody*", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("mesibo_user.test", 0),
				},
			},
		},
	})
}

// TestAccUserList_badPattern: a pattern usersget cannot take is refused
// before any call.
func TestAccUserList_badPattern(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   cliChecks(t, cliQuery),
		Steps: []resource.TestStep{
			{Config: e.providerBlock("")},
			{
				Query: true,
				Config: `
list "mesibo_user" "test" {
  provider = mesibo
  config {
    address = "two words*"
  }
}
`,
				ExpectError: regexp.MustCompile(`Invalid Address Pattern`),
			},
			{
				Query: true,
				Config: `
list "mesibo_user" "test" {
  provider = mesibo
  config {
    address = "alice*,bob*"
  }
}
`,
				ExpectError: wrapped("Invalid Address Pattern", `The pattern "alice*,bob*" contains a comma.`,
					"comma-separated text"),
			},
		},
	})
	if n := e.Stats().Requests["usersget"]; n != 0 {
		t.Errorf("a refused pattern made %d usersget calls, want none", n)
	}
}

// warnings are the details of the warnings with this summary.
func (r queryResult) warnings(summary string) []string {
	var out []string
	for _, d := range r.diags {
		if d.Summary == summary {
			out = append(out, d.Detail)
		}
	}
	return out
}

// TestAccUserList_generatedConfigKeepsTokens: the configuration that
// terraform query -generate-config-out writes for users found applies
// without rotating any live access token: the apply imports each user by
// its identity and calls no useradd, and the next plan is empty.
func TestAccUserList_generatedConfigKeepsTokens(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	e := newTestEmulator(t, emulator.Options{})
	prefix := uniquePrefix()
	live := mustAddUsers(t, e.client(t), appUsers("com.example.live", prefix+"-a@example.com", prefix+"-b@example.com", "elsewhere-"+prefix+"@example.com")...)

	cli := newQueryCLI(t, e, fastRetries, fmt.Sprintf(`
list "mesibo_user" "team" {
  provider         = mesibo
  include_resource = true

  config {
    address = "%s-*"
  }
}
`, prefix))
	ctx := context.Background()
	r := cli.query(ctx, tfexec.GenerateConfigOut("generated.tf"))
	if len(r.found) != 2 {
		t.Fatalf("the query found %d users, want 2: %+v", len(r.found), r.found)
	}
	generated, err := os.ReadFile(filepath.Join(cli.dir, "generated.tf"))
	if err != nil {
		t.Fatalf("terraform query wrote no configuration: %v", err)
	}
	for _, want := range []string{`address = "` + prefix + `-a@example.com"`, `app_id  = "com.example.live"`, "identity = {"} {
		if !strings.Contains(strings.Join(strings.Fields(string(generated)), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("the generated configuration does not contain %q:\n%s", want, generated)
		}
	}
	if strings.Contains(string(generated), "access_token") {
		t.Errorf("the generated configuration mentions the access token:\n%s", generated)
	}

	before := e.Stats()
	res := cli.apply(ctx)
	if res.err != nil {
		t.Fatalf("applying the generated configuration: %v%s", res.err, res.summary())
	}
	if n := e.callsSince(before)["useradd"]; n != 0 {
		t.Errorf("applying the generated configuration called useradd %d times, want none", n)
	}
	for _, u := range e.Snapshot().Users {
		if u.Token != live[u.Address].Token {
			t.Errorf("user %s has a new access token", u.Address)
		}
	}
	users := cli.state().managed("mesibo_user")
	if len(users) != 2 {
		t.Fatalf("the state holds %d users, want the 2 found", len(users))
	}
	for _, u := range users {
		if u["access_token"] != nil {
			t.Errorf("user %v: access_token is in state, want null (the token was not issued by Terraform)", u["address"])
		}
	}
	ids := cli.identities()
	if len(ids) != 2 {
		t.Errorf("the state holds identities %v, want one per user", ids)
	}
	cli.planIsEmpty(ctx)
}

// TestAccUserList_truncationWarning: when usersget returns its maximum of
// 20 users, the query warns that more may match, also when the list block's
// limit is 20 (Terraform reads no further than the limit); a narrower
// pattern that returns fewer gets no warning.
func TestAccUserList_truncationWarning(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	e := newTestEmulator(t, emulator.Options{})
	prefix := uniquePrefix()
	var addresses []string
	for i := range 25 {
		addresses = append(addresses, fmt.Sprintf("%s-%02d@example.com", prefix, i))
	}
	mustAddUsers(t, e.client(t), appUsers("com.example.live", addresses...)...)

	cli := newQueryCLI(t, e, fastRetries, fmt.Sprintf(`
list "mesibo_user" "all" {
  provider = mesibo
  config {
    address = "%[1]s-*"
  }
}

list "mesibo_user" "first_ten" {
  provider = mesibo
  config {
    address = "%[1]s-0*"
  }
}

list "mesibo_user" "limit_20" {
  provider = mesibo
  limit    = 20
  config {
    address = "%[1]s-*"
  }
}
`, prefix))
	r := cli.query(context.Background())
	count := map[string]int{}
	for _, f := range r.found {
		count[f.Address]++
	}
	if count["list.mesibo_user.all"] != mesibo.MaxListCount || count["list.mesibo_user.first_ten"] != 10 ||
		count["list.mesibo_user.limit_20"] != mesibo.MaxListCount {
		t.Errorf("the query found %v, want 20 for all and limit_20 and 10 for first_ten", count)
	}
	warnings := r.warnings(summaryUsersMayBeMore)
	if len(warnings) != 2 {
		t.Errorf("want two warnings, for all and limit_20, got %q", warnings)
	}
	for _, w := range warnings {
		if !strings.Contains(w, fmt.Sprintf("%q", prefix+"-*")) || !strings.Contains(w, "more users may match") {
			t.Errorf("want a warning that more users may match %q, got %q", prefix+"-*", w)
		}
	}
}

// TestAccUserList_skipsAddressesItCannotManage: users whose addresses the
// provider refuses (whitespace, a comma, decomposed Unicode, invisible
// characters) are left out of the results, with one warning that names
// each and says why, so that the configuration generated for the others
// plans and applies.
func TestAccUserList_skipsAddressesItCannotManage(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	e := newTestEmulator(t, emulator.Options{})
	prefix := uniquePrefix()
	good := prefix + "-ok@example.com"
	// Each bad address, and how the warning shows it.
	bad := map[string]string{
		prefix + "-two words@example.com":      `Address "` + prefix + `-two words@example.com" contains whitespace.`,
		prefix + "-a,b@example.com":            `Address "` + prefix + `-a,b@example.com" contains a comma`,
		prefix + "-zoe\u0301@example.com":      `Address "` + prefix + `-zoe\u0301@example.com" is not in composed Unicode (NFC)`,
		prefix + "-\u200bzw@example.com":       `Address "` + prefix + `-\u200bzw@example.com" contains U+200B (ZERO WIDTH SPACE)`,
		"\ufeff" + prefix + "-bom@example.com": `Address "\ufeff` + prefix + `-bom@example.com" contains U+FEFF (ZERO WIDTH NO-BREAK SPACE, the byte order mark) at the start`,
	}
	for a := range bad {
		e.mustAddUsersAsApp(t, a)
	}
	e.mustAddUsersAsApp(t, good)

	cli := newQueryCLI(t, e, fastRetries, fmt.Sprintf(`
list "mesibo_user" "team" {
  provider         = mesibo
  include_resource = true

  config {
    address = "*%s-*"
  }
}
`, prefix))
	ctx := context.Background()
	r := cli.query(ctx, tfexec.GenerateConfigOut("generated.tf"))
	if len(r.found) != 1 || r.found[0].DisplayName != good {
		t.Errorf("the query found %+v, want only %s", r.found, good)
	}
	warnings := r.warnings(summaryUsersSkipped)
	if len(warnings) != 1 {
		t.Fatalf("want one warning %q, got %d: %+v", summaryUsersSkipped, len(warnings), r.diags)
	}
	for _, want := range append(slices.Collect(maps.Values(bad)),
		fmt.Sprintf("The results leave out 5 users that Mesibo returned for %q", "*"+prefix+"-*"),
		"no configuration or import can name them", "Nothing is changed in Mesibo.") {
		if !strings.Contains(warnings[0], want) {
			t.Errorf("the warning does not say %q:\n%s", want, warnings[0])
		}
	}

	// The configuration generated for the rest plans and applies.
	res := cli.apply(ctx)
	if res.err != nil {
		t.Fatalf("applying the generated configuration: %v%s", res.err, res.summary())
	}
	if users := cli.state().managed("mesibo_user"); len(users) != 1 || users[0]["address"] != good {
		t.Errorf("the state holds users %v, want %s", users, good)
	}
	if n := len(e.Snapshot().Users); n != 1+len(bad) {
		t.Errorf("Mesibo holds %d users, want the %d it had", n, 1+len(bad))
	}
	cli.planIsEmpty(ctx)
}

// TestAccUserList_usersgetParameters: the list resource asks usersget for as
// many users as the list block's limit, at most Mesibo's 20, and for the
// pattern "*" when the list block gives none. Terraform cuts the results to
// the limit itself, so only the parameters sent show what the provider does.
func TestAccUserList_usersgetParameters(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	e := newTestEmulator(t, emulator.Options{})
	prefix := uniquePrefix()
	e.mustAddUsersAsApp(t, prefix+"-a@example.com", prefix+"-b@example.com", prefix+"-c@example.com")

	rec := &apiRecorder{}
	cli := newQueryCLI(t, e, func(c *mesibo.Config) {
		fastRetries(c)
		c.HTTPClient = &http.Client{Transport: rec}
	}, fmt.Sprintf(`
list "mesibo_user" "limit_2" {
  provider = mesibo
  limit    = 2
  config {
    address = "%[1]s-*"
  }
}

list "mesibo_user" "no_limit" {
  provider = mesibo
  config {
    address = "%[1]s-*"
  }
}

list "mesibo_user" "limit_above_20" {
  provider = mesibo
  limit    = 50
  config {
    address = "%[1]s-b*"
  }
}

list "mesibo_user" "no_config" {
  provider = mesibo
  limit    = 3
}

list "mesibo_user" "no_address" {
  provider = mesibo
  limit    = 4
  config {}
}
`, prefix))
	r := cli.query(context.Background())
	found := map[string]int{}
	for _, f := range r.found {
		found[f.Address]++
	}
	if want := map[string]int{
		"list.mesibo_user.limit_2": 2, "list.mesibo_user.no_limit": 3, "list.mesibo_user.limit_above_20": 1,
		"list.mesibo_user.no_config": 3, "list.mesibo_user.no_address": 3,
	}; !maps.Equal(found, want) {
		t.Errorf("the query found %v, want %v", found, want)
	}
	var sent []string
	for _, form := range rec.sentOf("usersget") {
		sent = append(sent, fmt.Sprintf("addr=%q count=%q", form.Get("addr"), form.Get("count")))
	}
	slices.Sort(sent)
	want := []string{
		`addr="*" count="3"`, `addr="*" count="4"`,
		fmt.Sprintf(`addr="%s-*" count="2"`, prefix), fmt.Sprintf(`addr="%s-*" count="20"`, prefix),
		fmt.Sprintf(`addr="%s-b*" count="20"`, prefix),
	}
	slices.Sort(want)
	if !slices.Equal(sent, want) {
		t.Errorf("usersget was sent\n%s\nwant\n%s", strings.Join(sent, "\n"), strings.Join(want, "\n"))
	}
}

// TestAccUserList_userWithTokensForSeveralApps: a user with access tokens
// for several app IDs, which usersget answers once per app, is listed once.
func TestAccUserList_userWithTokensForSeveralApps(t *testing.T) {
	testAccGate(t)
	requireCLI(t, cliQuery)
	e := newTestEmulator(t, emulator.Options{TokenPerApp: true})
	prefix := uniquePrefix()
	multi, single := prefix+"-multi@example.com", prefix+"-single@example.com"
	c := e.client(t)
	for _, req := range []mesibo.AddUserRequest{
		{Address: multi, AppID: "com.example.android"}, {Address: multi, AppID: "com.example.ios"},
		{Address: single, AppID: "com.example.android"}, {Address: multi, AppID: "com.example.web"},
	} {
		if _, err := c.AddUser(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if rows, err := c.GetUsers(context.Background(), mesibo.GetUsersRequest{Address: "*" + prefix + "-*"}); err != nil || len(rows) != 4 {
		t.Fatalf("usersget answered %d rows (%v), want 4: one per app of each user", len(rows), err)
	}
	cli := newQueryCLI(t, e, fastRetries, fmt.Sprintf(`
list "mesibo_user" "team" {
  provider = mesibo

  config {
    address = "*%s-*"
  }
}
`, prefix))
	r := cli.query(context.Background())
	var found []string
	for _, f := range r.found {
		found = append(found, f.DisplayName)
	}
	slices.Sort(found)
	if want := []string{multi, single}; !slices.Equal(found, want) {
		t.Errorf("the query found %q, want %q", found, want)
	}
}

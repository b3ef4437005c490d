package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Mesibo documents "*" as usersget's only wildcard, but its real matcher is
// unknown. These tests run against each matcher the emulator offers: the
// provider must find a user by its address, never take one over, and never
// mistake one for another, whatever the matcher.
var usersGetMatchers = []emulator.UsersGetMatch{emulator.MatchStar, emulator.MatchGlob, emulator.MatchLike}

// tokensOf returns the current access token of every user, by address.
func tokensOf(e *testEmulator) map[string]string {
	out := map[string]string{}
	for _, u := range e.Snapshot().Users {
		out[u.Address] = u.Token
	}
	return out
}

// sameTokens reports every address in want whose user is gone or has a
// token other than the one in want.
func sameTokens(e *testEmulator, want map[string]string) error {
	now := tokensOf(e)
	var bad []string
	for a, tok := range want {
		switch got, ok := now[a]; {
		case !ok:
			bad = append(bad, a+" was deleted")
		case got != tok:
			bad = append(bad, a+" got a new access token")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("users not managed by Terraform were changed: %s", strings.Join(bad, "; "))
	}
	return nil
}

// usersConfig manages one mesibo_user per address.
func usersConfig(e *testEmulator, addresses ...string) string {
	quoted := make([]string, len(addresses))
	for i, a := range addresses {
		quoted[i] = strconv.Quote(a)
	}
	return e.providerBlock("") + fmt.Sprintf(`
locals {
  addresses = [%s]
}
resource "mesibo_user" "u" {
  count   = length(local.addresses)
  address = local.addresses[count.index]
  app_id  = "com.example.chat"
}
`, strings.Join(quoted, ", "))
}

// TestAccUser_addressesThatMatchersReadSpecially: addresses with
// characters that a glob or SQL LIKE reads as wildcards or escapes, next to
// addresses such a pattern would confuse them with. Create refuses each when
// it exists without touching its token, creates each when it does not, the
// next plan finds them all, and destroy removes them and nothing else.
func TestAccUser_addressesThatMatchersReadSpecially(t *testing.T) {
	addresses := []string{"ops[eu]@example.com", "a_b%c?d@example.com", `team\lead@example.com`}
	confusers := []string{
		"opse@example.com", "opsu@example.com", // glob: ops[eu]
		"aXbYYc?d@example.com", "a_b%cXd@example.com", // LIKE and glob: a_b%c?d
		"teamlead@example.com", // glob and LIKE: team\lead
	}
	for _, match := range usersGetMatchers {
		t.Run(string(match), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{UsersGetMatch: match})
			c := e.client(t)
			mustAddUsers(t, c, appUsers("com.example.other", confusers...)...)
			existing := mustAddUsers(t, c, appUsers("com.example.other", addresses...)...)
			before := tokensOf(e)
			others := map[string]string{}
			for _, a := range confusers {
				others[a] = before[a]
			}
			config := usersConfig(e, addresses...)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					now := tokensOf(e)
					for _, a := range addresses {
						if _, ok := now[a]; ok {
							return fmt.Errorf("user %s still exists after destroy", a)
						}
					}
					return sameTokens(e, others)
				},
				Steps: []resource.TestStep{
					{
						// Every address exists already: each create is refused.
						Config:      config,
						ExpectError: regexp.MustCompile(`Mesibo User Already Exists`),
					},
					{
						PreConfig: func() {
							if err := sameTokens(e, before); err != nil {
								t.Errorf("after the refused creates: %v", err)
							}
							if n := e.Stats().Requests["useradd"]; n != len(confusers)+len(addresses) {
								t.Errorf("useradd was called %d times, %d of them by Terraform", n, n-len(confusers)-len(addresses))
							}
							for _, a := range addresses {
								if err := c.DeleteUser(context.Background(), existing[a].UID); err != nil {
									t.Fatal(err)
								}
							}
						},
						// Now they are created, and found again by the
						// refresh before the next plan, which must be empty.
						Config: config,
						Check: func(s *terraform.State) error {
							uids := map[string]string{}
							for _, u := range e.Snapshot().Users {
								uids[u.Address] = strconv.FormatInt(u.UID, 10)
							}
							for _, rs := range s.RootModule().Resources {
								if a := rs.Primary.Attributes["address"]; uids[a] != rs.Primary.ID {
									return fmt.Errorf("%s is UID %s in state, %q in Mesibo", a, rs.Primary.ID, uids[a])
								}
							}
							return sameTokens(e, others)
						},
					},
				},
			})
		})
	}
}

// TestAccUser_ambiguousLookupIsRefused: when the pattern the provider must
// send matches 20 other users, usersget's most, the provider cannot tell
// whether the address exists. Create then fails and calls no useradd,
// rather than taking a user over or creating one it could not find again.
func TestAccUser_ambiguousLookupIsRefused(t *testing.T) {
	const address = "x_y@example.com" // sent as x*y@example.com
	for _, match := range usersGetMatchers {
		t.Run(string(match), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{UsersGetMatch: match})
			c := e.client(t)
			var crowd []string
			for i := range mesibo.MaxListCount {
				crowd = append(crowd, fmt.Sprintf("x-%02d-y@example.com", i))
			}
			mustAddUsers(t, c, appUsers("com.example.other", crowd...)...)
			before := tokensOf(e)
			config := usersConfig(e, address)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config,
						ExpectError: wrapped(summaryCreateUser, "cannot tell whether this user exists",
							`the pattern "x*y@example.com"`, "matched that many other users first", "nothing was changed",
							"To go on, make the pattern match fewer than 20 users",
							`list them with data "mesibo_users" { address = "x*y@example.com" }`,
							"delete those that should not exist",
							"or use an address made only of letters, digits, @, . and -", "lookup was ambiguous"),
					},
					{
						PreConfig: func() {
							if _, ok := tokensOf(e)[address]; ok {
								t.Errorf("%s was created although its lookup was ambiguous", address)
							}
							if n := e.Stats().Requests["useradd"]; n != len(crowd) {
								t.Errorf("Terraform called useradd %d times", n-len(crowd))
							}
							// Now the user exists, behind the 20 others.
							mustAddUsers(t, c, appUsers("com.example.other", address)...)
							before = tokensOf(e)
						},
						// Found by the address itself, or still ambiguous:
						// refused either way, never taken over.
						Config:      config,
						ExpectError: regexp.MustCompile(`Mesibo User Already Exists|cannot\s+tell\s+whether\s+this\s+user\s+exists`),
					},
				},
			})
			if err := sameTokens(e, before); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestAccUser_addressInAnotherCase: against a server whose usersget matches
// without regard to case, a user spelled in another case is not the
// configured user: create refuses it (the server's useradd may treat the two
// as one and take that user over) and says how to manage it, and it is no
// import target for the configured spelling.
func TestAccUser_addressInAnotherCase(t *testing.T) {
	const otherCase, configured = "Ann@Example.com", "ann@example.com"
	for _, match := range usersGetMatchers {
		t.Run(string(match), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{UsersGetMatch: match, UsersGetIgnoreCase: true})
			mustAddUsers(t, e.client(t), appUsers("com.example.other", otherCase)...)
			before := tokensOf(e)
			config := usersConfig(e, configured)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config,
						ExpectError: wrapped(summaryUserExists, `Mesibo has no user with exactly the address "ann@example.com"`,
							`Mesibo has "Ann@Example.com" (UID`, `which differs from "ann@example.com" only in case`,
							"its useradd may treat the two as one address", `set address = "Ann@Example.com" and import it`,
							"terraform import mesibo_user.<name> Ann@Example.com"),
					},
					{
						Config: config, ResourceName: "mesibo_user.u[0]", ImportState: true, ImportStateId: configured,
						ExpectError: wrapped(summaryUserNotFound, `No Mesibo user has exactly the address "ann@example.com"`,
							`Mesibo has "Ann@Example.com"`, `To import that user, use its exact address, in the configuration (address = "Ann@Example.com")`),
					},
				},
			})
			if err := sameTokens(e, before); err != nil {
				t.Error(err)
			}
			if n := e.Stats().Requests["useradd"]; n != len(before) {
				t.Errorf("Terraform called useradd %d times", n-len(before))
			}
		})
	}
}

// TestAccUser_addressInDecomposedUnicode: Terraform turns every string of a
// configuration into composed Unicode (NFC) before the provider sees it, so
// a user whose address Mesibo holds in decomposed form cannot be named.
// Importing it, by either spelling, is refused with an error that says why,
// instead of a report that nothing exists, and no user that looks the same
// is created next to it.
func TestAccUser_addressInDecomposedUnicode(t *testing.T) {
	const (
		decomposed = "zoe\u0301@example.com" // e + combining acute accent
		composed   = "zo\u00e9@example.com"  // é as one character
	)
	for _, match := range usersGetMatchers {
		t.Run(string(match), func(t *testing.T) {
			e := newTestEmulator(t, emulator.Options{UsersGetMatch: match})
			mustAddUsers(t, e.client(t), appUsers("com.example.other", decomposed)...)
			before := tokensOf(e)
			config := usersConfig(e, decomposed)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config, ResourceName: "mesibo_user.u[0]", ImportState: true, ImportStateId: composed,
						ExpectError: wrapped(summaryUserNotFound, "No Mesibo user has exactly the address \"zo\u00e9@example.com\"",
							`Mesibo has "zoe\u0301@example.com" (UID`, `the same text as "zo\u00e9@example.com" in decomposed Unicode`,
							"Terraform passes every string to the provider in composed Unicode (NFC)"),
					},
					{
						// Terraform 1.11 composes the import ID, which then
						// names no user; 1.5 passes it on, and it is refused
						// as an address no configuration can name.
						Config: config, ResourceName: "mesibo_user.u[0]", ImportState: true, ImportStateId: decomposed,
						ExpectError: regexp.MustCompile(`Mesibo User Not Found[\s\S]*decomposed\s+Unicode|` +
							`Invalid Import ID[\s\S]*not\s+in\s+composed\s+Unicode\s+\(NFC\)`),
					},
					{
						Config: config,
						ExpectError: wrapped(summaryUserExists, `the same text as "zo\u00e9@example.com" in decomposed Unicode`,
							"Creating this user would add a second user that looks the same", "Choose another address"),
					},
				},
			})
			if _, ok := tokensOf(e)[composed]; ok {
				t.Errorf("a user %q was created next to %q", composed, decomposed)
			}
			if err := sameTokens(e, before); err != nil {
				t.Error(err)
			}
		})
	}
}

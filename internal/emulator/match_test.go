package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUsersGetMatchers runs the same patterns against each matcher: the
// addresses are the kind a matcher other than "*" reads differently.
func TestUsersGetMatchers(t *testing.T) {
	users := []string{
		"ops[eu]@example.com", "opse@example.com", "opsu@example.com",
		"a_b%c?d@example.com", "aXbYYc?d@example.com", "a_b%cXd@example.com",
		`team\lead@example.com`, "teamlead@example.com", "Bob@example.com",
	}
	type want map[string][]string // pattern: the addresses it matches, in uid order
	cases := map[UsersGetMatch]want{
		MatchStar: {
			"ops[eu]@example.com":   {"ops[eu]@example.com"},
			"a_b%c?d@example.com":   {"a_b%c?d@example.com"},
			`team\lead@example.com`: {`team\lead@example.com`},
			"ops*@example.com":      {"ops[eu]@example.com", "opse@example.com", "opsu@example.com"},
			"bob@example.com":       nil,
		},
		MatchGlob: {
			"ops[eu]@example.com":    {"opse@example.com", "opsu@example.com"},
			"ops[!e]@example.com":    {"opsu@example.com"},
			"ops[^e]@example.com":    {"opsu@example.com"},
			"ops[a-f]@example.com":   {"opse@example.com"},
			"ops[z-a]@example.com":   nil,
			`ops\[eu]@example.com`:   {"ops[eu]@example.com"},
			"ops[*":                  {"ops[eu]@example.com"},
			"a_b%c?d@example.com":    {"a_b%c?d@example.com", "a_b%cXd@example.com"},
			`team\lead@example.com`:  {"teamlead@example.com"},
			`team\\lead@example.com`: {`team\lead@example.com`},
			"?ob@example.com":        {"Bob@example.com"},
			"bob@example.com":        nil,
		},
		MatchLike: {
			"ops[eu]@example.com":   {"ops[eu]@example.com"},
			"a_b%c?d@example.com":   {"a_b%c?d@example.com", "aXbYYc?d@example.com"},
			`a\_b*`:                 {"a_b%c?d@example.com", "a_b%cXd@example.com"},
			`team\lead@example.com`: {"teamlead@example.com"},
			"ops*@example.com":      {"ops[eu]@example.com", "opse@example.com", "opsu@example.com"},
			"_ob@example.com":       {"Bob@example.com"},
			"bob@example.com":       nil,
		},
	}
	for match, patterns := range cases {
		t.Run(string(match), func(t *testing.T) {
			_, ts := newTestServer(t, Options{UsersGetMatch: match})
			for _, u := range users {
				addUser(t, ts, u)
			}
			for pattern, want := range patterns {
				got := usersGetAddresses(t, ts, pattern)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: usersget %q answered %q, want %q", match, pattern, got, want)
				}
			}
			// The count still caps the answer.
			body := api(t, ts, "usersget", "addr", "*", "count", "2")
			if n := len(list(t, body["users"])); n != 2 {
				t.Errorf("%s: count=2 answered %d users", match, n)
			}
		})
	}
}

// TestUsersGetIgnoreCase: with UsersGetIgnoreCase, every matcher matches
// letters in either case, wildcards keep their meaning, and useradd still
// keys users by their exact address: two spellings are two users.
func TestUsersGetIgnoreCase(t *testing.T) {
	users := []string{"Alice@Example.com", "alice@example.com", "ÉVA@example.com", "bob@example.com"}
	cases := map[UsersGetMatch]map[string][]string{
		MatchStar: {
			"alice@example.com": {"Alice@Example.com", "alice@example.com"},
			"ALICE*":            {"Alice@Example.com", "alice@example.com"},
			"éva@EXAMPLE.COM":   {"ÉVA@example.com"},
			"a?ice@example.com": nil,
			"carol@example.com": nil,
		},
		MatchGlob: {
			"ALICE@example.com": {"Alice@Example.com", "alice@example.com"},
			"[A]lice*":          {"Alice@Example.com", "alice@example.com"},
			"?OB@example.com":   {"bob@example.com"},
		},
		MatchLike: {
			"alice@EXAMPLE.com": {"Alice@Example.com", "alice@example.com"},
			"_OB@example.com":   {"bob@example.com"},
		},
	}
	for match, patterns := range cases {
		t.Run(string(match), func(t *testing.T) {
			_, ts := newTestServer(t, Options{UsersGetMatch: match, UsersGetIgnoreCase: true})
			for _, u := range users {
				addUser(t, ts, u)
			}
			for pattern, want := range patterns {
				got := usersGetAddresses(t, ts, pattern)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, ignoring case: usersget %q answered %q, want %q", match, pattern, got, want)
				}
			}
		})
	}
	// Without the option the same server is case-sensitive.
	_, ts := newTestServer(t, Options{})
	for _, u := range users {
		addUser(t, ts, u)
	}
	if got := list(t, api(t, ts, "usersget", "addr", "ALICE*")["users"]); len(got) != 0 {
		t.Errorf("a case-sensitive usersget answered %v for ALICE*", got)
	}
}

func TestParseUsersGetMatch(t *testing.T) {
	for in, want := range map[string]UsersGetMatch{"": MatchStar, "star": MatchStar, " GLOB ": MatchGlob, "Like": MatchLike} {
		if got, err := ParseUsersGetMatch(in); err != nil || got != want {
			t.Errorf("ParseUsersGetMatch(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseUsersGetMatch("regex"); err == nil || !strings.Contains(err.Error(), `"regex"`) || !strings.Contains(err.Error(), "star, glob and like") {
		t.Errorf("unknown matcher: %v", err)
	}
	if _, err := New(Options{AppToken: "x", UsersGetMatch: "regex"}); err == nil {
		t.Error("New accepts an unknown matcher")
	}
}

// TestPeakRequestsPerSecond checks the sliding one-second window with
// arrival times given, so that the count does not depend on the clock.
func TestPeakRequestsPerSecond(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	s.mu.Lock()
	t0 := time.Now()
	for _, ms := range []int{0, 500, 900, 1000, 1200, 2500, 2600} {
		s.countArrivalLocked(t0.Add(time.Duration(ms) * time.Millisecond))
	}
	peak := s.peakPerSec
	s.mu.Unlock()
	// At 1200ms the last second holds 500, 900, 1000 and 1200; at 1000ms
	// the arrival at 0 is a whole second old and no longer counts.
	if peak != 4 {
		t.Errorf("peak %d, want 4", peak)
	}
	// Requests through HTTP are counted too, and the stats answer it.
	api(t, ts, "usersget")
	var st Stats
	if err := json.Unmarshal(send(t, ts, http.MethodGet, "/_emulator/stats", nil, nil).raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.PeakRequestsPerSecond != 4 || s.Stats().PeakRequestsPerSecond != 4 {
		t.Errorf("stats answer peak %d, Stats() %d; want 4", st.PeakRequestsPerSecond, s.Stats().PeakRequestsPerSecond)
	}
}

// usersGetAddresses asks the server for the users that pattern matches and
// returns their addresses, in the order of the answer.
func usersGetAddresses(t *testing.T, ts *httptest.Server, pattern string) []string {
	t.Helper()
	body := api(t, ts, "usersget", "addr", pattern)
	mustOK(t, body, "usersget")
	var got []string
	for _, u := range list(t, body["users"]) {
		addr, _ := obj(t, u)["address"].(string)
		got = append(got, addr)
	}
	return got
}

package provider

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// TestAccUser_rotationKeepsUIDsAndGroups: what the guide to rotating access
// tokens says. A new value of token_rotation_triggers gives every user of a
// for_each a new access token in one apply, in place: each keeps its UID and
// its groups (the managed one and one its app made), the membership is not
// touched, and the state holds the token Mesibo now has for the user. The
// next plan has nothing to do.
func TestAccUser_rotationKeepsUIDsAndGroups(t *testing.T) {
	testAccGate(t)
	e := newTestEmulator(t, emulator.Options{})
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	ctx := context.Background()
	cfg := func(rotation string) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_user" "team" {
  for_each = toset(["alice@example.com", "bob@example.com"])

  address              = each.key
  app_id               = "com.example.chat"
  token_expiry_minutes = 45 * 24 * 60

  token_rotation_triggers = {
    manual = %q
  }
}

resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [for user in mesibo_user.team : user.address]
}
`, rotation)
	}
	cli.writeConfig(cfg("initial"))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	e.mustAddGroup(t, "Sales", "alice@example.com")
	before := map[string]emulator.StateUser{}
	for _, u := range e.Snapshot().Users {
		before[u.Address] = u
	}
	mark := e.Stats()

	cli.writeConfig(cfg("2026-12-06"))
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("rotate: %v%s", r.err, r.summary())
	}
	inState := map[string]string{}
	for _, u := range cli.state().managed("mesibo_user") {
		inState[fmt.Sprint(u["address"])] = fmt.Sprint(u["access_token"])
	}
	for _, u := range e.Snapshot().Users {
		old := before[u.Address]
		switch {
		case u.UID != old.UID:
			t.Errorf("%s has UID %d after the rotation, was %d", u.Address, u.UID, old.UID)
		case u.Token == old.Token:
			t.Errorf("%s kept its access token", u.Address)
		case inState[u.Address] != u.Token:
			t.Errorf("the state holds another access token for %s than Mesibo has", u.Address)
		}
	}
	calls := e.writesSince(mark)
	if want := map[string]int{"useradd": 2}; !maps.Equal(calls, want) {
		t.Errorf("the rotation made the calls %v, want only %v (and reads)", calls, want)
	}
	if err := e.groupsHold(map[string][]string{
		"Support": {"alice@example.com", "bob@example.com"},
		"Sales":   {"alice@example.com"},
	})(nil); err != nil {
		t.Error(err)
	}
	cli.planIsEmpty(ctx)
}

// TestAccUser_rotationWithOtherChanges counts the writes of a rotation that
// changes more in the same apply: useradd sets active with the new token, so
// a rotation that also changes active is the one useradd; the flag is not
// part of useradd, so a rotation that also changes it is useradd and one
// userset. Mesibo ends as configured either way.
func TestAccUser_rotationWithOtherChanges(t *testing.T) {
	testAccGate(t)
	e := newTestEmulator(t, emulator.Options{})
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	ctx := context.Background()
	const address = "rotated@example.com"
	cfg := func(rotation string, active bool, flag int) string {
		return requiredProviders + e.providerBlock("") + fmt.Sprintf(`
resource "mesibo_user" "test" {
  address = %q
  app_id  = "com.example.chat"
  active  = %t
  flag    = %d

  token_rotation_triggers = {
    manual = %q
  }
}
`, address, active, flag, rotation)
	}
	cli.writeConfig(cfg("1", true, 1))
	cli.init(ctx)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("create: %v%s", r.err, r.summary())
	}
	for _, step := range []struct {
		name     string
		rotation string
		active   bool
		flag     int
		writes   map[string]int
	}{
		{"rotation and active", "2", false, 1, map[string]int{"useradd": 1}},
		{"rotation and active back", "3", true, 1, map[string]int{"useradd": 1}},
		{"rotation and flag", "4", true, 6, map[string]int{"useradd": 1, "userset": 1}},
		{"rotation, active and flag", "5", false, 7, map[string]int{"useradd": 1, "userset": 1}},
	} {
		_, tokenBefore, _ := e.userToken(address)
		mark := e.Stats()
		cli.writeConfig(cfg(step.rotation, step.active, step.flag))
		if r := cli.apply(ctx); r.err != nil {
			t.Fatalf("%s: %v%s", step.name, r.err, r.summary())
		}
		if calls := e.writesSince(mark); !maps.Equal(calls, step.writes) {
			t.Errorf("%s: the apply made the calls %v, want %v (and reads)", step.name, calls, step.writes)
		}
		for _, u := range e.Snapshot().Users {
			if u.Address != address {
				continue
			}
			if u.Active != step.active || u.Flag != int64(step.flag) || u.Token == tokenBefore {
				t.Errorf("%s: Mesibo has active %v, flag %d, new token %v; want %v, %d, true",
					step.name, u.Active, u.Flag, u.Token != tokenBefore, step.active, step.flag)
			}
		}
	}
	cli.planIsEmpty(ctx)
}

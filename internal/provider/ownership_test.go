package provider

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/testwait"
)

func TestFoldAddress(t *testing.T) {
	same := [][]string{
		{"alice@example.com", "Alice@Example.COM", "ALICE@EXAMPLE.COM"},
		{"zoé@x", "ZOÉ@x", "zoe\u0301@x", "ZOE\u0301@x"},
		{"k@x", "K@x", "\u212a@x"}, // Kelvin sign
		{"s@x", "S@x", "\u017f@x"}, // long s
	}
	for _, group := range same {
		for _, a := range group[1:] {
			if foldAddress(a) != foldAddress(group[0]) {
				t.Errorf("foldAddress(%q) = %q, foldAddress(%q) = %q; want them equal", a, foldAddress(a), group[0], foldAddress(group[0]))
			}
		}
	}
	for _, pair := range [][2]string{{"alice@x", "alice@y"}, {"zoe@x", "zoé@x"}, {"a.b@x", "a_b@x"}} {
		if foldAddress(pair[0]) == foldAddress(pair[1]) {
			t.Errorf("foldAddress(%q) = foldAddress(%q)", pair[0], pair[1])
		}
	}
}

func TestOwnerKey(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	p := fakePrivate{}
	first := ownerKey(ctx, p, nil, &diags)
	if len(first) != 32 || ownerKey(ctx, p, nil, &diags) == first {
		t.Errorf("without a saved key, each call kept nowhere makes a new one: %q", first)
	}
	kept := ownerKey(ctx, p, p, &diags)
	if got := ownerKey(ctx, p, nil, &diags); got != kept {
		t.Errorf("the kept key is %q, read back %q", kept, got)
	}
	// A key already there is not written again.
	written := fakePrivate{}
	if got := ownerKey(ctx, p, written, &diags); got != kept || len(written) != 0 {
		t.Errorf("reading a saved key gave %q and wrote %v", got, written)
	}
	p[privateOwnerKey] = []byte(`{"not":"a key"}`)
	if got := ownerKey(ctx, p, nil, &diags); got == "" || got == kept {
		t.Errorf("an unreadable key gives %q, want a new key", got)
	}
	// The names earlier versions used are read, and kept under the new name.
	for _, name := range legacyOwnerKeys {
		old := fakePrivate{name: []byte(`"0123"`)}
		if got := ownerKey(ctx, old, old, &diags); got != "0123" || string(old[privateOwnerKey]) != `"0123"` {
			t.Errorf("the key of an earlier version under %q reads as %q, kept as %s", name, got, old[privateOwnerKey])
		}
	}
	if k := newOwnerKey(ctx, written, &diags); string(written[privateOwnerKey]) != `"`+k+`"` {
		t.Errorf("a new key %q is kept as %s", k, written[privateOwnerKey])
	}
	if diags.HasError() {
		t.Errorf("diagnostics: %v", diags)
	}
}

// conflictHows lists how each conflict came about, in order.
func conflictHows(cs []conflict) []how {
	out := make([]how, len(cs))
	for i, c := range cs {
		out[i] = c.how
	}
	return out
}

func TestOwners_users(t *testing.T) {
	alice := func(where string) claim { return userClaim("alice@x", where) }
	tests := []struct {
		name string
		run  func(o *owners) []conflict // the conflicts of the last call
		want []how
	}{
		{"one resource planned twice (a replacement)", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.plan("a", true, []claim{alice(userInState(7))}, nil)
			return o.plan("a", false, []claim{alice("which this plan creates")}, nil)
		}, nil},
		{"two creates", func(o *owners) []conflict {
			o.plan("a", false, []claim{alice("new")}, nil)
			return o.plan("b", false, []claim{userClaim("ALICE@x", "new")}, nil)
		}, []how{theyHoldAfter}},
		{"a create next to a resource in state that is not planned yet (a tainted one's replacement)", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			return o.plan("b", false, []claim{alice("new")}, nil)
		}, nil},
		{"a resource in state next to one in state that is not planned yet", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.read("b", alice(userInState(7)))
			return o.plan("b", true, []claim{alice(userInState(7))}, nil)
		}, []how{theyHoldInState}},
		{"a resource in state planned after a create", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.plan("b", false, []claim{alice("new")}, nil)
			return o.plan("a", true, []claim{alice(userInState(7))}, nil)
		}, []how{theyHoldAfter}},
		{"two in state, both planned", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.read("b", alice(userInState(7)))
			o.plan("a", true, []claim{alice(userInState(7))}, nil)
			return o.plan("b", true, []claim{alice(userInState(7))}, nil)
		}, []how{theyHoldAfter}},
		{"the one destroyed is planned first", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.read("b", alice(userInState(7)))
			o.plan("b", true, nil, []claim{alice(userInState(7))})
			return o.plan("a", true, []claim{alice(userInState(7))}, nil)
		}, []how{theyDestroy}},
		{"the one destroyed is planned second", func(o *owners) []conflict {
			o.plan("a", true, []claim{alice(userInState(7))}, nil)
			return o.plan("b", true, nil, []claim{alice(userInState(7))})
		}, []how{weDestroy}},
		{"both destroyed (terraform destroy)", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.read("b", alice(userInState(7)))
			o.plan("a", true, nil, []claim{alice(userInState(7))})
			return o.plan("b", true, nil, []claim{alice(userInState(7))})
		}, nil},
		{"a destroy next to a resource in state that is not planned (-target)", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			return o.plan("b", true, nil, []claim{alice(userInState(7))})
		}, nil},
		{"two addresses swapped between resources", func(o *owners) []conflict {
			bob := userClaim("bob@x", userInState(8))
			o.plan("a", true, []claim{bob}, []claim{alice(userInState(7))})
			return o.plan("b", true, []claim{alice("replaced")}, []claim{bob})
		}, []how{theyDestroy, weDestroy}},
		{"an import, planned first, next to one in state", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.imported("b", alice(importedAs))
			return o.plan("b", true, []claim{alice(importedAs)}, nil)
		}, []how{theyHoldInState}},
		{"an import, planned second", func(o *owners) []conflict {
			o.imported("b", alice(importedAs))
			o.read("a", alice(userInState(7)))
			o.plan("a", true, []claim{alice(userInState(7))}, nil)
			return o.plan("b", true, []claim{alice(importedAs)}, nil)
		}, []how{theyHoldAfter}},
		{"a resource whose Read found it gone", func(o *owners) []conflict {
			o.read("a", alice(userInState(7)))
			o.read("a")
			return o.plan("b", false, []claim{alice("new")}, nil)
		}, nil},
		{"a group and a user are other objects", func(o *owners) []conflict {
			o.read("a", groupClaim(7, groupInState))
			return o.plan("b", true, []claim{alice(userInState(7))}, nil)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o owners
			if got := conflictHows(tt.run(&o)); !slices.Equal(got, tt.want) {
				t.Errorf("conflicts %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOwners_memberships: a member moving between two memberships of one
// group is no conflict, whichever is planned first and whatever they held in
// state; one address listed twice, or an exclusive membership next to
// another, is.
func TestOwners_memberships(t *testing.T) {
	m := func(exclusive bool, members ...string) []claim { return membershipClaims(7, members, exclusive, nil) }
	var o owners
	o.read("a", m(false, "x", "y")...)
	o.read("b", m(false, "z")...)
	if cs := o.plan("b", true, m(false, "x", "z"), nil); len(cs) != 0 {
		t.Errorf("b takes x, which a holds in state and drops: conflicts %v", conflictHows(cs))
	}
	if cs := o.plan("a", true, m(false, "y"), nil); len(cs) != 0 {
		t.Errorf("a drops x, which b takes: conflicts %v", conflictHows(cs))
	}
	cs := o.plan("c", false, m(false, "X", "q"), nil)
	if len(cs) != 1 || cs[0].theirKey != "b" || cs[0].mine.spelling != "X" {
		t.Errorf("c lists X, which b lists as x: conflicts %+v", cs)
	}
	o.plan("c", false, m(false, "q"), nil)
	cs = o.plan("d", false, m(true, "r"), nil)
	if len(cs) != 3 {
		t.Fatalf("an exclusive membership next to three others: %d conflicts, want 3", len(cs))
	}
	diags := conflictDiagnostics(cs)
	if len(diags) != 3 || diags[0].Summary() != summaryExclusiveShared {
		t.Errorf("diagnostics %v", diags)
	}
	// Another group is another member list.
	if cs := membershipClaims(8, []string{"r"}, true, nil); len(o.plan("e", false, cs, nil)) != 0 {
		t.Error("an exclusive membership of group 8 conflicts with memberships of group 7")
	}
}

// TestConflictDiagnostics: one error per other resource and kind of
// object, naming what both hold and how to drop one without deleting it.
func TestConflictDiagnostics(t *testing.T) {
	var o owners
	o.plan("a", false, membershipClaims(7, []string{"u1", "u2", "u3"}, false, nil), nil)
	cs := o.plan("b", false, membershipClaims(7, []string{"u2", "u3", "u4"}, false, nil), nil)
	diags := conflictDiagnostics(cs)
	if len(diags) != 1 {
		t.Fatalf("%d diagnostics, want one error for the two addresses: %v", len(diags), diags)
	}
	d := diags[0]
	if d.Severity() != diag.SeverityError || d.Summary() != summaryMemberTwoOwners || !containsAll(d.Detail(),
		`This membership (Terraform names it below) and another resource, a mesibo_group_membership of group 7 that lists addresses "u1", "u2", "u3", both list addresses "u2", "u3" of group 7`,
		"The provider does not learn the Terraform address of a resource", "Nothing was changed.",
		"List each address in one membership resource of the group: members with other permissions go in a membership of their own.",
		"removed {", "from = mesibo_group_membership.<name>", "destroy = false", "terraform state rm mesibo_group_membership.<name>") {
		t.Errorf("%s: %s", d.Summary(), d.Detail())
	}
	if strings.Contains(d.Detail(), "different permissions") {
		t.Errorf("memberships with the same permissions are said to differ: %s", d.Detail())
	}
	// With different permissions, the error names both.
	o = owners{}
	o.plan("a", false, membershipClaims(7, []string{"u1"}, false, nil), nil)
	diags = conflictDiagnostics(o.plan("b", false, membershipClaims(7, []string{"u1"}, false,
		&mesibo.Permissions{Receive: true, List: true}), nil))
	if len(diags) != 1 || !containsAll(diags[0].Detail(), "The two give them different permissions: this one gives every "+
		"permission but send, publish, subscribe; the other gives no permission flags (Mesibo's defaults).") {
		t.Errorf("different permissions: %v", diags)
	}

	o = owners{}
	o.read("a", userClaim("Alice@x", userInState(7)))
	diags = conflictDiagnostics(o.plan("b", true, []claim{userClaim("alice@x", userInState(8))}, nil))
	if len(diags) != 1 {
		t.Fatalf("%d diagnostics, want one: %v", len(diags), diags)
	}
	d = diags[0]
	if d.Summary() != summaryUserTwoOwners || !containsAll(d.Detail(),
		`This resource (Terraform names it below) and another mesibo_user resource, with address "Alice@x", in state with UID 7, both manage the user "alice@x".`,
		"counts addresses that differ only in case or Unicode form as one",
		"The other one is in state, so after this plan it would still hold it or delete it.",
		"the configuration terraform query -generate-config-out wrote", "from = mesibo_user.<name>", "terraform state rm mesibo_user.<name>") {
		t.Errorf("%s: %s", d.Summary(), d.Detail())
	}
	o = owners{}
	o.plan("a", true, []claim{groupClaim(5, groupInState)}, nil)
	diags = conflictDiagnostics(o.plan("b", true, nil, []claim{groupClaim(5, groupInState)}))
	if len(diags) != 1 {
		t.Fatalf("%d diagnostics, want one: %v", len(diags), diags)
	}
	d = diags[0]
	if d.Summary() != summaryGroupTwoOwners || !containsAll(d.Detail(), "another mesibo_group resource, of group 5, in state, both manage group 5.",
		"This plan destroys this resource, and its Delete would delete what the other one manages.",
		"add a moved block from the old address to the new one instead", "from = mesibo_group.<name>") {
		t.Errorf("%s: %s", d.Summary(), d.Detail())
	}
}

// TestTurns: one holder of a turn at a time per object; other objects do
// not wait; a wait gives up when its context ends. Every wait has a
// deadline, so that a broken turn fails the test instead of hanging it.
func TestTurns(t *testing.T) {
	var turns turns
	take := func(o object) func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		release, err := turns.take(ctx, o)
		if err != nil {
			t.Fatalf("waiting for the turn at %v: %v", o, err)
		}
		return release
	}
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for _, a := range []string{"alice@x", "alice@x", "Alice@x", "ALICE@X"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			release, err := turns.take(ctx, ownedUser(a))
			if err != nil {
				t.Errorf("%s: %v", a, err)
				return
			}
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			release()
		}()
	}
	testwait.MustWait(t, &wg, "the creates of one address")
	if most.Load() != 1 {
		t.Errorf("%d creates of one address ran at once", most.Load())
	}

	held := take(ownedUser("alice@x"))
	take(ownedUser("bob@x"))() // does not wait for alice@x
	take(ownedMemberList(7))() // nor does a group
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if release, err := turns.take(short, ownedUser("Alice@X")); !errors.Is(err, context.DeadlineExceeded) || release != nil {
		t.Errorf("a wait past its deadline got %v", err)
	}
	held()
	take(ownedUser("Alice@X"))()
}

package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/testwait"
)

func TestPlanEdit(t *testing.T) {
	other := func(exclusive bool, members ...string) declaration { return newDeclaration(members, exclusive, false) }
	tests := []struct {
		name        string
		own         []string
		others      []declaration
		removed     []string
		add, remove []string
		want        editPlan
	}{
		{name: "alone, sends what it would", own: []string{"a", "c"}, add: []string{"c"}, remove: []string{"b"},
			want: editPlan{add: []string{"c"}, remove: []string{"b"}}},
		{name: "keeps what another declares", own: []string{"a"}, others: []declaration{other(false, "b", "x"), other(true, "d")},
			remove: []string{"b", "d", "e"}, want: editPlan{remove: []string{"e"}, kept: []string{"b", "d"}}},
		{name: "adds back what an earlier edit removed", own: []string{"a", "b", "c"}, removed: []string{"b", "z"},
			add: []string{"c"}, want: editPlan{add: []string{"b", "c"}, readded: []string{"b"}}},
		{name: "an address it adds anyway is not added back", own: []string{"a", "b"}, removed: []string{"b"},
			add: []string{"b"}, want: editPlan{add: []string{"b"}}},
		{name: "exclusive: unlisted members another declares stay", own: []string{"a"}, others: []declaration{other(false, "x")},
			add: []string{"a"}, remove: []string{"x", "y"}, want: editPlan{add: []string{"a"}, remove: []string{"y"}, kept: []string{"x"}}},
		{name: "nothing to do", own: []string{"a"}, want: editPlan{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removed := map[string]bool{}
			for _, a := range tt.removed {
				removed[a] = true
			}
			got := planEdit(tt.own, tt.others, removed, tt.add, tt.remove)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("planEdit = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// othersOf returns what the memberships other than key declare about gid.
func (r *membershipRegistry) othersOf(gid int64, key string) []declaration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.othersLocked(r.groupLocked(gid), key)
}

func TestMembershipRegistry_declarations(t *testing.T) {
	var r membershipRegistry
	if got := r.othersOf(7, "a"); len(got) != 0 {
		t.Fatalf("an empty registry knows %v", got)
	}
	r.declare(7, "a", newDeclaration([]string{"u2", "u1", "u1"}, false, false))
	r.declare(7, "b", newDeclaration([]string{"u3"}, true, false))
	r.declare(8, "c", newDeclaration([]string{"u9"}, false, false))
	if got := fmt.Sprint(r.othersOf(7, "a")); got != "[{[u3] true false}]" {
		t.Errorf("others of a in group 7 = %s", got)
	}
	if got := fmt.Sprint(r.othersOf(7, "")); got != "[{[u1 u2] false false} {[u3] true false}]" {
		t.Errorf("everything declared about group 7 = %s (sorted, without duplicates)", got)
	}
	// A membership that moves to another group declares nothing about the old one.
	r.declare(8, "a", newDeclaration([]string{"u1"}, false, false))
	if got := fmt.Sprint(r.othersOf(7, "")); got != "[{[u3] true false}]" {
		t.Errorf("group 7 after a moved = %s", got)
	}
	r.withdraw("b")
	r.withdraw("never declared")
	if got := r.othersOf(7, ""); len(got) != 0 {
		t.Errorf("group 7 after b was withdrawn = %v", got)
	}
	if got := len(r.othersOf(8, "")); got != 2 {
		t.Errorf("group 8 has %d declarations, want 2", got)
	}
}

// TestMembershipRegistry_createClaims: a create replaces the pending
// declaration its plan made that declares the same, never the declaration of
// a membership that exists, each only once, and under a key of its own,
// which the delete of the membership it replaces (that has the plan's key)
// does not withdraw.
func TestMembershipRegistry_createClaims(t *testing.T) {
	var r membershipRegistry
	g := &simulatedGroup{members: map[string]bool{}}
	r.declare(7, "existing", newDeclaration([]string{"u1", "u2"}, false, false))
	r.declare(7, "planned", newDeclaration([]string{"u1", "u2"}, false, true))
	r.declare(7, "other plan", newDeclaration([]string{"u1"}, false, true))
	pending := func() int {
		n := 0
		for _, d := range r.othersOf(7, "") {
			if d.pending {
				n++
			}
		}
		return n
	}
	create := func(gid int64, exclusive bool, members ...string) string {
		d := newDeclaration(members, exclusive, false)
		return r.edit(context.Background(), g, memberChange{gid: gid, create: true, declares: &d, add: members}).key
	}
	exclusive := create(7, true, "u2", "u1")
	create(8, false, "u1", "u2")
	if n := pending(); n != 2 {
		t.Errorf("creates that declare something else claimed a pending declaration: %d left, want 2", n)
	}
	key := create(7, false, "u2", "u1")
	if n := pending(); n != 1 || key == "planned" || len(key) != 32 {
		t.Errorf("the create took key %q and left %d pending declarations; want a new key, and 1", key, n)
	}
	// The replaced membership's delete, with the plan's key, keeps what the
	// create declares.
	r.withdraw("existing")
	r.withdraw(exclusive)
	g.members = map[string]bool{"u1": true, "u2": true}
	g.destroy(&r, "planned", []string{"u1", "u2"})
	if got := g.list(); !slices.Equal(got, []string{"u1", "u2"}) {
		t.Errorf("the replaced membership's delete left %v", got)
	}
	create(7, false, "u1", "u2")
	if n := pending(); n != 1 {
		t.Errorf("a second create claimed a declaration: %d pending left", n)
	}
}

// TestMembershipRegistry_failedCreateDeclaresNothing: a membership whose
// create failed does not keep another membership of the group from removing
// the address it would have added.
func TestMembershipRegistry_failedCreateDeclaresNothing(t *testing.T) {
	var r membershipRegistry
	ctx := context.Background()
	g := &simulatedGroup{members: map[string]bool{"x": true}, refuseAdd: true}
	r.declare(7, "b", newDeclaration([]string{"x"}, false, true)) // b's plan
	d := newDeclaration([]string{"x"}, false, false)
	if res := r.edit(ctx, g, memberChange{gid: 7, create: true, declares: &d, add: []string{"x"}}); res.err == nil || res.failed != "add members to" {
		t.Fatalf("the create did not fail as the group refused it: %+v", res)
	}
	g.refuseAdd = false
	g.update(&r, "a", []string{"x"}, nil)
	if got := g.list(); len(got) != 0 {
		t.Errorf("members %v: a dropped x, which the failed create of b declared", got)
	}
}

// simulatedGroup applies edits the way Mesibo would, for the registry tests.
type simulatedGroup struct {
	members   map[string]bool
	sent      []string
	refuseAdd bool
}

func (g *simulatedGroup) AddGroupMembersWithPermissions(ctx context.Context, gid int64, addresses []string, _ mesibo.Permissions) error {
	return g.AddGroupMembers(ctx, gid, addresses)
}

func (g *simulatedGroup) AddGroupMembers(_ context.Context, _ int64, addresses []string) error {
	if g.refuseAdd {
		return errors.New("refused")
	}
	for _, a := range addresses {
		g.members[a] = true
	}
	g.sent = append(g.sent, "add "+strings.Join(addresses, ","))
	return nil
}

func (g *simulatedGroup) RemoveGroupMembers(_ context.Context, _ int64, addresses []string) error {
	for _, a := range addresses {
		delete(g.members, a)
	}
	g.sent = append(g.sent, "remove "+strings.Join(addresses, ","))
	return nil
}

// update runs the edit of the membership key from before to after, as
// Update does.
func (g *simulatedGroup) update(r *membershipRegistry, key string, before, after []string) {
	d := newDeclaration(after, false, false)
	res := r.edit(context.Background(), g, memberChange{gid: 7, key: key, declares: &d,
		add: difference(after, before), remove: difference(before, after)})
	if res.err != nil {
		panic(res.err)
	}
}

// destroy runs the edit of the membership key listing old, as Delete does.
func (g *simulatedGroup) destroy(r *membershipRegistry, key string, old []string) {
	if res := r.edit(context.Background(), g, memberChange{gid: 7, key: key, remove: old}); res.err != nil {
		panic(res.err)
	}
}

func (g *simulatedGroup) list() []string {
	out := make([]string, 0, len(g.members))
	for a := range g.members {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// TestMembershipRegistry_ordersDoNotMatter applies the changes of two
// memberships of one group in each order, each in a registry of its own, as
// one apply does, and expects the same members either way.
func TestMembershipRegistry_ordersDoNotMatter(t *testing.T) {
	l := func(s ...string) []string { return s }
	tests := []struct {
		name           string
		aOld, aNew     []string // aNew nil: a is destroyed
		bOld, bNew     []string
		want           []string
		aFirst, bFirst []string // what is sent in each order
	}{
		{name: "move from a to b", aOld: l("u1", "u2", "u4"), aNew: l("u1"), bOld: l("u3"), bNew: l("u2", "u3", "u4"),
			want: l("u1", "u2", "u3", "u4"), aFirst: l("remove u2,u4", "add u2,u4"), bFirst: l("add u2,u4")},
		{name: "a drops what b keeps", aOld: l("u1", "u2"), aNew: l("u1"), bOld: l("u2", "u3"), bNew: l("u2", "u3", "u5"),
			want: l("u1", "u2", "u3", "u5"), aFirst: l("remove u2", "add u2,u5"), bFirst: l("add u5")},
		{name: "a destroyed, b keeps its address", aOld: l("u1", "u2"), bOld: l("u2", "u3"), bNew: l("u2", "u3", "u6"),
			want: l("u2", "u3", "u6"), aFirst: l("remove u1,u2", "add u2,u6"), bFirst: l("add u6", "remove u1")},
	}
	for _, tt := range tests {
		for _, aFirst := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, a first %t", tt.name, aFirst), func(t *testing.T) {
				var r membershipRegistry
				g := &simulatedGroup{members: map[string]bool{}}
				for _, a := range append(slices.Clone(tt.aOld), tt.bOld...) {
					g.members[a] = true
				}
				runA := func() {
					if tt.aNew == nil {
						g.destroy(&r, "a", tt.aOld)
					} else {
						g.update(&r, "a", tt.aOld, tt.aNew)
					}
				}
				runB := func() { g.update(&r, "b", tt.bOld, tt.bNew) }
				want := tt.bFirst
				if aFirst {
					runA()
					runB()
					want = tt.aFirst
				} else {
					runB()
					runA()
				}
				if got := g.list(); !slices.Equal(got, tt.want) {
					t.Errorf("members %v, want %v", got, tt.want)
				}
				if !slices.Equal(g.sent, want) {
					t.Errorf("sent %q, want %q", g.sent, want)
				}
			})
		}
	}
}

// countingGroup counts the additions it is sent, with a read and a write
// that another edit could come between.
type countingGroup struct{ count int }

func (g *countingGroup) AddGroupMembersWithPermissions(ctx context.Context, gid int64, addresses []string, _ mesibo.Permissions) error {
	return g.AddGroupMembers(ctx, gid, addresses)
}

func (g *countingGroup) AddGroupMembers(context.Context, int64, []string) error {
	n := g.count
	runtime.Gosched() // let another edit run here, if it can
	g.count = n + 1
	return nil
}

func (g *countingGroup) RemoveGroupMembers(context.Context, int64, []string) error { return nil }

// TestMembershipRegistry_editsOfAGroupTakeTurns: many edits of one group at
// once each read and write the group without another edit in between (run
// with -race, a missing turn is also reported as a data race); an edit that
// waits gives up when its context ends.
func TestMembershipRegistry_editsOfAGroupTakeTurns(t *testing.T) {
	var r membershipRegistry
	g := &countingGroup{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d := newDeclaration([]string{fmt.Sprint(i)}, false, false)
			if res := r.edit(ctx, g, memberChange{gid: 7, key: fmt.Sprint(i), declares: &d, add: d.members}); res.err != nil {
				t.Error(res.err)
			}
		}()
	}
	testwait.MustWait(t, &wg, "the 50 edits")
	if g.count != 50 {
		t.Errorf("50 edits counted %d: edits of one group overlapped", g.count)
	}
	// An edit waiting for the group's turn gives up when its context ends,
	// and declares nothing if it was a create.
	wait, cancelWait := context.WithTimeout(context.Background(), testwait.Timeout)
	defer cancelWait()
	release, err := r.turns.take(wait, ownedMemberList(7))
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	d := newDeclaration([]string{"late"}, false, false)
	res := r.edit(short, g, memberChange{gid: 7, create: true, declares: &d, add: d.members})
	if !errors.Is(res.err, context.DeadlineExceeded) {
		t.Errorf("a waiting edit past its deadline: %+v", res)
	}
	release()
	r.mu.Lock()
	_, declared := r.gidOf[res.key]
	r.mu.Unlock()
	if declared {
		t.Error("a create that gave up still declares its members")
	}
}

func TestDeclaredRecord(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	p := fakePrivate{}
	if got, ok := declaredFrom(ctx, p, []string{"a"}, &diags); ok || got != nil {
		t.Errorf("without a record: %v, %v", got, ok)
	}
	// The record of earlier versions: the drift an exclusive refresh found.
	p[legacyUnlisted] = []byte(`["s1"]`)
	if got, ok := declaredFrom(ctx, p, []string{"a", "s1"}, &diags); !ok || fmt.Sprint(got) != "[a]" {
		t.Errorf("with the drift of an earlier version: %v, %v", got, ok)
	}
	saveDeclared(ctx, p, []string{"b", "a", "b"}, &diags)
	if got, ok := declaredFrom(ctx, p, []string{"a", "s1"}, &diags); !ok || fmt.Sprint(got) != "[a b]" {
		t.Errorf("the saved record reads as %v, %v", got, ok)
	}
	if p[legacyUnlisted] != nil {
		t.Error("saving the record keeps the record of earlier versions")
	}
	saveDeclared(ctx, p, nil, &diags) // an import declares nothing, and says so
	if got, ok := declaredFrom(ctx, p, []string{"a"}, &diags); !ok || len(got) != 0 {
		t.Errorf("an empty record reads as %v, %v", got, ok)
	}
	if diags.HasError() {
		t.Errorf("diagnostics: %v", diags)
	}
}

func TestLegacyDeclared(t *testing.T) {
	l := func(s ...string) []string { return s }
	for _, c := range []struct {
		name                 string
		inState, configured  []string
		hasConfig, exclusive bool
		want                 string
		ok                   bool
	}{
		{"configured: drift is not declared", l("s1", "u1"), l("u1", "u2"), true, true, "[u1]", true},
		{"configured, additive", l("u1", "u3"), l("u1"), true, false, "[u1]", true},
		{"destroyed, additive", l("u1", "u3"), nil, false, false, "[u1 u3]", true},
		{"destroyed, exclusive: cannot tell", l("s1", "u1"), nil, false, true, "[]", false},
		{"destroyed, exclusive, no member", nil, nil, false, true, "[]", true},
	} {
		got, ok := legacyDeclared(c.inState, c.configured, c.hasConfig, c.exclusive)
		if fmt.Sprint(got) != c.want || ok != c.ok {
			t.Errorf("%s: %v, %v; want %s, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestTruncationWarning(t *testing.T) {
	want := [][]string{{summaryMembersNotChecked, "Group 7 has at least 20 members", "members that are not listed in exclusive mode may remain"}}
	checkWarnings(t, truncationWarning(7, true, true), path.Empty(), want)
	checkWarnings(t, truncationWarning(7, true, false), path.Empty(), nil)
	checkWarnings(t, truncationWarning(7, false, true), path.Empty(), nil)
}

// checkWarnings checks that diags are exactly the warnings want, each given
// as its summary and phrases of its detail, on attribute at (path.Empty():
// not on an attribute).
func checkWarnings(t *testing.T, diags diag.Diagnostics, at path.Path, want [][]string) {
	t.Helper()
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics %v, want %d", len(diags), diags, len(want))
	}
	for i, d := range diags {
		if d.Severity() != diag.SeverityWarning || d.Summary() != want[i][0] {
			t.Errorf("diagnostic %d is %s %q, want a warning %q", i, d.Severity(), d.Summary(), want[i][0])
		}
		for _, phrase := range want[i][1:] {
			if !strings.Contains(strings.Join(strings.Fields(d.Detail()), " "), phrase) {
				t.Errorf("warning %q does not say %q:\n%s", d.Summary(), phrase, d.Detail())
			}
		}
		onPath := path.Empty()
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			onPath = wp.Path()
		}
		if !onPath.Equal(at) {
			t.Errorf("warning %q is on %q, want %q", d.Summary(), onPath, at)
		}
	}
}

// fakePrivate is private state data as the framework keeps it.
type fakePrivate map[string][]byte

func (p fakePrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p fakePrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	var diags diag.Diagnostics
	if len(value) == 0 {
		delete(p, key) // as the framework does
		return diags
	}
	if !json.Valid(value) {
		diags.AddError("invalid JSON", string(value))
	}
	p[key] = value
	return diags
}

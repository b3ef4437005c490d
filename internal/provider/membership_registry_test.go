package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

func TestMembershipRegistry_declarations(t *testing.T) {
	var r membershipRegistry
	if got := r.others(7, "a"); len(got) != 0 {
		t.Fatalf("an empty registry knows %v", got)
	}
	r.declare(7, "a", newDeclaration([]string{"u2", "u1", "u1"}, false, false))
	r.declare(7, "b", newDeclaration([]string{"u3"}, true, false))
	r.declare(8, "c", newDeclaration([]string{"u9"}, false, false))
	if got := fmt.Sprint(r.others(7, "a")); got != "[{[u3] true false}]" {
		t.Errorf("others of a in group 7 = %s", got)
	}
	if got := fmt.Sprint(r.others(7, "")); got != "[{[u1 u2] false false} {[u3] true false}]" {
		t.Errorf("everything declared about group 7 = %s (sorted, without duplicates)", got)
	}
	// A membership that moves to another group declares nothing about the old one.
	r.declare(8, "a", newDeclaration([]string{"u1"}, false, false))
	if got := fmt.Sprint(r.others(7, "")); got != "[{[u3] true false}]" {
		t.Errorf("group 7 after a moved = %s", got)
	}
	r.withdraw("b")
	r.withdraw("never declared")
	if got := r.others(7, ""); len(got) != 0 {
		t.Errorf("group 7 after b was withdrawn = %v", got)
	}
	if got := len(r.others(8, "")); got != 2 {
		t.Errorf("group 8 has %d declarations, want 2", got)
	}
}

func TestMembershipRegistry_claim(t *testing.T) {
	var r membershipRegistry
	planned := newDeclaration([]string{"u1", "u2"}, false, true)
	r.declare(7, "existing", newDeclaration([]string{"u1", "u2"}, false, false))
	r.declare(7, "planned", planned)
	r.declare(7, "other plan", newDeclaration([]string{"u1"}, false, true))

	if got := r.claim(7, newDeclaration([]string{"u2", "u1"}, true, false)); got != "" {
		t.Errorf("an exclusive membership claimed %q, planned additive", got)
	}
	if got := r.claim(8, newDeclaration([]string{"u1", "u2"}, false, false)); got != "" {
		t.Errorf("a membership of group 8 claimed %q, planned for group 7", got)
	}
	// Only the pending declaration is claimed, never one of a membership
	// that exists, and only once.
	if got := r.claim(7, newDeclaration([]string{"u2", "u1"}, false, false)); got != "planned" {
		t.Errorf("claim = %q, want the pending declaration", got)
	}
	if got := r.claim(7, newDeclaration([]string{"u1", "u2"}, false, false)); got != "" {
		t.Errorf("a second create claimed %q", got)
	}
}

// simulatedGroup applies edits the way Mesibo would, for the registry tests.
type simulatedGroup struct {
	members map[string]bool
	sent    []string
}

// update runs the edit of the membership key from before to after, as
// Update does.
func (g *simulatedGroup) update(r *membershipRegistry, key string, before, after []string) {
	r.declare(7, key, newDeclaration(after, false, false))
	e := r.begin(7, key)
	defer e.end()
	p := e.decide(difference(after, before), difference(before, after))
	g.send(p)
	e.added(p.add)
}

// destroy runs the edit of the membership key listing old, as Delete does.
func (g *simulatedGroup) destroy(r *membershipRegistry, key string, old []string) {
	r.withdraw(key)
	e := r.begin(7, key)
	defer e.end()
	g.send(e.decide(nil, old))
}

func (g *simulatedGroup) send(p editPlan) {
	for _, a := range p.add {
		g.members[a] = true
	}
	for _, a := range p.remove {
		delete(g.members, a)
	}
	if len(p.add) > 0 {
		g.sent = append(g.sent, "add "+strings.Join(p.add, ","))
	}
	if len(p.remove) > 0 {
		g.sent = append(g.sent, "remove "+strings.Join(p.remove, ","))
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

// TestMembershipRegistry_editsOfAGroupTakeTurns: many edits of one group at
// once each read and write the group without another edit in between (run
// with -race, a missing lock is also reported as a data race).
func TestMembershipRegistry_editsOfAGroupTakeTurns(t *testing.T) {
	var r membershipRegistry
	count := 0
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := r.begin(7, fmt.Sprint(i))
			defer e.end()
			n := count
			runtime.Gosched() // let another edit run here, if it can
			count = n + 1
		}()
	}
	wg.Wait()
	if count != 50 {
		t.Errorf("50 edits counted %d: edits of one group overlapped", count)
	}
	// Edits of different groups do not wait for each other (this would
	// deadlock if they did).
	e1 := r.begin(7, "a")
	e2 := r.begin(8, "b")
	e2.end()
	e1.end()
}

func TestMembershipPlanWarnings(t *testing.T) {
	d := func(exclusive bool, members ...string) declaration { return newDeclaration(members, exclusive, false) }
	many := make([]string, 12)
	for i := range many {
		many[i] = fmt.Sprintf("m%02d", i)
	}
	tests := []struct {
		name   string
		self   declaration
		others []declaration
		want   [][]string // per warning: summary, then phrases of the detail
	}{
		{name: "alone", self: d(true, "u1")},
		{name: "no shared address", self: d(false, "u1"), others: []declaration{d(false, "u2")}},
		{name: "one shared address", self: d(false, "u1", "u2"), others: []declaration{d(false, "u2", "u3")},
			want: [][]string{{summaryMemberListedTwice, "Another mesibo_group_membership resource of group 7 lists address \"u2\" too",
				"the address leaves the group", "List each address in one membership resource"}}},
		{name: "shared addresses of several others", self: d(false, "u1", "u2", "u4"), others: []declaration{d(false, "u4"), d(false, "u2", "u4")},
			want: [][]string{{summaryMemberListedTwice, `lists addresses "u2", "u4" too`}}},
		{name: "many shared addresses", self: d(false, many...), others: []declaration{d(false, many...)},
			want: [][]string{{summaryMemberListedTwice, `"m08", "m09" and 2 more too`}}},
		{name: "exclusive itself", self: d(true, "u1"), others: []declaration{d(false, "u2")},
			want: [][]string{{summaryExclusiveShared, "Group 7 has an exclusive mesibo_group_membership and another",
				"the group keeps changing", "either one exclusive membership or only memberships with exclusive = false"}}},
		{name: "another is exclusive, and shares an address", self: d(false, "u1"), others: []declaration{d(true, "u1")},
			want: [][]string{{summaryMemberListedTwice, `address "u1"`}, {summaryExclusiveShared, "Group 7"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := membershipPlanWarnings(7, tt.self, tt.others)
			checkWarnings(t, got, path.Root("members"), tt.want)
		})
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
	if !json.Valid(value) {
		diags.AddError("invalid JSON", string(value))
	}
	p[key] = value
	return diags
}

func TestMembershipKey(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	p := fakePrivate{}
	first := membershipKeyFrom(ctx, p, &diags)
	if len(first) != 32 || membershipKeyFrom(ctx, p, &diags) == first {
		t.Errorf("without a saved key, each call should make a new one: %q", first)
	}
	saveMembershipKey(ctx, p, first, &diags)
	if got := membershipKeyFrom(ctx, p, &diags); got != first {
		t.Errorf("the saved key is %q, read back %q", first, got)
	}
	p[membershipPrivateKey] = []byte(`{"not":"a key"}`)
	if got := membershipKeyFrom(ctx, p, &diags); got == "" || got == first {
		t.Errorf("an unreadable key gives %q, want a new key", got)
	}
	if diags.HasError() {
		t.Errorf("diagnostics: %v", diags)
	}
}

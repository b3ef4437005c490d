package provider

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

func TestUserRegistry_declare(t *testing.T) {
	var r userRegistry
	if got := r.declare("a", "alice@x"); len(got) != 0 {
		t.Fatalf("the first declaration shares its address with %v", got)
	}
	// The same resource planned again (Terraform's second plan of a
	// replacement) is no second declaration.
	if got := r.declare("a", "alice@x"); len(got) != 0 {
		t.Fatalf("declaring again shares the address with %v", got)
	}
	if got := r.declare("b", "bob@x"); len(got) != 0 {
		t.Fatalf("another address shares with %v", got)
	}
	if got := r.declare("c", "alice@x"); !slices.Equal(got, []string{"alice@x"}) {
		t.Errorf("a second resource with alice@x shares with %v, want [alice@x]", got)
	}
	if got := r.declare("d", "Alice@X"); !slices.Equal(got, []string{"alice@x"}) {
		t.Errorf("another case shares with %v, want [alice@x] once", got)
	}
	// a moves to another address: it no longer declares alice@x.
	r.declare("a", "carol@x")
	r.withdraw("c")
	if got := r.declare("e", "alice@x"); !slices.Equal(got, []string{"Alice@X"}) {
		t.Errorf("after a moved and c was withdrawn, alice@x shares with %v, want [Alice@X]", got)
	}
	r.withdraw("nobody") // a key never declared
}

// TestUserRegistry_createsTakeTurns: creates of one address, and of its
// spellings in other cases, run one at a time; creates of other addresses
// do not wait for them.
func TestUserRegistry_createsTakeTurns(t *testing.T) {
	var r userRegistry
	ctx := context.Background()
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for _, a := range []string{"alice@x", "alice@x", "Alice@x", "ALICE@X"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := r.beginCreate(ctx, a)
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			c.end()
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d creates of one address ran at once", most.Load())
	}

	held, err := r.beginCreate(ctx, "alice@x")
	if err != nil {
		t.Fatal(err)
	}
	other, err := r.beginCreate(ctx, "bob@x") // would block if it waited for alice@x
	if err != nil {
		t.Fatal(err)
	}
	other.end()
	// A create that waits gives up when its context ends.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if c, err := r.beginCreate(short, "Alice@X"); !errors.Is(err, context.DeadlineExceeded) || c != nil {
		t.Errorf("a create waiting past its deadline got %v, %v", c, err)
	}
	held.end()
	c, err := r.beginCreate(ctx, "Alice@X")
	if err != nil {
		t.Fatal(err)
	}
	c.end()
}

// TestUserRegistry_earlier: a create learns that an earlier create of this
// process made the user at exactly its address, not at another spelling.
func TestUserRegistry_earlier(t *testing.T) {
	var r userRegistry
	ctx := context.Background()
	first, _ := r.beginCreate(ctx, "alice@x")
	if _, ok := first.earlier(); ok {
		t.Fatal("the first create finds an earlier one")
	}
	first.created(101)
	first.end()
	second, _ := r.beginCreate(ctx, "alice@x")
	if uid, ok := second.earlier(); !ok || uid != 101 {
		t.Errorf("the second create of alice@x finds %d, %v; want 101", uid, ok)
	}
	second.end()
	third, _ := r.beginCreate(ctx, "Alice@x")
	if uid, ok := third.earlier(); ok {
		t.Errorf("a create of Alice@x finds the user of alice@x (UID %d): on a server that tells the two apart they are two users", uid)
	}
	third.end()
}

package provider

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"golang.org/x/text/unicode/norm"
)

// userRegistry coordinates the mesibo_user resources that one provider
// process plans and applies (there is one per configured provider, in
// providerData).
//
// Mesibo has one user per address, and useradd for an address that exists
// takes that user over. Two mesibo_user resources with the same address (a
// module used twice, say) would otherwise both look the address up while
// neither had created it yet, both call useradd, and both record one UID, of
// which only the later holds the live access token, and destroying either
// would delete the user the other manages. So:
//   - in a plan, each user resource declares its address, and one that
//     declares an address another user resource of this process declares
//     too, or one that differs from it only in case, gets a warning;
//   - in an apply, the creates of one address, and of its spellings in other
//     cases, run one at a time: each looks the address up and calls useradd
//     in its turn, so a later create's lookup sees the user an earlier one
//     made, and is refused. The registry remembers the addresses the creates
//     of this process made, so that the refusal can say that another
//     resource of this configuration manages the user.
//
// A user resource does not know its Terraform address, so each carries a
// random key in its private state (see userKeyFrom), which Terraform hands
// to the second plan it asks for when it replaces the resource.
//
// Limits, also written on the resource's page:
//   - The registry knows only the user resources this process has seen.
//     Terraform plans and applies in separate provider processes, and in an
//     apply it calls the provider only for resources that change: a create
//     whose address an unchanged resource manages is refused by its lookup,
//     with the error that the user already exists.
//   - It coordinates one provider configuration in one Terraform run: two
//     provider blocks for the same app, or two configurations or runs that
//     manage the same addresses at once, are not coordinated, and their
//     creates can still race.
type userRegistry struct {
	mu      sync.Mutex
	records map[string]*addressRecord // by foldAddress; guarded by mu
	foldOf  map[string]string         // the folded address each key declares; guarded by mu
}

// addressRecord is what the registry knows about the spellings of one
// address that differ only in case.
type addressRecord struct {
	turn     chan struct{}     // holds a token while no create of these spellings runs
	declared map[string]string // the address each user key declares; guarded by the registry's mu
	created  map[string]int64  // the UID that creates of this process gave each address; guarded by the registry's mu
}

// foldAddress maps the spellings of an address that differ only in case, or
// in Unicode normalization, to one string: each character of its composed
// form becomes the smallest of the characters that simple case folding
// equates with it, as strings.EqualFold compares them.
func foldAddress(address string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, norm.NFC.String(address))
}

// recordLocked returns the record of address's spellings, creating it; r.mu
// must be held.
func (r *userRegistry) recordLocked(address string) *addressRecord {
	if r.records == nil {
		r.records = map[string]*addressRecord{}
		r.foldOf = map[string]string{}
	}
	f := foldAddress(address)
	rec := r.records[f]
	if rec == nil {
		rec = &addressRecord{turn: make(chan struct{}, 1), declared: map[string]string{}, created: map[string]int64{}}
		rec.turn <- struct{}{}
		r.records[f] = rec
	}
	return rec
}

// declare records that the user resource with key plans to have address,
// replacing what it declared before, and returns the addresses that other
// user resources declare which are address or differ from it only in case,
// sorted, each once.
func (r *userRegistry) declare(key, address string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.withdrawLocked(key)
	rec := r.recordLocked(address)
	var others []string
	for k, a := range rec.declared {
		if k != key && !slices.Contains(others, a) {
			others = append(others, a)
		}
	}
	rec.declared[key] = address
	r.foldOf[key] = foldAddress(address)
	slices.Sort(others)
	return others
}

// withdraw forgets what the user resource with key declares.
func (r *userRegistry) withdraw(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.withdrawLocked(key)
}

func (r *userRegistry) withdrawLocked(key string) {
	if f, ok := r.foldOf[key]; ok {
		delete(r.records[f].declared, key)
		delete(r.foldOf, key)
	}
}

// userCreate is one create's turn at an address.
type userCreate struct {
	r       *userRegistry
	rec     *addressRecord
	address string
}

// beginCreate waits until no other create of address, or of a spelling of
// it in another case, runs, and starts the create of address. It fails
// only when ctx ends first. The caller must call end.
func (r *userRegistry) beginCreate(ctx context.Context, address string) (*userCreate, error) {
	r.mu.Lock()
	rec := r.recordLocked(address)
	r.mu.Unlock()
	select {
	case <-rec.turn:
		return &userCreate{r: r, rec: rec, address: address}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// earlier returns the UID of the user that an earlier create of this
// process made at exactly this address, if one did.
func (c *userCreate) earlier() (int64, bool) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	uid, ok := c.rec.created[c.address]
	return uid, ok
}

// created records that the create made the user uid.
func (c *userCreate) created(uid int64) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.rec.created[c.address] = uid
}

// end lets the next create of the address run.
func (c *userCreate) end() { c.rec.turn <- struct{}{} }

// userPrivateKey names the user resource's key in its private state.
const userPrivateKey = "user_key"

// userKeyFrom returns the user resource's key from its private state, or a
// new key when it has none yet.
func userKeyFrom(ctx context.Context, private privateGetter, diags *diag.Diagnostics) string {
	raw, d := private.GetKey(ctx, userPrivateKey)
	diags.Append(d...)
	var key string
	if len(raw) > 0 && json.Unmarshal(raw, &key) == nil && key != "" {
		return key
	}
	return randomID()
}

// saveUserKey keeps the user resource's key in its private state, as a JSON
// string.
func saveUserKey(ctx context.Context, private privateSetter, key string, diags *diag.Diagnostics) {
	diags.Append(private.SetKey(ctx, userPrivateKey, []byte(strconv.Quote(key)))...)
}

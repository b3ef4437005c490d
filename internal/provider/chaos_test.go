package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// These tests apply a configuration of 30 users, 4 groups and their
// memberships to an emulator of their own that injects the failures a
// client meets between it and Mesibo, and check what a user would notice:
// whether applies converge, whether Mesibo holds exactly what was declared,
// and whether every group Terraform may have lost track of was reported.

const chaosUserCount = 30

// chaosTeams are the groups; team k has the users whose index modulo 4 is k.
var chaosTeams = []string{"red", "green", "blue", "gold"}

var (
	preProcessingFaults = []emulator.Fault{emulator.Fault429, emulator.Fault503}
	ambiguousFaults     = []emulator.Fault{emulator.Fault500, emulator.Fault502, emulator.FaultReset, emulator.FaultGarbage, emulator.FaultTruncate}
	allFaults           = append(slices.Clone(preProcessingFaults), ambiguousFaults...)
)

// chaosConfig declares the users, groups and memberships. Even teams own
// their whole member list (exclusive), odd ones only the listed members.
// It uses count rather than for_each, which terraform-plugin-testing's
// state checks cannot read.
func chaosConfig(providerBlock, prefix string) string {
	teams := make([]string, len(chaosTeams))
	for i, name := range chaosTeams {
		teams[i] = strconv.Quote(name)
	}
	return providerBlock + fmt.Sprintf(`
locals {
  prefix = %q
  teams  = [%s]
}

resource "mesibo_user" "u" {
  count   = %d
  address = format("%%s-user-%%02d", local.prefix, count.index)
  app_id  = "com.example.chaos"
}

resource "mesibo_group" "g" {
  count = length(local.teams)
  name  = "${local.prefix}-${local.teams[count.index]}"
}

resource "mesibo_group_membership" "m" {
  count     = length(local.teams)
  gid       = mesibo_group.g[count.index].gid
  members   = [for i, u in mesibo_user.u : u.address if i %% length(local.teams) == count.index]
  exclusive = count.index %% 2 == 0
}
`, prefix, strings.Join(teams, ", "), chaosUserCount)
}

func chaosUserAddress(prefix string, i int) string { return fmt.Sprintf("%s-user-%02d", prefix, i) }

func chaosGroupName(prefix string, team int) string { return prefix + "-" + chaosTeams[team] }

// chaosMembers are the addresses team should have, sorted.
func chaosMembers(prefix string, team int) []string {
	var out []string
	for i := 0; i < chaosUserCount; i++ {
		if i%len(chaosTeams) == team {
			out = append(out, chaosUserAddress(prefix, i))
		}
	}
	slices.Sort(out)
	return out
}

// checkChaosWorld checks that the emulator holds exactly the declared users,
// and each declared group (found by its gid in managed, which maps gid to
// name) with exactly its members. It returns the groups the emulator holds
// beyond the managed ones.
func checkChaosWorld(snap emulator.State, prefix string, managed map[int64]string) ([]emulator.StateGroup, error) {
	var errs []error
	var want, got []string
	for i := 0; i < chaosUserCount; i++ {
		want = append(want, chaosUserAddress(prefix, i))
	}
	for _, u := range snap.Users {
		got = append(got, u.Address)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		errs = append(errs, fmt.Errorf("Mesibo holds %d users %v, want the %d declared ones", len(got), got, len(want)))
	}

	byGID := map[int64]emulator.StateGroup{}
	for _, g := range snap.Groups {
		byGID[g.GID] = g
	}
	for team := range chaosTeams {
		name := chaosGroupName(prefix, team)
		var gids []int64
		for gid, n := range managed {
			if n == name {
				gids = append(gids, gid)
			}
		}
		if len(gids) != 1 {
			errs = append(errs, fmt.Errorf("Terraform manages %d groups named %q (gids %v), want 1", len(gids), name, gids))
			continue
		}
		g, ok := byGID[gids[0]]
		if !ok {
			errs = append(errs, fmt.Errorf("group %q (gid %d) is in the state but not in Mesibo", name, gids[0]))
			continue
		}
		members := slices.Clone(g.Members)
		slices.Sort(members)
		if want := chaosMembers(prefix, team); !slices.Equal(members, want) {
			errs = append(errs, fmt.Errorf("group %q (gid %d) has members %v, want %v", name, g.GID, members, want))
		}
	}
	var extra []emulator.StateGroup
	for _, g := range snap.Groups {
		if _, ok := managed[g.GID]; !ok {
			extra = append(extra, g)
		}
	}
	return extra, errors.Join(errs...)
}

// chaosSeedEnv names the environment variable that sets the seed of the
// emulator's fault draws, to replay a failed run.
const chaosSeedEnv = "MESIBO_CHAOS_SEED"

// chaosSeed returns the seed of the emulator's fault draws: MESIBO_CHAOS_SEED
// when set, to replay a failed run, and otherwise a new one, so that runs
// explore different faults. It logs the seed, and when the test fails it
// says again, at the end of the failure, how to replay it.
//
// The seed fixes the sequence of draws, which the emulator hands out in the
// order requests arrive; Terraform sends requests concurrently, so a replay
// meets the same faults, but not necessarily on the same requests.
func chaosSeed(t *testing.T) int64 {
	t.Helper()
	seed, source := time.Now().UnixNano(), "from the clock"
	if v := os.Getenv(chaosSeedEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("%s=%q is not a seed: want a non-zero integer, as logged by a failed run", chaosSeedEnv, v)
		}
		seed, source = n, "from "+chaosSeedEnv
	}
	replay := fmt.Sprintf("%s=%d TF_ACC=1 go test ./internal/provider -run '^%s$' -count=1",
		chaosSeedEnv, seed, regexp.QuoteMeta(t.Name()))
	t.Logf("fault seed %d (%s); to replay: %s", seed, source, replay)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("this run failed with fault seed %d; replay its fault draws with: %s", seed, replay)
		}
	})
	return seed
}

// stateCheck adapts a function of the state to a statecheck.StateCheck.
type stateCheck func(*tfjson.State) error

func (f stateCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req.State)
}

// managedGroups maps the gid of each mesibo_group in a state to its name.
func managedGroups(st *tfjson.State) map[int64]string {
	out := map[int64]string{}
	if st == nil || st.Values == nil || st.Values.RootModule == nil {
		return out
	}
	for _, r := range st.Values.RootModule.Resources {
		if r.Mode != tfjson.ManagedResourceMode || r.Type != "mesibo_group" {
			continue
		}
		gid, _ := strconv.ParseInt(fmt.Sprint(r.AttributeValues["gid"]), 10, 64)
		name, _ := r.AttributeValues["name"].(string)
		out[gid] = name
	}
	return out
}

// faultSummary describes what the emulator saw, for the test log.
func faultSummary(st emulator.Stats) string {
	requests, faults := 0, 0
	for _, n := range st.Requests {
		requests += n
	}
	var kinds []string
	for _, k := range sortedKeys(st.Faults) {
		faults += st.Faults[k]
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, st.Faults[k]))
	}
	return fmt.Sprintf("%d API requests, %d faults injected (%s)", requests, faults, strings.Join(kinds, ", "))
}

// Faults that proxies answer before the request reaches Mesibo (429, with
// and without Retry-After, and 503) are retried whatever the operation, so
// one apply converges and Mesibo holds exactly what was declared.
func TestAccChaos_preProcessingFaults(t *testing.T) {
	testAccGate(t)
	seed := chaosSeed(t)
	e := newTestEmulator(t, emulator.Options{FaultRate: 0.3, Faults: preProcessingFaults, Seed: seed})
	prefix := uniquePrefix()

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesWith(fastRetries),
		Steps: []resource.TestStep{
			{
				// One apply, faults and all; the framework then checks that the
				// next plan is empty, with and without a refresh.
				Config: chaosConfig(e.providerBlock("max_retries = 12"), prefix),
				ConfigStateChecks: []statecheck.StateCheck{stateCheck(func(st *tfjson.State) error {
					snap := e.Snapshot()
					extra, err := checkChaosWorld(snap, prefix, managedGroups(st))
					if err != nil {
						return err
					}
					if len(extra) > 0 {
						return fmt.Errorf("Mesibo holds %d groups nobody declared: %+v", len(extra), extra)
					}
					seen := map[string]bool{}
					for _, g := range snap.Groups {
						if seen[g.Name] {
							return fmt.Errorf("group %q exists twice", g.Name)
						}
						seen[g.Name] = true
					}
					t.Logf("after the apply: %s", faultSummary(e.Stats()))
					return nil
				})},
			},
		},
	})

	// The framework destroyed everything, with the faults still on.
	if snap := e.Snapshot(); len(snap.Users) != 0 || len(snap.Groups) != 0 {
		t.Errorf("after destroy Mesibo still holds %d users and %d groups", len(snap.Users), len(snap.Groups))
	}

	st := e.Stats()
	t.Logf("whole test: %s", faultSummary(st))
	// Both kinds of 429 (the emulator alternates Retry-After: 1 and none)
	// and 503 were met and survived.
	if st.Faults["429"] < 2 || st.Faults["503"] < 1 {
		t.Errorf("too few faults were injected to prove anything: %v", st.Faults)
	}
	for _, f := range ambiguousFaults {
		if st.Faults[string(f)] != 0 {
			t.Errorf("fault %s was injected, but only pre-processing faults were asked for", f)
		}
	}
}

// Faults after Mesibo has done the work (500, 502, a reset connection, a
// garbage or truncated body) leave a client unsure whether a groupadd took
// effect. Repeated applies converge; every group Mesibo holds beyond the
// declared ones was reported as possibly created; nothing declared is lost;
// destroy, under faults too, leaves nothing managed behind.
func TestAccChaos_ambiguousFaults(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	seed := chaosSeed(t)
	e := newTestEmulator(t, emulator.Options{Seed: seed})
	prefix := uniquePrefix()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + chaosConfig(e.providerBlock("max_retries = 12"), prefix))
	cli.init(ctx)

	var reported []string

	// Every answer is lost after the work is done: each groupadd may have
	// created its group and must say so rather than try again.
	e.SetFaults(1, ambiguousFaults...)
	r := cli.apply(ctx)
	if r.err == nil {
		t.Fatal("the apply succeeded although every answer was lost")
	}
	first := maybeCreated(t, r)
	t.Logf("apply 1 (every answer lost): %d errors, %d groups reported as maybe created", len(r.errors()), len(first))
	if len(first) != len(chaosTeams) {
		t.Errorf("%d groups were reported as maybe created, want all %d:%s", len(first), len(chaosTeams), r.summary())
	}
	reported = append(reported, first...)
	if n := len(e.Snapshot().Users); n != 0 {
		t.Errorf("%d users exist although no lookup before useradd could succeed", n)
	}

	// Then 30% of requests fail, with every kind of fault.
	e.SetFaults(0.3, allFaults...)
	applies, converged := 1, false
	for !converged && applies < 12 {
		applies++
		r := cli.apply(ctx)
		names := maybeCreated(t, r)
		reported = append(reported, names...)
		if r.err == nil {
			converged = true
			break
		}
		t.Logf("apply %d (30%% faults) failed after %s with %d errors, %d of them maybe-created groups",
			applies, r.took.Round(time.Millisecond), len(r.errors()), len(names))
		// Retrying covers every other failure; only groupadd may not be
		// repeated blindly.
		for _, d := range r.errors() {
			if d.Summary != summaryGroupMaybe {
				t.Errorf("apply %d failed with an error that retries should have avoided: %s", applies, d)
			}
		}
		if len(r.errors()) == 0 {
			t.Fatalf("apply %d failed without a diagnostic: %v", applies, r.err)
		}
	}
	if !converged {
		t.Fatalf("%d applies under 30%% faults did not converge", applies)
	}
	t.Logf("converged after %d applies; %s", applies, faultSummary(e.Stats()))

	// With the faults gone, one more apply changes nothing and the plan is empty.
	e.SetFaults(0)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("the apply after the faults stopped failed: %v%s", r.err, r.summary())
	}
	cli.planIsEmpty(ctx)

	managed := cli.state().managedGIDs()
	extra, err := checkChaosWorld(e.Snapshot(), prefix, managed)
	if err != nil {
		t.Fatalf("something declared was lost: %v", err)
	}
	// Every extra group was reported, by name, at least as many times as it
	// exists; and since the emulator carries out every request it answers
	// with an ambiguous fault, every report is a group that exists.
	left := map[string]int{}
	for _, n := range reported {
		left[n]++
	}
	for _, g := range extra {
		if left[g.Name] == 0 {
			t.Errorf("group %d (%q) exists beyond the declared ones but no apply reported it", g.GID, g.Name)
		}
		left[g.Name]--
		if len(g.Members) != 0 {
			t.Errorf("extra group %d (%q) has members %v: Terraform put members into a group it does not know", g.GID, g.Name, g.Members)
		}
	}
	if len(extra) != len(reported) {
		t.Errorf("%d groups were reported as maybe created but %d extra groups exist", len(reported), len(extra))
	}
	t.Logf("%d groups reported as maybe created, %d extra groups in Mesibo", len(reported), len(extra))

	// Destroy under the same faults: it is made of retry-safe calls only.
	e.SetFaults(0.3, allFaults...)
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy under 30%% faults failed: %v%s", r.err, r.summary())
	}
	e.SetFaults(0)
	snap := e.Snapshot()
	if len(snap.Users) != 0 {
		t.Errorf("%d users are left after destroy", len(snap.Users))
	}
	var remaining, extraGIDs []int64
	for _, g := range snap.Groups {
		remaining = append(remaining, g.GID)
	}
	for _, g := range extra {
		extraGIDs = append(extraGIDs, g.GID)
	}
	if !slices.Equal(remaining, extraGIDs) {
		t.Errorf("after destroy the groups %v remain, want only the reported extra ones %v", remaining, extraGIDs)
	}
	t.Logf("whole test: %s", faultSummary(e.Stats()))
}

// An attempt that outlives request_timeout_seconds is abandoned: the safe
// calls are retried and succeed, groupadd is reported as maybe created
// instead of being repeated, and the next apply converges.
func TestAccChaos_latencyBeyondTimeout(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	cancelled := &counter{substr: "outcome=cancelled"}
	e := newTestEmulator(t, emulator.Options{Latency: 2 * time.Second, Logf: cancelled.logf})
	prefix := uniquePrefix()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + chaosConfig(e.providerBlock("request_timeout_seconds = 1\n  max_retries = 10"), prefix))
	cli.init(ctx)

	// Every resource that needs nothing else starts at once and its first
	// request waits 2s for an answer; once they have all been abandoned the
	// server answers promptly again.
	independent := int64(chaosUserCount + len(chaosTeams))
	go func() {
		deadline := time.Now().Add(time.Minute)
		for cancelled.n.Load() < independent && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		e.SetLatency(0)
	}()
	r := cli.apply(ctx, tfexec.Parallelism(64))
	if r.err == nil {
		t.Fatal("the apply succeeded although every groupadd outlived the request timeout")
	}
	abandoned := cancelled.n.Load()
	t.Logf("apply 1 took %s; the emulator saw %d requests abandoned by the client; %s",
		r.took.Round(time.Millisecond), abandoned, faultSummary(e.Stats()))
	if abandoned < independent {
		t.Errorf("the emulator saw %d abandoned requests, want at least %d (the first request of every resource)", abandoned, independent)
	}
	reported := maybeCreated(t, r)
	if len(reported) != len(chaosTeams) {
		t.Errorf("%d groups were reported as maybe created, want %d:%s", len(reported), len(chaosTeams), r.summary())
	}
	for _, d := range r.errors() {
		switch {
		case d.Summary != summaryGroupMaybe:
			t.Errorf("a retry-safe call was not retried after its timeout: %s", d)
		case !strings.Contains(d.Detail, "no answer within 1s"):
			t.Errorf("the error does not say the attempt timed out: %s", d)
		}
	}
	// The users' calls were retried and succeeded in the same apply.
	if n := len(e.Snapshot().Users); n != chaosUserCount {
		t.Errorf("after the first apply %d users exist, want %d: the safe calls were not retried", n, chaosUserCount)
	}

	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("the second apply failed: %v%s", r.err, r.summary())
	}
	cli.planIsEmpty(ctx)
	extra, err := checkChaosWorld(e.Snapshot(), prefix, cli.state().managedGIDs())
	if err != nil {
		t.Fatal(err)
	}
	// The emulator drops a request whose client gave up during the delay,
	// so none of the reported groups was created.
	if len(extra) > len(reported) {
		t.Errorf("%d extra groups exist but only %d were reported", len(extra), len(reported))
	}
	t.Logf("%d groups reported as maybe created, %d extra groups in Mesibo", len(reported), len(extra))

	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy failed: %v%s", r.err, r.summary())
	}
	if snap := e.Snapshot(); len(snap.Users) != 0 || len(snap.Groups) != len(extra) {
		t.Errorf("after destroy %d users and %d groups remain, want 0 and %d", len(snap.Users), len(snap.Groups), len(extra))
	}
}

// An apply cancelled half-way (as by Ctrl-C) returns promptly, although
// requests are in flight that would take 20s, and leaves a state that
// matches Mesibo, so the next apply completes without duplicates.
func TestAccChaos_cancelledApply(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	e := newTestEmulator(t, emulator.Options{Latency: 100 * time.Millisecond})
	prefix := uniquePrefix()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
	cli.writeConfig(requiredProviders + chaosConfig(e.providerBlock(""), prefix))
	cli.init(ctx)

	applyCtx, cancelApply := context.WithCancel(ctx)
	defer cancelApply()
	cancelledAt := make(chan time.Time, 1)
	go func() {
		// Once a third of the users exist, requests start to hang; while
		// several are stuck, cancel as Ctrl-C would (terraform-exec sends
		// SIGINT), then let cleanup calls through again.
		deadline := time.Now().Add(time.Minute)
		for len(e.Snapshot().Users) < chaosUserCount/3 && time.Now().Before(deadline) && applyCtx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		e.SetLatency(20 * time.Second)
		time.Sleep(300 * time.Millisecond)
		cancelledAt <- time.Now()
		cancelApply()
		e.SetLatency(100 * time.Millisecond)
	}()
	r := cli.apply(applyCtx)
	returned := time.Now()
	var at time.Time
	select {
	case at = <-cancelledAt:
	default:
		t.Fatalf("the apply finished before it could be cancelled (after %s): %v", r.took, r.err)
	}
	if r.err == nil || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the cancelled apply returned %v, want a cancellation error", r.err)
	}
	wait := returned.Sub(at)
	t.Logf("the apply returned %s after it was cancelled (requests in flight would have taken 20s)%s",
		wait.Round(time.Millisecond), r.summary())
	if wait > 10*time.Second {
		t.Errorf("the cancelled apply took %s to return", wait)
	}

	// The state matches Mesibo: every user Mesibo holds is in the state, so
	// the next apply will not find one it does not know.
	e.SetLatency(0)
	snap := e.Snapshot()
	var inMesibo, inState []string
	for _, u := range snap.Users {
		inMesibo = append(inMesibo, u.Address)
	}
	for _, a := range cli.state().managed("mesibo_user") {
		address, _ := a["address"].(string)
		inState = append(inState, address)
	}
	slices.Sort(inMesibo)
	slices.Sort(inState)
	if !slices.Equal(inMesibo, inState) {
		t.Errorf("after the cancelled apply Mesibo holds users %v but the state records %v", inMesibo, inState)
	}
	if len(inMesibo) >= chaosUserCount {
		t.Errorf("all %d users exist: the apply was not stopped half-way", len(inMesibo))
	}
	reported := maybeCreated(t, r)
	t.Logf("after the cancelled apply: %d users in Mesibo and in state, %d groups in Mesibo, %d reported as maybe created",
		len(inMesibo), len(snap.Groups), len(reported))

	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("the apply after the cancelled one failed: %v%s", r.err, r.summary())
	}
	cli.planIsEmpty(ctx)
	extra, err := checkChaosWorld(e.Snapshot(), prefix, cli.state().managedGIDs())
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > len(reported) {
		t.Errorf("%d extra groups exist but only %d were reported as maybe created", len(extra), len(reported))
	}
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy failed: %v%s", r.err, r.summary())
	}
	if snap := e.Snapshot(); len(snap.Users) != 0 || len(snap.Groups) != len(extra) {
		t.Errorf("after destroy %d users and %d groups remain, want 0 and %d", len(snap.Users), len(snap.Groups), len(extra))
	}
}

// counter counts the emulator's log lines that contain a substring.
type counter struct {
	substr string
	n      atomic.Int64
}

func (c *counter) logf(format string, args ...any) {
	if strings.Contains(fmt.Sprintf(format, args...), c.substr) {
		c.n.Add(1)
	}
}

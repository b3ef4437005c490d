package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsDefaults(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	want := options{
		users: 1000, groups: 50, members: 20, bigGroup: 1000, updatePercent: 10, repeats: 3,
		parallelism: 10, terraformBin: "terraform",
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("defaults %+v, want %+v", o, want)
	}
	o, err = parseFlags([]string{"-users", "300", "-set", "-latency", "20ms", "-repeats", "1", "-big-group", "0",
		"-json", "-", "-provider", "bin/p", "-fault-rate", "0.1", "-faults", "429"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.users != 300 || !o.set || o.latency != 20*time.Millisecond || o.repeats != 1 || o.bigGroup != 0 ||
		o.jsonPath != "-" || o.providerBin != "bin/p" || o.faultRate != 0.1 || o.faults != "429" {
		t.Fatalf("parsed %+v", o)
	}
}

func TestParseFlagsRefusesBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"-users", "0"},
		{"-groups", "-1"},
		{"-members", "0"},
		{"-users", "10", "-members", "11"},
		{"-big-group", "-5"},
		{"-update-percent", "0"},
		{"-update-percent", "101"},
		{"-repeats", "0"},
		{"-latency", "-1ms"},
		{"-parallelism", "0"},
		{"-fault-rate", "1.5"},
		{"-fault-rate", "NaN"},
		{"-nosuchflag"},
		{"stray"},
	} {
		var stderr bytes.Buffer
		if _, err := parseFlags(args, &stderr); !errors.Is(err, errUsage) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		} else if stderr.Len() == 0 {
			t.Errorf("%v: refused without a word on stderr", args)
		}
	}
	// No groups: the member count does not matter.
	if _, err := parseFlags([]string{"-groups", "0", "-members", "0"}, &bytes.Buffer{}); err != nil {
		t.Errorf("-groups 0: %v", err)
	}
	var stderr bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if u := stderr.String(); !strings.Contains(u, "Examples:") || !strings.Contains(u, "-latency") {
		t.Fatalf("usage lacks examples or flags:\n%s", u)
	}
}

func TestTerraformEnv(t *testing.T) {
	env := terraformEnv([]string{
		"PATH=/usr/bin", "HOME=/root", "TF_LOG=trace", "TF_LOG_PATH=/tmp/x", "TF_CLI_ARGS_plan=-refresh=false",
		"TF_CLI_CONFIG_FILE=/root/.terraformrc", "tf_log_provider=debug", "MESIBO_APP_TOKEN=real-secret",
		"CHECKPOINT_DISABLE=", "GOFLAGS=-mod=mod",
	}, "TF_CLI_CONFIG_FILE=/work/rc", "MESIBO_APP_TOKEN=bench")
	want := []string{"PATH=/usr/bin", "HOME=/root", "GOFLAGS=-mod=mod", "TF_CLI_CONFIG_FILE=/work/rc", "MESIBO_APP_TOKEN=bench"}
	if !slices.Equal(env, want) {
		t.Fatalf("terraformEnv = %v, want %v", env, want)
	}
}

func TestCLIConfig(t *testing.T) {
	got := cliConfig("/work/plugins")
	if !strings.Contains(got, `"mesibo-community/mesibo" = "/work/plugins"`) || !strings.Contains(got, "dev_overrides") {
		t.Fatalf("cliConfig:\n%s", got)
	}
}

func TestPhases(t *testing.T) {
	o, _ := parseFlags([]string{"-parallelism", "7"}, &bytes.Buffer{})
	var names []string
	for _, p := range phases(o) {
		names = append(names, p.name)
		if !slices.Contains(p.args, "-parallelism=7") || !slices.Contains(p.args, "-input=false") {
			t.Errorf("%s: args %v", p.name, p.args)
		}
		if p.wantNoChanges != slices.Contains(p.args, "-detailed-exitcode") {
			t.Errorf("%s: a plan that must find no changes needs -detailed-exitcode: %v", p.name, p.args)
		}
	}
	want := []string{"create", "no-op plan", "plan -refresh=false", "update 10%", "destroy",
		"big group create", "big group remove half", "big group destroy"}
	if !slices.Equal(names, want) {
		t.Fatalf("phases %v, want %v", names, want)
	}
	o.bigGroup = 0
	if n := len(phases(o)); n != 5 {
		t.Fatalf("-big-group 0 leaves %d phases, want 5", n)
	}
	if got := slug("plan -refresh=false"); got != "plan-refresh-false" {
		t.Fatalf("slug %q", got)
	}
}

// The whole benchmark at a tiny size: it builds the binaries, runs every
// phase against the emulator and the floor, and reports what happened.
func TestRunSmall(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("builds the provider and runs Terraform; set TF_ACC=1")
	}
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		terraform = "terraform"
	}
	work := t.TempDir()
	jsonPath := filepath.Join(work, "bench.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-users", "6", "-groups", "2", "-members", "3", "-big-group", "4", "-repeats", "1",
		"-terraform", terraform, "-work", filepath.Join(work, "run"), "-json", jsonPath,
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	var rep report
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Phases) != 8 {
		t.Fatalf("%d phases in the JSON", len(rep.Phases))
	}
	byName := map[string]phaseSummary{}
	// The memory is polled from /proc, which can miss the provider of a
	// phase this small on a busy machine, but not of every phase.
	measured := 0
	for _, p := range rep.Phases {
		byName[p.Phase] = p
		if p.ProviderSeconds <= 0 || p.FloorSeconds <= 0 || len(p.Samples) != 1 {
			t.Errorf("%s: times %v / %v, %d samples", p.Phase, p.ProviderSeconds, p.FloorSeconds, len(p.Samples))
		}
		if p.Ratio != p.ProviderSeconds/p.FloorSeconds || p.IdealSeconds != p.FloorSeconds {
			t.Errorf("%s: ratio %v of %v / %v, ideal %v at latency 0", p.Phase, p.Ratio, p.ProviderSeconds, p.FloorSeconds, p.IdealSeconds)
		}
		if p.ProviderRunCPU <= 0 || p.FloorRunCPU <= 0 || p.ProviderRunCPU < p.ProviderCPU {
			t.Errorf("%s: CPU of the runs %v / %v, of the provider alone %v", p.Phase, p.ProviderRunCPU, p.FloorRunCPU, p.ProviderCPU)
		}
		if p.PeakRSSMiB > 0 {
			measured++
		}
		if !strings.Contains(stdout.String(), p.Phase) {
			t.Errorf("the table lacks %s", p.Phase)
		}
	}
	if runtime.GOOS == "linux" && measured == 0 {
		t.Error("no phase reported the provider's peak RSS")
	}
	// What each phase asked of the API shows that it ran what it says.
	for phase, want := range map[string]map[string]int{
		"create":           {"useradd": 6, "groupadd": 2},
		"update 10%":       {"userset": 1},
		"destroy":          {"userdel": 6, "groupdel": 2},
		"big group create": {"useradd": 4, "groupadd": 1, "groupeditmembers": 1},
	} {
		for op, n := range want {
			if got := byName[phase].CallsByOp[op]; got != n {
				t.Errorf("%s: %s=%d, want %d (%v)", phase, op, got, n, byName[phase].CallsByOp)
			}
		}
	}
	if p := byName["plan -refresh=false"]; p.APICalls != 0 {
		t.Errorf("plan -refresh=false made %d API calls", p.APICalls)
	}
	if p := byName["no-op plan"]; p.CallsByOp["usersget"] != 6 || p.CallsByOp["useradd"] != 0 {
		t.Errorf("the no-op plan should refresh each user and change none: %v", p.CallsByOp)
	}
	if p := byName["big group remove half"]; p.CallsByOp["groupeditmembers"] != 1 || p.CallsByOp["userdel"] != 0 {
		t.Errorf("removing half the members: %v", p.CallsByOp)
	}
	if rep.Options.Users != 6 || rep.Machine.CPUs < 1 || rep.Machine.TerraformVersion == "" {
		t.Errorf("report header %+v %+v", rep.Options, rep.Machine)
	}
}

// -cpuprofile names a directory that need not exist yet, relative to where
// the bench runs: the provider, started by Terraform in another directory,
// writes its profiles there, named after the phase.
func TestRunWritesCPUProfilesIntoANewDirectory(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("builds the provider and runs Terraform; set TF_ACC=1")
	}
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		terraform = "terraform"
	}
	work := t.TempDir()
	bins := map[string]string{"-provider": "github.com/mesibo-community/terraform-provider-mesibo",
		"-emulator": "github.com/mesibo-community/terraform-provider-mesibo/internal/cmd/mesibo-emulator"}
	args := []string{"-users", "2", "-groups", "1", "-members", "1", "-big-group", "0", "-repeats", "1",
		"-terraform", terraform, "-work", filepath.Join(work, "run"), "-cpuprofile", filepath.Join("new", "profiles")}
	for flag, pkg := range bins {
		bin := filepath.Join(work, "bin", filepath.Base(pkg))
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
		args = append(args, flag, bin)
	}
	t.Chdir(work)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	profiles, err := filepath.Glob(filepath.Join(work, "new", "profiles", "no-op-plan-r1.*.pprof"))
	if err != nil || len(profiles) == 0 {
		t.Fatalf("no profile of the no-op plan in new/profiles (%v)", err)
	}
}

// buildEmulator builds the emulator command into a temporary directory.
func buildEmulator(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mesibo-emulator")
	pkg := "github.com/mesibo-community/terraform-provider-mesibo/internal/cmd/mesibo-emulator"
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// TestStartEmulatorFindsItThroughTheEndpointFile: the bench finds the
// emulator as the scripts do, through -endpoint-file, reads its counters at
// the stats address, and stops it; an emulator that cannot start is an
// error that quotes its log.
func TestStartEmulatorFindsItThroughTheEndpointFile(t *testing.T) {
	bin := buildEmulator(t)
	dir := t.TempDir()
	// A stale file from an earlier run must not be taken for this one.
	if err := os.WriteFile(filepath.Join(dir, "emulator-endpoint"), []byte("http://127.0.0.1:1/api.php\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	endpoint, stop, err := startEmulator(ctx, bin, []string{"-listen", "127.0.0.1:0", "-app-token", "t", "-quiet"}, filepath.Join(dir, "emulator.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || !strings.HasSuffix(endpoint, "/api.php") || endpoint == "http://127.0.0.1:1/api.php" {
		t.Errorf("endpoint %q", endpoint)
	}
	st, err := fetchStats(ctx, statsURL(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	if st.Total() != 0 {
		t.Errorf("a fresh emulator counts %d requests", st.Total())
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "emulator-endpoint")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the endpoint file outlives the emulator: %v", err)
	}

	_, _, err = startEmulator(ctx, bin, []string{"-listen", "127.0.0.1:0", "-latency", "-1s"}, filepath.Join(dir, "bad.log"))
	if err == nil || !strings.Contains(err.Error(), "exited before listening") || !strings.Contains(err.Error(), "latency") {
		t.Errorf("an emulator that cannot start: %v", err)
	}
}

// Command mesibo-bench measures how fast the provider runs Terraform's
// everyday commands against the emulator, next to the floor that no provider
// can beat: the same resource graph made of terraform_data, which Terraform
// runs itself.
//
//	mesibo-bench [-users 1000] [-groups 50] [-members 20] [-set]
//	    [-big-group 1000] [-update-percent 10] [-repeats 3] [-latency 0]
//	    [-parallelism 10] [-provider BIN] [-emulator BIN] [-terraform BIN]
//	    [-json FILE] [-work DIR] [-cpuprofile DIR]
//
// It builds the provider and the emulator (or takes built binaries), starts
// the emulator on a loopback port, and points Terraform at the provider with
// dev_overrides, so nothing is downloaded. For each repeat it runs, for the
// provider's configuration and then the floor's (in the other order on
// every other repeat): create, a no-op plan, plan -refresh=false, an update
// of some users and memberships, destroy; then a big group's create, the
// removal of half of its members, and destroy. It prints the median of each
// phase: both times and their ratio, the ideal time given the API's latency
// and the ratio to it, the API calls per op, retries, and the provider's
// peak memory.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/cmd/cmdmain"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

func main() { cmdmain.Run("mesibo-bench", run) }

// errUsage marks command-line errors that were already reported.
var errUsage = cmdmain.ErrUsage

const usageText = `Usage: mesibo-bench [flags]

Measures the provider against the emulator, phase by phase, next to the same
resource graph made of terraform_data (Terraform's own cost: the floor).
Nothing is downloaded: Terraform runs the built provider through
dev_overrides. TF_LOG* and other TF_* variables are not passed to Terraform,
so that the provider runs as it does by default.

Examples:
  make bench
  go run ./internal/cmd/mesibo-bench -users 1000 -latency 20ms -json bench.json
  go run ./internal/cmd/mesibo-bench -users 300 -set -repeats 1 -big-group 0

Flags:
`

// options are the command-line settings.
type options struct {
	users, groups, members int
	set                    bool
	bigGroup               int
	updatePercent          int
	repeats                int
	latency                time.Duration
	parallelism            int
	faultRate              float64
	faults                 string
	seed                   int64
	providerBin            string
	emulatorBin            string
	terraformBin           string
	jsonPath               string
	workDir                string
	cpuProfileDir          string
}

// parseFlags reads args; it reports problems on stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mesibo-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.users, "users", 1000, "number of mesibo_user resources (`N`)")
	fs.IntVar(&o.groups, "groups", 50, "number of groups, each with a membership (`G`)")
	fs.IntVar(&o.members, "members", 20, "members of each membership, taken from the users (`M`)")
	fs.BoolVar(&o.set, "set", false, "for_each over a set of addresses instead of a map")
	fs.IntVar(&o.bigGroup, "big-group", 1000, "members of the big group run (`K` users in one membership, then half removed); 0 skips it")
	fs.IntVar(&o.updatePercent, "update-percent", 10, "`percent` of the users and memberships changed by the update phase")
	fs.IntVar(&o.repeats, "repeats", 3, "repeats of every phase; the report shows the median (`R`)")
	fs.DurationVar(&o.latency, "latency", 0, "the emulator's delay before every answer, e.g. 20ms")
	fs.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	fs.Float64Var(&o.faultRate, "fault-rate", 0, "fraction (0..1) of API requests that get a fault from the emulator")
	fs.StringVar(&o.faults, "faults", "", "fault `kinds` for -fault-rate, as the emulator's -faults")
	fs.Int64Var(&o.seed, "seed", 0, "seed of the emulator's fault draws; 0 is random")
	fs.StringVar(&o.providerBin, "provider", "", "provider `binary` to measure; empty builds it from this module")
	fs.StringVar(&o.emulatorBin, "emulator", "", "emulator `binary`; empty builds it from this module")
	fs.StringVar(&o.terraformBin, "terraform", "terraform", "Terraform CLI `binary`")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to `file` (- for stdout, instead of the table)")
	fs.StringVar(&o.workDir, "work", "", "keep the working directories, logs and states in `dir`; empty uses a temporary one, removed after a successful run")
	fs.StringVar(&o.cpuProfileDir, "cpuprofile", "", "write the provider's CPU profiles to `dir`, one per provider process, named after the phase")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mesibo-bench: unexpected argument %q\n", fs.Arg(0))
		return o, errUsage
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(stderr, "mesibo-bench:", err)
		return o, errUsage
	}
	return o, nil
}

func (o options) validate() error {
	switch {
	case o.users < 1:
		return errors.New("-users must be at least 1")
	case o.groups < 0:
		return errors.New("-groups must not be negative")
	case o.groups > 0 && (o.members < 1 || o.members > o.users):
		return fmt.Errorf("-members must be between 1 and -users (%d)", o.users)
	case o.bigGroup < 0:
		return errors.New("-big-group must not be negative")
	case o.updatePercent < 1 || o.updatePercent > 100:
		return errors.New("-update-percent must be between 1 and 100")
	case o.repeats < 1:
		return errors.New("-repeats must be at least 1")
	case o.latency < 0:
		return errors.New("-latency must not be negative")
	case o.parallelism < 1:
		return errors.New("-parallelism must be at least 1")
	case !(o.faultRate >= 0 && o.faultRate <= 1):
		return errors.New("-fault-rate must be between 0 and 1")
	}
	return nil
}

// phase is one step of a repeat.
type phase struct {
	name string
	big  bool     // runs in the big group's directories
	spec *spec    // written before the phase; nil keeps the previous one
	args []string // terraform's arguments
	// wantNoChanges: a plan that must find nothing to do (exit code 0 of
	// -detailed-exitcode).
	wantNoChanges bool
}

// phases are the steps of every repeat.
func phases(o options) []phase {
	p := fmt.Sprintf("-parallelism=%d", o.parallelism)
	apply := []string{"apply", "-auto-approve", "-input=false", p}
	destroy := []string{"destroy", "-auto-approve", "-input=false", p}
	base := mainSpec(o.users, o.groups, o.members)
	upd := updated(base, o.updatePercent)
	out := []phase{
		{name: "create", spec: &base, args: apply},
		{name: "no-op plan", args: []string{"plan", "-input=false", "-detailed-exitcode", p}, wantNoChanges: true},
		{name: "plan -refresh=false", args: []string{"plan", "-input=false", "-refresh=false", "-detailed-exitcode", p}, wantNoChanges: true},
		{name: fmt.Sprintf("update %d%%", o.updatePercent), spec: &upd, args: apply},
		{name: "destroy", args: destroy},
	}
	if o.bigGroup > 0 {
		full, half := bigGroupSpec(o.bigGroup, false), bigGroupSpec(o.bigGroup, true)
		out = append(out,
			phase{name: "big group create", big: true, spec: &full, args: apply},
			phase{name: "big group remove half", big: true, spec: &half, args: apply},
			phase{name: "big group destroy", big: true, args: destroy},
		)
	}
	return out
}

// bench is one run of the benchmark.
type bench struct {
	o         options
	stderr    io.Writer
	work      string
	terraform string
	env       []string // Terraform's environment
	statsURL  string
	commands  int
}

// providerName is the binary name Terraform looks for in dev_overrides.
const providerName = "terraform-provider-mesibo"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	b := &bench{o: o, stderr: stderr}
	if b.terraform, err = exec.LookPath(o.terraformBin); err != nil {
		return fmt.Errorf("the Terraform CLI is needed: %w", err)
	}

	if b.o.cpuProfileDir != "" {
		// The provider writes its profiles from Terraform's working
		// directory, into a directory that must exist.
		if b.o.cpuProfileDir, err = filepath.Abs(b.o.cpuProfileDir); err == nil {
			err = os.MkdirAll(b.o.cpuProfileDir, 0o755)
		}
		if err != nil {
			return err
		}
	}
	if o.workDir != "" {
		b.work, err = filepath.Abs(o.workDir)
		if err == nil {
			err = os.MkdirAll(b.work, 0o755)
		}
	} else {
		b.work, err = os.MkdirTemp("", "mesibo-bench-")
	}
	if err != nil {
		return err
	}
	defer func() {
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "mesibo-bench: the working directories are kept in %s\n", b.work)
		case o.workDir == "":
			_ = os.RemoveAll(b.work)
		}
	}()

	providerBin, emulatorBin, err := b.binaries(ctx)
	if err != nil {
		return err
	}
	plugins := filepath.Join(b.work, "plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return err
	}
	link := filepath.Join(plugins, providerName)
	_ = os.Remove(link)
	if err := os.Symlink(providerBin, link); err != nil {
		return err
	}
	rc := filepath.Join(b.work, "terraformrc")
	if err := os.WriteFile(rc, []byte(cliConfig(plugins)), 0o644); err != nil {
		return err
	}

	token := randomHex(16)
	emuArgs := []string{"-listen", "127.0.0.1:0", "-app-token", token, "-quiet", "-latency", o.latency.String()}
	if o.faultRate > 0 {
		emuArgs = append(emuArgs, "-fault-rate", strconv.FormatFloat(o.faultRate, 'g', -1, 64), "-faults", o.faults,
			"-seed", strconv.FormatInt(o.seed, 10))
	}
	endpoint, stopEmulator, err := startEmulator(ctx, emulatorBin, emuArgs, filepath.Join(b.work, "emulator.log"))
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := stopEmulator(); err == nil && stopErr != nil {
			err = stopErr
		}
	}()
	b.statsURL = statsURL(endpoint)
	b.env = terraformEnv(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"MESIBO_ENDPOINT="+endpoint, "MESIBO_APP_TOKEN="+token)

	rep := report{Options: reportOptions{
		Users: o.users, Groups: o.groups, Members: o.members, Keys: keyShape(o.set), BigGroup: o.bigGroup,
		UpdatePercent: o.updatePercent, Repeats: o.repeats, LatencyMS: float64(o.latency) / float64(time.Millisecond),
		Parallelism: o.parallelism, FaultRate: o.faultRate,
	}}
	rep.Machine = b.machine(ctx)

	samples, err := b.measure(ctx)
	if err != nil {
		return err
	}
	for i, ph := range phases(o) {
		rep.Phases = append(rep.Phases, summarize(ph.name, samples[i], o.latency, o.parallelism))
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		rep.Machine.LoadAfter = loadAverage(la)
	}

	if o.jsonPath != "-" {
		if err := writeTable(stdout, rep); err != nil {
			return err
		}
	}
	if o.jsonPath != "" {
		js, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		js = append(js, '\n')
		if o.jsonPath == "-" {
			_, err = stdout.Write(js)
		} else {
			err = os.WriteFile(o.jsonPath, js, 0o644)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func keyShape(set bool) string {
	if set {
		return "set"
	}
	return "map"
}

// measure runs every phase of every repeat and returns the samples by phase.
func (b *bench) measure(ctx context.Context) ([][]sample, error) {
	type variant struct {
		name     string
		provider bool
	}
	dirs := map[string]string{}
	for _, v := range []struct {
		name, config string
	}{
		{"provider", providerConfig(b.o.set)}, {"floor", floorConfig(b.o.set)},
		{"provider-big", providerConfig(false)}, {"floor-big", floorConfig(false)},
	} {
		dir := filepath.Join(b.work, v.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(v.config), 0o644); err != nil {
			return nil, err
		}
		dirs[v.name] = dir
	}

	list := phases(b.o)
	samples := make([][]sample, len(list))
	for r := 1; r <= b.o.repeats; r++ {
		// Alternate which runs first, so that neither always gets the
		// machine in the state the other left it.
		order := []variant{{"provider", true}, {"floor", false}}
		if r%2 == 0 {
			order[0], order[1] = order[1], order[0]
		}
		for i, ph := range list {
			s := sample{Repeat: r}
			for _, v := range order {
				dir := dirs[v.name]
				if ph.big {
					dir = dirs[v.name+"-big"]
				}
				if ph.spec != nil {
					if err := os.WriteFile(filepath.Join(dir, "spec.tf"), []byte(renderSpec(*ph.spec)), 0o644); err != nil {
						return nil, err
					}
				}
				profile := ""
				if v.provider && b.o.cpuProfileDir != "" {
					profile = filepath.Join(b.o.cpuProfileDir, fmt.Sprintf("%s-r%d", slug(ph.name), r))
				}
				res, err := b.terraformRun(ctx, dir, ph, profile)
				if err != nil {
					return nil, fmt.Errorf("repeat %d, %s, %s configuration: %w", r, ph.name, v.name, err)
				}
				if v.provider {
					s.ProviderSeconds = res.elapsed.Seconds()
					s.ProviderTotalCPU = res.totalCPU.Seconds()
					s.Calls = res.calls.Requests
					s.Faults = res.calls.TotalFaults()
					s.PeakRSSKiB = res.peakKiB
					s.ProviderCPU = res.cpu.Seconds()
				} else {
					s.FloorSeconds = res.elapsed.Seconds()
					s.FloorCPU = res.totalCPU.Seconds()
					if n := res.calls.Total(); n != 0 {
						return nil, fmt.Errorf("repeat %d, %s: the floor made %d API calls", r, ph.name, n)
					}
				}
			}
			fmt.Fprintf(b.stderr, "repeat %d/%d  %-21s provider %7.2fs  floor %7.2fs  %6s  CPU %6.2fs / %6.2fs  %6s  %5d API calls  provider CPU %6.2fs, peak RSS %4.0f MiB\n",
				r, b.o.repeats, ph.name, s.ProviderSeconds, s.FloorSeconds, times(ratio(s.ProviderSeconds, s.FloorSeconds)),
				s.ProviderTotalCPU, s.FloorCPU, times(ratio(s.ProviderTotalCPU, s.FloorCPU)),
				emulator.Stats{Requests: s.Calls}.Total(), s.ProviderCPU, float64(s.PeakRSSKiB)/1024)
			samples[i] = append(samples[i], s)
		}
	}
	return samples, nil
}

// slug turns a phase name into a file name part.
func slug(name string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-")
}

type runResult struct {
	elapsed time.Duration
	// totalCPU is the CPU time of Terraform and of the providers it ran
	// and waited for, from the rusage of Terraform's process.
	totalCPU time.Duration
	// calls is what the command cost the API: the emulator's counters
	// from before it to after it.
	calls   emulator.Stats
	peakKiB int64
	cpu     time.Duration // of the provider processes alone, sampled
}

// terraformRun runs one Terraform command in dir, timing it and watching
// the provider processes it starts.
func (b *bench) terraformRun(ctx context.Context, dir string, ph phase, profile string) (runResult, error) {
	before, err := fetchStats(ctx, b.statsURL)
	if err != nil {
		return runResult{}, err
	}
	b.commands++
	logPath := filepath.Join(dir, fmt.Sprintf("terraform-%03d-%s.log", b.commands, slug(ph.name)))
	logFile, err := os.Create(logPath)
	if err != nil {
		return runResult{}, err
	}
	defer logFile.Close()

	cmd := exec.CommandContext(ctx, b.terraform, ph.args...)
	cmd.Dir = dir
	cmd.Env = b.env
	if profile != "" {
		cmd.Env = append(append([]string(nil), b.env...), "MESIBO_PROVIDER_CPU_PROFILE="+profile)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Ctrl-C: let Terraform stop its operations and save the state.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return runResult{}, err
	}
	w := newProcWatcher("/proc", cmd.Process.Pid, providerName, 100*time.Millisecond)
	w.start()
	runErr := cmd.Wait()
	elapsed := time.Since(start)
	peak, cpu := w.stopAndReport()

	if runErr != nil {
		var exit *exec.ExitError
		what := runErr.Error()
		if errors.As(runErr, &exit) && exit.ExitCode() == 2 && ph.wantNoChanges {
			what = "the plan found changes, and must find none"
		}
		return runResult{}, fmt.Errorf("terraform %s: %s; the end of its output (%s):\n%s",
			strings.Join(ph.args, " "), what, logPath, tail(logPath, 30))
	}
	after, err := fetchStats(ctx, b.statsURL)
	if err != nil {
		return runResult{}, err
	}
	return runResult{
		elapsed:  elapsed,
		totalCPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		calls:    after.Since(before),
		peakKiB:  peak,
		cpu:      cpu,
	}, nil
}

// tail is the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// terraformEnv is environ without what would change how Terraform or the
// provider runs (TF_* such as TF_LOG or TF_CLI_ARGS, MESIBO_*, the
// checkpoint switch), plus extra.
func terraformEnv(environ []string, extra ...string) []string {
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "TF_") || strings.HasPrefix(upper, "MESIBO_") || upper == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// cliConfig is a Terraform CLI configuration that takes the provider from
// dir and nothing from a registry.
func cliConfig(dir string) string {
	return fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"mesibo-community/mesibo\" = %q\n  }\n  direct {}\n}\n", dir)
}

// binaries returns the provider and emulator to run, building those not
// given on the command line into the working directory.
func (b *bench) binaries(ctx context.Context) (provider, emulatorBin string, err error) {
	const module = "github.com/mesibo-community/terraform-provider-mesibo"
	build := func(given, name, pkg string) (string, error) {
		if given != "" {
			return filepath.Abs(given)
		}
		out := filepath.Join(b.work, "bin", name)
		fmt.Fprintf(b.stderr, "mesibo-bench: building %s\n", pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, pkg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building %s (run mesibo-bench from the module, or pass the binary): %w\n%s", pkg, err, msg)
		}
		return out, nil
	}
	if provider, err = build(b.o.providerBin, providerName, module); err != nil {
		return "", "", err
	}
	if emulatorBin, err = build(b.o.emulatorBin, "mesibo-emulator", module+"/internal/cmd/mesibo-emulator"); err != nil {
		return "", "", err
	}
	return provider, emulatorBin, nil
}

// machine describes where the run happens.
func (b *bench) machine(ctx context.Context) machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), CPUModel: "unknown", LoadBefore: "unknown", LoadAfter: "unknown"}
	if ci, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = cpuModel(ci)
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadBefore = loadAverage(la)
	}
	// With the runs' environment: its CLI configuration file exists, and
	// OpenTofu writes the warning about a missing one to stdout, before the
	// JSON.
	cmd := exec.CommandContext(ctx, b.terraform, "version", "-json")
	cmd.Env = b.env
	out, err := cmd.Output()
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err == nil && json.Unmarshal(out, &v) == nil {
		m.TerraformVersion = v.Version
	}
	return m
}

// startEmulator runs the emulator and returns its endpoint once it listens,
// and the function that stops it. It finds the endpoint as the scripts do:
// the emulator writes it to the file that -endpoint-file names (through a
// rename, so it is never read half-written) once it accepts connections.
// The emulator's output goes to logPath.
func startEmulator(ctx context.Context, bin string, args []string, logPath string) (string, func() error, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", nil, err
	}
	endpointFile := filepath.Join(filepath.Dir(logPath), "emulator-endpoint")
	_ = os.Remove(endpointFile) // a file left by an earlier run is not this emulator's
	cmd := exec.Command(bin, append(append([]string(nil), args...), "-endpoint-file", endpointFile)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return "", nil, err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	stop := func() error {
		defer logFile.Close()
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-waited:
			return err
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			return errors.New("the emulator did not stop within 10s of an interrupt")
		}
	}
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	deadline := time.After(30 * time.Second)
	for {
		if endpoint, ok := readEndpointFile(endpointFile); ok {
			return endpoint, stop, nil
		}
		select {
		case <-poll.C:
		case err := <-waited:
			_ = logFile.Close()
			log, _ := os.ReadFile(logPath)
			return "", nil, fmt.Errorf("the emulator exited before listening (%w): %s", err, bytes.TrimSpace(log))
		case <-deadline:
			_ = stop()
			return "", nil, fmt.Errorf("the emulator did not write its endpoint to %s within 30s", endpointFile)
		case <-ctx.Done():
			_ = stop()
			return "", nil, ctx.Err()
		}
	}
}

// readEndpointFile reads the endpoint the emulator wrote: its first line,
// once that line is complete.
func readEndpointFile(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	line, _, complete := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if !complete || line == "" {
		return "", false
	}
	if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
		line = "http://" + line + "/api.php"
	}
	return line, true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

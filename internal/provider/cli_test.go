package provider

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The acceptance tests run on Terraform and on OpenTofu (make test-matrix).
// A test of a feature that only some CLIs have skips on the others. Version
// numbers alone cannot tell: OpenTofu numbers its releases like Terraform,
// and OpenTofu 1.14 has no actions. So the gate asks the CLI under test what
// it is, as `<cli> version` prints it ("Terraform v1.14.3", "OpenTofu
// v1.11.0"), and a cliFeature names the first version of each CLI that has
// the feature.

// The products, as the first word of `<cli> version` names them.
const (
	productTerraform = "Terraform"
	productOpenTofu  = "OpenTofu"
)

// testCLI is the CLI the acceptance tests drive.
type testCLI struct {
	// Path is the binary: TF_ACC_TERRAFORM_PATH, or terraform on PATH, as
	// terraform-plugin-testing chooses it.
	Path string
	// Product is productTerraform or productOpenTofu.
	Product string
	// Version is the version it reports.
	Version *version.Version
}

// IsTerraform tells whether the CLI is HashiCorp's Terraform.
func (c testCLI) IsTerraform() bool { return c.Product == productTerraform }

// IsOpenTofu tells whether the CLI is OpenTofu.
func (c testCLI) IsOpenTofu() bool { return c.Product == productOpenTofu }

func (c testCLI) String() string { return c.Product + " v" + c.Version.String() }

// cliPath finds the CLI the way terraform-plugin-testing does.
func cliPath() (string, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", fmt.Errorf("the Terraform CLI must be on PATH (or named by TF_ACC_TERRAFORM_PATH): %w", err)
	}
	return p, nil
}

// versionLineRE matches the line of `terraform version` (or `tofu version`)
// that names the product and its version: "Terraform v1.15.0",
// "OpenTofu v1.11.0".
var versionLineRE = regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\S+)\s*$`)

// parseCLIVersion reads the output of `<cli> version`.
func parseCLIVersion(out []byte) (product string, v *version.Version, err error) {
	m := versionLineRE.FindSubmatch(out)
	if m == nil {
		return "", nil, fmt.Errorf("no line such as \"Terraform v1.15.0\" or \"OpenTofu v1.11.0\" in:\n%s", out)
	}
	v, err = version.NewVersion(string(m[2]))
	if err != nil {
		return "", nil, err
	}
	return string(m[1]), v, nil
}

var detected struct {
	once sync.Once
	cli  testCLI
	err  error
}

// detectCLI runs `<cli> version` once per test binary.
func detectCLI() (testCLI, error) {
	detected.once.Do(func() {
		path, err := cliPath()
		if err != nil {
			detected.err = err
			return
		}
		cmd := exec.Command(path, "version")
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			detected.err = fmt.Errorf("%s version: %w\n%s", path, err, stderr.Bytes())
			return
		}
		product, v, err := parseCLIVersion(out)
		if err != nil {
			detected.err = fmt.Errorf("%s version: %w", path, err)
			return
		}
		detected.cli = testCLI{Path: path, Product: product, Version: v}
	})
	return detected.cli, detected.err
}

// cliUnderTest returns the CLI the acceptance tests drive; only acceptance
// tests may ask.
func cliUnderTest(t *testing.T) testCLI {
	t.Helper()
	requireAcc(t, "the Terraform CLI")
	c, err := detectCLI()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cliFeature is a feature of the CLI with the first version of each CLI that
// has it; nil: that CLI does not have it.
type cliFeature struct {
	name      string
	terraform *version.Version
	opentofu  *version.Version
}

var (
	cliIdentity = cliFeature{name: "resource identity", terraform: tfversion.Version1_12_0, opentofu: cliVersion("1.12.0")}
	cliActions  = cliFeature{name: "actions", terraform: tfversion.Version1_14_0}
	cliQuery    = cliFeature{name: "list resources (terraform query)", terraform: tfversion.Version1_14_0}
	// The before_destroy and after_destroy events and on_failure of
	// action_trigger.
	cliActionDestroyEvents = cliFeature{name: "action_trigger destroy events and on_failure", terraform: cliVersion("1.16.0")}
	// lifecycle { destroy = false }: forget instead of destroy.
	cliLifecycleDestroy = cliFeature{name: "lifecycle { destroy = false }", terraform: cliVersion("1.16.0"), opentofu: cliVersion("1.12.0")}
	// removed blocks with lifecycle { destroy = false } (OpenTofu 1.7 to 1.9
	// had removed blocks that refused a lifecycle block).
	cliRemoved      = cliFeature{name: "removed blocks with a lifecycle block", terraform: tfversion.Version1_7_0, opentofu: cliVersion("1.10.0")}
	cliModuleImport = cliFeature{name: "import blocks inside modules", terraform: cliVersion("1.16.0")}
)

// cliVersion is a version of the gate table.
func cliVersion(s string) *version.Version { return version.Must(version.NewVersion(s)) }

// missing says why cli lacks f, or "" when it has it.
func (f cliFeature) missing(cli testCLI) string {
	first := f.terraform
	if cli.IsOpenTofu() {
		first = f.opentofu
	}
	switch {
	case first == nil:
		return fmt.Sprintf("%s has no %s", cli, f.name)
	case cli.Version.Core().LessThan(first):
		return fmt.Sprintf("needs %s %s or later for %s; the CLI under test is %s", cli.Product, first, f.name, cli)
	}
	return ""
}

// requireCLI skips a test that drives the CLI itself on a CLI that lacks f,
// and notes the skip for the end of the run (see cliSkips). (A
// resource.TestCase takes cliChecks(t, f) in its TerraformVersionChecks.)
func requireCLI(t *testing.T, f cliFeature) {
	t.Helper()
	if why := f.missing(cliUnderTest(t)); why != "" {
		cliSkips.note(f, t.Name())
		t.Skip(why)
	}
}

// cliChecks gates a resource.TestCase on f, as requireCLI gates a test that
// drives the CLI itself, and notes a skip for the end of the run. The
// version check of terraform-plugin-testing comes after the gate, and skips
// on what the gate already skips on.
func cliChecks(t *testing.T, f cliFeature) []tfversion.TerraformVersionCheck {
	checks := []tfversion.TerraformVersionCheck{cliGate{t: t, f: f}}
	if f.terraform != nil {
		checks = append(checks, tfversion.SkipBelow(f.terraform))
	}
	return checks
}

// cliGate is f as a check of one test's resource.TestCase.
type cliGate struct {
	t *testing.T
	f cliFeature
}

func (g cliGate) CheckTerraformVersion(ctx context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	g.f.CheckTerraformVersion(ctx, req, resp)
	if resp.Skip != "" {
		cliSkips.note(g.f, g.t.Name())
	}
}

// cliSkips are the tests skipped in this run because the CLI under test
// lacks a feature they test. A plain `make test` with an older CLI on PATH
// is green while they skip, so TestMain lists them at the end of the run.
var cliSkips skippedForCLI

// skippedForCLI notes tests skipped for want of a CLI feature.
type skippedForCLI struct {
	mu     sync.Mutex
	tests  map[string][]string // by feature name
	byName map[string]cliFeature
}

func (s *skippedForCLI) note(f cliFeature, test string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tests == nil {
		s.tests, s.byName = map[string][]string{}, map[string]cliFeature{}
	}
	if !slices.Contains(s.tests[f.name], test) { // a gate asked twice lists its test once
		s.tests[f.name] = append(s.tests[f.name], test)
	}
	s.byName[f.name] = f
}

// reportCLISkips prints, at the end of the run, the banner of the tests
// skipped for want of a CLI feature. go test shows the output of a package
// that passes only with -v, so without -v the banner also goes to the
// terminal, when there is one: where whoever ran make test is looking.
func reportCLISkips() {
	cli, err := detectCLI()
	if err != nil {
		return // no test got as far as asking what the CLI has
	}
	msg := cliSkips.banner(cli, cachedTerraform)
	if msg == "" {
		return
	}
	fmt.Fprint(os.Stderr, msg)
	// go test shows a passing package's output only with -v: make test and
	// make test-race name a file in MESIBO_SKIP_REPORT and print it after
	// the run; elsewhere the banner goes to the terminal.
	if report := os.Getenv("MESIBO_SKIP_REPORT"); report != "" {
		if f, err := os.OpenFile(report, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			fmt.Fprint(f, msg)
			f.Close()
		}
		return
	}
	if testing.Verbose() {
		return
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprint(tty, msg)
		tty.Close()
	}
}

// cachedTerraform returns the newest Terraform of at least the version
// given that scripts/build-cli.sh has built into its cache, "" when none.
func cachedTerraform(atLeast *version.Version) string {
	dir := os.Getenv("MESIBO_CLI_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "terraform-provider-mesibo", "cli")
	}
	entries, _ := os.ReadDir(dir)
	var best *version.Version
	path := ""
	for _, e := range entries {
		v, err := version.NewVersion(strings.TrimPrefix(e.Name(), "terraform-"))
		if err != nil || !strings.HasPrefix(e.Name(), "terraform-") || v.LessThan(atLeast) || (best != nil && v.LessThan(best)) {
			continue
		}
		bin := filepath.Join(dir, e.Name(), "terraform")
		if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
			best, path = v, bin
		}
	}
	return path
}

// banner says which tests were skipped, for want of which feature, and which
// CLI would run them; "" when none was skipped.
// cached finds a Terraform of at least the given version already built
// (see cachedTerraform), "" when none.
func (s *skippedForCLI) banner(cli testCLI, cached func(atLeast *version.Version) string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tests) == 0 {
		return ""
	}
	var b strings.Builder
	line := strings.Repeat("=", 78)
	n := 0
	for _, tests := range s.tests {
		n += len(tests)
	}
	fmt.Fprintf(&b, "\n%s\n%d ACCEPTANCE TESTS SKIPPED: %s (%s) lacks the CLI features they test.\n", line, n, cli, cli.Path)
	var newest *version.Version
	for _, name := range slices.Sorted(maps.Keys(s.tests)) {
		f := s.byName[name]
		var have []string
		if f.terraform != nil {
			have = append(have, productTerraform+" "+f.terraform.String()+" or later")
			if newest == nil || newest.LessThan(f.terraform) {
				newest = f.terraform
			}
		}
		if f.opentofu != nil {
			have = append(have, productOpenTofu+" "+f.opentofu.String()+" or later")
		}
		tests := slices.Sorted(slices.Values(s.tests[name]))
		fmt.Fprintf(&b, "\n  %s (%s):\n    %s\n", name, strings.Join(have, "; "), strings.Join(tests, "\n    "))
	}
	if newest != nil {
		path := cached(newest)
		if path == "" {
			path = "/path/to/terraform"
		}
		fmt.Fprintf(&b, "\n%s %s or later runs them all: TF_ACC_TERRAFORM_PATH=%s make test,\n"+
			"or make test-matrix for every supported CLI.\n", productTerraform, newest, path)
	}
	b.WriteString(line + "\n")
	return b.String()
}

// CheckTerraformVersion makes f a tfversion.TerraformVersionCheck.
func (f cliFeature) CheckTerraformVersion(_ context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	cli, err := detectCLI()
	if err != nil {
		resp.Error = err
		return
	}
	resp.Skip = f.missing(cli)
}

var _ tfversion.TerraformVersionCheck = cliFeature{}

func TestParseCLIVersion(t *testing.T) {
	for _, c := range []struct {
		out, product, version string
	}{
		{"Terraform v1.15.0\non linux_amd64\n", productTerraform, "1.15.0"},
		{"Terraform v1.5.7\non linux_amd64\n\nYour version of Terraform is out of date! The latest version\nis 1.15.0.\n", productTerraform, "1.5.7"},
		{"OpenTofu v1.11.0\non linux_amd64\n+ provider registry.opentofu.org/hashicorp/null v3.2.4\n", productOpenTofu, "1.11.0"},
		{"Terraform v1.16.0-alpha20260101\non darwin_arm64\n", productTerraform, "1.16.0-alpha20260101"},
	} {
		product, v, err := parseCLIVersion([]byte(c.out))
		if err != nil {
			t.Errorf("parseCLIVersion(%q): %v", c.out, err)
			continue
		}
		if product != c.product || v.Original() != c.version {
			t.Errorf("parseCLIVersion(%q) = %s %s, want %s %s", c.out, product, v.Original(), c.product, c.version)
		}
	}
	for _, c := range []struct {
		out               string
		identity, actions bool
	}{
		{"Terraform v1.14.3\non linux_amd64\n", true, true},
		{"Terraform v1.15.0-rc1\non linux_amd64\n", true, true},
		{"Terraform v1.12.2\non linux_amd64\n", true, false},
		{"Terraform v1.11.4\non linux_amd64\n", false, false},
		{"OpenTofu v1.11.0\non linux_amd64\n", false, false},
		{"OpenTofu v1.12.6\non linux_amd64\n", true, false},
		{"OpenTofu v1.14.0\non linux_amd64\n", true, false},
	} {
		product, v, err := parseCLIVersion([]byte(c.out))
		if err != nil {
			t.Fatalf("%q: %v", c.out, err)
		}
		cli := testCLI{Product: product, Version: v}
		if got := cliIdentity.missing(cli) == ""; got != c.identity {
			t.Errorf("%q: identity supported %v, want %v", c.out, got, c.identity)
		}
		if got := cliActions.missing(cli) == ""; got != c.actions {
			t.Errorf("%q: actions supported %v, want %v", c.out, got, c.actions)
		}
	}
	for _, out := range []string{"", "terraform 1.15.0\n", "Vault v1.15.0\n", "Terraform vX\n"} {
		if p, v, err := parseCLIVersion([]byte(out)); err == nil {
			t.Errorf("parseCLIVersion(%q) = %s %v, want an error", out, p, v)
		}
	}
}

// TestAccCLIUnderTest checks that the tests know which CLI they drive, the
// one terraform-plugin-testing runs: a matrix run on OpenTofu that took
// itself for Terraform would gate the wrong tests.
func TestAccCLIUnderTest(t *testing.T) {
	testAccGate(t)
	c := cliUnderTest(t)
	t.Logf("the acceptance tests drive %s (%s)", c, c.Path)
	if c.IsTerraform() == c.IsOpenTofu() {
		t.Fatalf("%s is neither or both Terraform and OpenTofu", c)
	}
	// terraform-plugin-testing reattaches the provider under
	// TF_ACC_PROVIDER_HOST; OpenTofu resolves the configurations' provider
	// addresses to its own registry.
	host := os.Getenv("TF_ACC_PROVIDER_HOST")
	if c.IsOpenTofu() && host != "registry.opentofu.org" {
		t.Errorf("OpenTofu needs TF_ACC_PROVIDER_HOST=registry.opentofu.org, not %q", host)
	}
	if c.IsTerraform() && host != "" && host != "registry.terraform.io" {
		t.Errorf("Terraform needs TF_ACC_PROVIDER_HOST unset or registry.terraform.io, not %q", host)
	}

	// The gates let a test of actions run on Terraform 1.14 and later, and
	// skip it, saying why, on older Terraform and on OpenTofu.
	has := c.IsTerraform() && !c.Version.Core().LessThan(tfversion.Version1_14_0)
	var resp tfversion.CheckTerraformVersionResponse
	cliActions.CheckTerraformVersion(context.Background(), tfversion.CheckTerraformVersionRequest{TerraformVersion: c.Version}, &resp)
	if resp.Error != nil || (resp.Skip == "") != has {
		t.Errorf("cliActions on %s: skip %q, error %v", c, resp.Skip, resp.Error)
	}
	ran := false
	t.Run("actions", func(t *testing.T) {
		requireCLI(t, cliActions)
		ran = true
	})
	if ran != has {
		t.Errorf("on %s, a test behind requireCLI(cliActions) ran: %v", c, ran)
	}
}

// TestCLISkipsBanner: the banner at the end of a run names every test
// skipped for want of a CLI feature, under its feature with the CLIs that
// have it, and the Terraform that runs them all.
func TestCLISkipsBanner(t *testing.T) {
	var s skippedForCLI
	cli := testCLI{Path: "/usr/bin/terraform", Product: productTerraform, Version: cliVersion("1.11.4")}
	none := func(*version.Version) string { return "" }
	if got := s.banner(cli, none); got != "" {
		t.Errorf("without skips the banner is %q, want none", got)
	}
	s.note(cliIdentity, "TestAccIdentity_b")
	s.note(cliActions, "TestAccAction")
	s.note(cliIdentity, "TestAccIdentity_a/sub")
	s.note(cliActions, "TestAccAction")
	got := s.banner(cli, func(v *version.Version) string { return "/cache/terraform-" + v.String() })
	for _, want := range []string{
		"3 ACCEPTANCE TESTS SKIPPED: Terraform v1.11.4 (/usr/bin/terraform) lacks the CLI features they test.",
		"  actions (Terraform 1.14.0 or later):\n    TestAccAction\n",
		"  resource identity (Terraform 1.12.0 or later; OpenTofu 1.12.0 or later):\n    TestAccIdentity_a/sub\n    TestAccIdentity_b\n",
		"Terraform 1.14.0 or later runs them all: TF_ACC_TERRAFORM_PATH=/cache/terraform-1.14.0 make test",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the banner does not say %q:\n%s", want, got)
		}
	}
}

// TestCachedTerraform: the banner names the newest Terraform that
// scripts/build-cli.sh built, when it is new enough.
func TestCachedTerraform(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MESIBO_CLI_CACHE", dir)
	for _, bin := range []string{"terraform-1.12.2/terraform", "terraform-1.16.4/terraform", "terraform-1.15.9/terraform", "opentofu-1.12.6/tofu"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(bin)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, bin), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "terraform-1.17.0"), 0o755); err != nil { // being built
		t.Fatal(err)
	}
	if got, want := cachedTerraform(cliVersion("1.14.0")), filepath.Join(dir, "terraform-1.16.4/terraform"); got != want {
		t.Errorf("cachedTerraform(1.14.0) = %q, want %q", got, want)
	}
	if got := cachedTerraform(cliVersion("1.17.0")); got != "" {
		t.Errorf("cachedTerraform(1.17.0) = %q, want none", got)
	}
}

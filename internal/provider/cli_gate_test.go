package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The tests of features that only some CLIs have skip on the others. Version
// numbers alone cannot tell: OpenTofu numbers its releases like Terraform,
// and OpenTofu 1.14 has no actions. So the gate asks the CLI under test what
// it is, as `<cli> version` prints it ("Terraform v1.14.3", "OpenTofu v1.11.0").

// cliFeature is a feature of the CLI with the first version of each CLI that
// has it; nil: that CLI does not have it.
type cliFeature struct {
	name      string
	terraform *version.Version
	opentofu  *version.Version
}

var (
	// OpenTofu 1.12 added import by identity as well; no OpenTofu 1.12 is in
	// the test matrix yet, so its identity tests are not run.
	cliIdentity = cliFeature{name: "resource identity", terraform: tfversion.Version1_12_0}
	cliActions  = cliFeature{name: "actions", terraform: tfversion.Version1_14_0}
	cliQuery    = cliFeature{name: "list resources (terraform query)", terraform: tfversion.Version1_14_0}
)

// cliKind is what kind of CLI runs the acceptance tests.
type cliKind struct {
	name    string // "Terraform" or "OpenTofu"
	version *version.Version
}

var (
	cliKindOnce sync.Once
	cliKindVal  cliKind
	cliKindErr  error
)

// cliUnderTest asks the CLI the acceptance tests run (TF_ACC_TERRAFORM_PATH,
// or terraform on PATH, as terraform-plugin-testing picks it) what it is.
func cliUnderTest() (cliKind, error) {
	cliKindOnce.Do(func() {
		bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if bin == "" {
			if bin, cliKindErr = exec.LookPath("terraform"); cliKindErr != nil {
				return
			}
		}
		out, err := exec.Command(bin, "version").Output()
		if err != nil {
			cliKindErr = fmt.Errorf("%s version: %w", bin, err)
			return
		}
		cliKindVal, cliKindErr = parseCLIVersion(string(out))
	})
	return cliKindVal, cliKindErr
}

// parseCLIVersion reads the first line of `<cli> version`.
func parseCLIVersion(out string) (cliKind, error) {
	first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	name, v, ok := strings.Cut(strings.TrimSpace(first), " ")
	if !ok || (name != "Terraform" && name != "OpenTofu") {
		return cliKind{}, fmt.Errorf("cannot tell the CLI from its version line %q", first)
	}
	ver, err := version.NewVersion(strings.TrimPrefix(strings.TrimSpace(v), "v"))
	if err != nil {
		return cliKind{}, fmt.Errorf("cannot read the CLI version from %q: %w", first, err)
	}
	return cliKind{name: name, version: ver}, nil
}

// missing says why cli lacks f, or "" when it has it.
func (f cliFeature) missing(cli cliKind) string {
	first := f.terraform
	if cli.name == "OpenTofu" {
		first = f.opentofu
	}
	switch {
	case first == nil:
		return fmt.Sprintf("%s %s has no %s", cli.name, cli.version, f.name)
	case cli.version.Core().LessThan(first):
		return fmt.Sprintf("needs %s %s or later for %s; the CLI under test is %s %s", cli.name, first, f.name, cli.name, cli.version)
	}
	return ""
}

// requireCLI skips a test, or a resource.TestCase through
// TerraformVersionChecks, on a CLI that lacks f.
func requireCLI(t *testing.T, f cliFeature) {
	t.Helper()
	requireAcc(t, "the Terraform CLI")
	cli, err := cliUnderTest()
	if err != nil {
		t.Fatal(err)
	}
	if why := f.missing(cli); why != "" {
		t.Skip(why)
	}
}

// CheckTerraformVersion makes f a tfversion.TerraformVersionCheck.
func (f cliFeature) CheckTerraformVersion(_ context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	cli, err := cliUnderTest()
	if err != nil {
		resp.Error = err
		return
	}
	resp.Skip = f.missing(cli)
}

var _ tfversion.TerraformVersionCheck = cliFeature{}

func TestParseCLIVersion(t *testing.T) {
	cases := []struct {
		out, name, version string
		identity, actions  bool
	}{
		{"Terraform v1.14.3\non linux_amd64\n", "Terraform", "1.14.3", true, true},
		{"Terraform v1.15.0-rc1\non linux_amd64\n", "Terraform", "1.15.0-rc1", true, true},
		{"Terraform v1.11.4\non linux_amd64\n", "Terraform", "1.11.4", false, false},
		{"OpenTofu v1.11.0\non linux_amd64\n", "OpenTofu", "1.11.0", false, false},
		{"OpenTofu v1.14.0\non linux_amd64\n", "OpenTofu", "1.14.0", false, false},
	}
	for _, c := range cases {
		cli, err := parseCLIVersion(c.out)
		if err != nil {
			t.Fatalf("%q: %v", c.out, err)
		}
		if cli.name != c.name || cli.version.String() != c.version {
			t.Errorf("%q: got %s %s, want %s %s", c.out, cli.name, cli.version, c.name, c.version)
		}
		if got := cliIdentity.missing(cli) == ""; got != c.identity {
			t.Errorf("%q: identity supported %v, want %v", c.out, got, c.identity)
		}
		if got := cliActions.missing(cli) == ""; got != c.actions {
			t.Errorf("%q: actions supported %v, want %v", c.out, got, c.actions)
		}
	}
	if _, err := parseCLIVersion("something else 1.0\n"); err == nil {
		t.Error("an unknown CLI was not refused")
	}
}

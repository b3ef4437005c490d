package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The tests of faults, cancellation and secrets drive the Terraform CLI the
// way a user or a CI pipeline does, through terraform-exec: they need to see
// an apply fail and then run the next one, cancel an apply half-way, and read
// the plan output and the log. The provider is served in-process (Terraform
// reattaches to it), so the tests can shorten the client's retry waits.

// providerAddress is the address the in-process provider is reattached
// under. It has no registry host: like a source address in required_providers,
// Terraform reads it as registry.terraform.io/mesibo-community/mesibo and
// OpenTofu as registry.opentofu.org/mesibo-community/mesibo, so it matches
// the configurations on either CLI.
const providerAddress = "mesibo-community/mesibo"

// requiredProviders declares the provider's source, for configurations run
// through tfCLI.
const requiredProviders = `
terraform {
  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}
`

// fastRetries shortens the client's backoff so that tests with many
// injected faults stay quick. A Retry-After header is still honoured.
func fastRetries(c *mesibo.Config) {
	c.RetryWaitMin = 2 * time.Millisecond
	c.RetryWaitMax = 20 * time.Millisecond
}

// testProvider returns the provider with the client adjusted by opts.
func testProvider(opts func(*mesibo.Config)) *mesiboProvider {
	return &mesiboProvider{version: "test", clientOptions: opts}
}

// factoriesWith serves testProvider(opts) to terraform-plugin-testing.
func factoriesWith(opts func(*mesibo.Config)) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"mesibo": providerserver.NewProtocol6WithError(testProvider(opts)),
	}
}

// terraformPath finds the Terraform CLI the way terraform-plugin-testing does.
func terraformPath(t *testing.T) string {
	t.Helper()
	requireAcc(t, "the Terraform CLI")
	p, err := cliPath()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cliEnv is the environment of the Terraform CLI: the test's, without the
// variables terraform-exec manages itself or the provider's own, plus extra.
func cliEnv(extra map[string]string) map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	env = tfexec.CleanEnv(env)
	delete(env, envAppToken)
	delete(env, envEndpoint)
	env["CHECKPOINT_DISABLE"] = "1"
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// tfCLI runs Terraform commands in a working directory of its own against
// a provider served in-process, a fresh server for each command.
type tfCLI struct {
	t   *testing.T
	dir string
	tf  *tfexec.Terraform
	// provider makes the provider each command talks to.
	provider func() *mesiboProvider
}

func newTFCLI(t *testing.T, provider func() *mesiboProvider) *tfCLI {
	t.Helper()
	dir := t.TempDir()
	tf, err := tfexec.NewTerraform(dir, terraformPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.SetEnv(cliEnv(nil)); err != nil {
		t.Fatal(err)
	}
	return &tfCLI{t: t, dir: dir, tf: tf, provider: provider}
}

// writeConfig replaces the configuration.
func (c *tfCLI) writeConfig(hcl string) {
	c.t.Helper()
	c.writeFile("main.tf", hcl)
}

// writeFile writes a file of the working directory, name relative to it.
func (c *tfCLI) writeFile(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// serve starts the provider for one command and returns how Terraform
// reattaches to it, and a function that stops it. The server outlives a
// cancelled command, so Terraform can stop it gracefully.
func (c *tfCLI) serve() (tfexec.ReattachInfo, func()) {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(providerAddress, providerserver.NewProtocol6(c.provider()),
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			// Provider logs follow TF_LOG and TF_LOG_PATH_MASK as in
			// terraform-plugin-testing; off by default.
			tf6server.WithLoggingSink(c.t))
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-served:
		cancel()
		c.t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		c.t.Fatal("the provider server did not start within 30s")
	}
	info := tfexec.ReattachInfo{providerAddress: tfexec.ReattachConfig{
		Protocol:        string(rc.Protocol),
		ProtocolVersion: rc.ProtocolVersion,
		Pid:             rc.Pid,
		Test:            rc.Test,
		Addr:            tfexec.ReattachConfigAddr{Network: rc.Addr.Network(), String: rc.Addr.String()},
	}}
	return info, func() {
		cancel()
		select {
		case <-closed:
		case <-time.After(30 * time.Second):
			c.t.Error("the provider server did not stop within 30s")
		}
	}
}

// init runs terraform init; it must succeed.
func (c *tfCLI) init(ctx context.Context) {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	if err := c.tf.Init(ctx, tfexec.Reattach(info)); err != nil {
		c.t.Fatalf("terraform init: %v", err)
	}
}

// cliResult is the outcome of an apply or destroy run with -json.
type cliResult struct {
	err   error
	diags []uiDiagnostic
	took  time.Duration
}

// uiDiagnostic is a diagnostic from Terraform's machine-readable output.
type uiDiagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address"`
}

func (d uiDiagnostic) String() string {
	return fmt.Sprintf("%s: %s (%s): %s", d.Severity, d.Summary, d.Address, d.Detail)
}

// errors returns the error diagnostics.
func (r cliResult) errors() []uiDiagnostic {
	var out []uiDiagnostic
	for _, d := range r.diags {
		if d.Severity == "error" {
			out = append(out, d)
		}
	}
	return out
}

// summary describes the errors for test logs: how many of each kind, with
// the first one's address and detail.
func (r cliResult) summary() string {
	count := map[string]int{}
	first := map[string]uiDiagnostic{}
	for _, d := range r.errors() {
		if count[d.Summary] == 0 {
			first[d.Summary] = d
		}
		count[d.Summary]++
	}
	var b strings.Builder
	for _, s := range sortedKeys(count) {
		d := first[s]
		detail := strings.Join(strings.Fields(d.Detail), " ")
		if len(detail) > 400 {
			detail = detail[:400] + "…"
		}
		fmt.Fprintf(&b, "\n  %d × %q, e.g. %s: %s", count[s], s, d.Address, detail)
	}
	return b.String()
}

// parseUI reads the diagnostics from Terraform's -json output.
func parseUI(t *testing.T, out []byte) []uiDiagnostic {
	t.Helper()
	var diags []uiDiagnostic
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var msg struct {
			Type       string        `json:"type"`
			Diagnostic *uiDiagnostic `json:"diagnostic"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Fatalf("terraform wrote a line that is not JSON: %q", sc.Text())
		}
		if msg.Type == "diagnostic" && msg.Diagnostic != nil {
			diags = append(diags, *msg.Diagnostic)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return diags
}

// apply runs terraform apply -auto-approve -json.
func (c *tfCLI) apply(ctx context.Context, opts ...tfexec.ApplyOption) cliResult {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	var out bytes.Buffer
	start := time.Now()
	err := c.tf.ApplyJSON(ctx, &out, append(opts, tfexec.Reattach(info))...)
	took := time.Since(start)
	c.tf.SetStdout(nil)
	return cliResult{err: err, diags: parseUI(c.t, out.Bytes()), took: took}
}

// destroy runs terraform destroy -auto-approve -json.
func (c *tfCLI) destroy(ctx context.Context) cliResult {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	var out bytes.Buffer
	start := time.Now()
	err := c.tf.DestroyJSON(ctx, &out, tfexec.Reattach(info))
	took := time.Since(start)
	c.tf.SetStdout(nil)
	return cliResult{err: err, diags: parseUI(c.t, out.Bytes()), took: took}
}

// planIsEmpty runs terraform plan (with a refresh) and fails the test when it
// errors or shows changes.
func (c *tfCLI) planIsEmpty(ctx context.Context) {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	var out bytes.Buffer
	c.tf.SetStdout(&out)
	changes, err := c.tf.Plan(ctx, tfexec.Reattach(info))
	c.tf.SetStdout(nil)
	if err != nil {
		c.t.Fatalf("terraform plan: %v", err)
	}
	if changes {
		c.t.Fatalf("the plan after a converged apply is not empty:\n%s", out.String())
	}
}

// tfState is the part of a Terraform state file the tests read.
type tfState struct {
	Resources []struct {
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey   any            `json:"index_key"`
			Attributes map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// state reads the working directory's state file; an absent file is an
// empty state.
func (c *tfCLI) state() tfState {
	c.t.Helper()
	var st tfState
	b, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if os.IsNotExist(err) {
		return st
	}
	if err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		c.t.Fatalf("reading the state file: %v", err)
	}
	return st
}

// managed lists the attributes of every instance of a managed resource type.
func (s tfState) managed(typ string) []map[string]any {
	var out []map[string]any
	for _, r := range s.Resources {
		if r.Mode != "managed" || r.Type != typ {
			continue
		}
		for _, in := range r.Instances {
			out = append(out, in.Attributes)
		}
	}
	return out
}

// managedGIDs maps the gid of every mesibo_group in state to its name.
func (s tfState) managedGIDs() map[int64]string {
	out := map[int64]string{}
	for _, a := range s.managed("mesibo_group") {
		gid, _ := a["gid"].(float64)
		name, _ := a["name"].(string)
		out[int64(gid)] = name
	}
	return out
}

// maybeCreatedRE finds the group name in a "may have been created" error.
var maybeCreatedRE = regexp.MustCompile(`a group named "([^"]*)" may now exist`)

// maybeCreated returns the names of the groups that errors reported as
// possibly created, one entry per report. It fails the test if a report
// does not say plainly that a group may have been created.
func maybeCreated(t *testing.T, r cliResult) []string {
	t.Helper()
	var names []string
	for _, d := range r.errors() {
		if d.Summary != summaryGroupMaybe {
			continue
		}
		m := maybeCreatedRE.FindStringSubmatch(d.Detail)
		if m == nil || !strings.Contains(d.Detail, "may have been created") {
			t.Errorf("a %q error does not name the group or say it may have been created:\n%s", d.Summary, d.Detail)
			continue
		}
		names = append(names, m[1])
	}
	return names
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

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The CLI driver: tests of faults, cancellation, secrets, identities, actions
// and list resources drive the Terraform CLI the way a user or a CI pipeline
// does, through terraform-exec: they need to see an apply fail and then run
// the next one, cancel an apply half-way, and read the plan output, the state
// file and the log. The provider is served in-process (Terraform reattaches
// to it), so the tests can shorten the client's retry waits.

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
func (r cliResult) errors() []uiDiagnostic { return r.ofSeverity("error") }

// warnings returns the warning diagnostics.
func (r cliResult) warnings() []uiDiagnostic { return r.ofSeverity("warning") }

// ofSeverity returns the diagnostics of severity ("error", "warning").
func (r cliResult) ofSeverity(severity string) []uiDiagnostic {
	var out []uiDiagnostic
	for _, d := range r.diags {
		if d.Severity == severity {
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

// runJSON runs one command of the CLI with -json against a provider served
// for it, and reads its diagnostics.
func (c *tfCLI) runJSON(cmd func(out io.Writer, reattach *tfexec.ReattachOption) error) cliResult {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	var out bytes.Buffer
	start := time.Now()
	err := cmd(&out, tfexec.Reattach(info))
	took := time.Since(start)
	c.tf.SetStdout(nil)
	return cliResult{err: err, diags: parseUI(c.t, out.Bytes()), took: took}
}

// apply runs terraform apply -auto-approve -json with opts.
func (c *tfCLI) apply(ctx context.Context, opts ...tfexec.ApplyOption) cliResult {
	c.t.Helper()
	return c.runJSON(func(out io.Writer, reattach *tfexec.ReattachOption) error {
		return c.tf.ApplyJSON(ctx, out, append(opts, reattach)...)
	})
}

// destroy runs terraform destroy -auto-approve -json with opts.
func (c *tfCLI) destroy(ctx context.Context, opts ...tfexec.DestroyOption) cliResult {
	c.t.Helper()
	return c.runJSON(func(out io.Writer, reattach *tfexec.ReattachOption) error {
		return c.tf.DestroyJSON(ctx, out, append(opts, reattach)...)
	})
}

// plan runs terraform plan -json; unlike planDiagnostics, it may fail.
func (c *tfCLI) plan(ctx context.Context) cliResult {
	c.t.Helper()
	return c.runJSON(func(out io.Writer, reattach *tfexec.ReattachOption) error {
		_, err := c.tf.PlanJSON(ctx, out, reattach)
		return err
	})
}

// planWith runs terraform plan -json with opts and returns its diagnostics;
// the plan must succeed.
func (c *tfCLI) planWith(ctx context.Context, opts ...tfexec.PlanOption) []uiDiagnostic {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	var out bytes.Buffer
	if _, err := c.tf.PlanJSON(ctx, &out, append(opts, tfexec.Reattach(info))...); err != nil {
		c.t.Fatalf("terraform plan: %v\n%s", err, out.String())
	}
	return parseUI(c.t, out.Bytes())
}

// planDiagnostics runs terraform plan -json and returns its diagnostics; the
// plan must succeed.
func (c *tfCLI) planDiagnostics(ctx context.Context) []uiDiagnostic {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	var out bytes.Buffer
	if _, err := c.tf.PlanJSON(ctx, &out, tfexec.Reattach(info)); err != nil {
		c.t.Fatalf("terraform plan: %v", err)
	}
	return parseUI(c.t, out.Bytes())
}

// savePlan runs terraform plan -out=file; it must succeed.
func (c *tfCLI) savePlan(ctx context.Context, file string) {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	if _, err := c.tf.Plan(ctx, tfexec.Out(file), tfexec.Reattach(info)); err != nil {
		c.t.Fatalf("terraform plan -out: %v", err)
	}
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

// importCmd runs terraform import address id; it must succeed.
func (c *tfCLI) importCmd(ctx context.Context, address, id string) {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	if err := c.tf.Import(ctx, address, id, tfexec.Reattach(info)); err != nil {
		c.t.Fatalf("terraform import %s %s: %v", address, id, err)
	}
}

// forget runs terraform state rm where forgetBlock left it to the command
// line (OpenTofu, Terraform before 1.7).
func (c *tfCLI) forget(ctx context.Context, address string) {
	c.t.Helper()
	if forgetsWithRemovedBlock(cliUnderTest(c.t)) {
		return
	}
	if err := c.tf.StateRm(ctx, address); err != nil {
		c.t.Fatalf("terraform state rm %s: %v", address, err)
	}
}

// invoke runs terraform apply -auto-approve -invoke=<action> -json, with
// extra arguments (-target), which terraform-exec has no option for.
func (c *tfCLI) invoke(ctx context.Context, actionAddr string, extra ...string) cliResult {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	reattach, err := json.Marshal(info)
	if err != nil {
		c.t.Fatal(err)
	}
	args := append([]string{"apply", "-auto-approve", "-input=false", "-json", "-invoke=" + actionAddr}, extra...)
	cmd := exec.CommandContext(ctx, c.tf.ExecPath(), args...)
	cmd.Dir = c.dir
	for k, v := range cliEnv(map[string]string{"TF_REATTACH_PROVIDERS": string(reattach)}) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	err = cmd.Run()
	return cliResult{err: err, diags: parseUI(c.t, out.Bytes())}
}

// queryResult is what terraform query -json reported.
type queryResult struct {
	found []tfjson.ListResourceFoundData
	diags []tfjson.Diagnostic
}

// query runs terraform query -json, with opts, and fails the test when it
// fails.
func (c *tfCLI) query(ctx context.Context, opts ...tfexec.QueryOption) queryResult {
	c.t.Helper()
	info, stop := c.serve()
	defer stop()
	msgs, err := c.tf.QueryJSON(ctx, append(opts, tfexec.Reattach(info))...)
	if err != nil {
		c.t.Fatalf("terraform query: %v", err)
	}
	var r queryResult
	for m := range msgs {
		if m.Err != nil {
			c.t.Fatalf("terraform query: %v", m.Err)
		}
		switch v := m.Msg.(type) {
		case tfjson.ListResourceFoundMessage:
			r.found = append(r.found, v.ListResourceFound)
		case tfjson.DiagnosticLogMessage:
			if v.Severity == tfjson.DiagnosticSeverityError {
				c.t.Fatalf("terraform query: %s: %s", v.Summary, v.Detail)
			}
			r.diags = append(r.diags, v.Diagnostic)
		}
	}
	return r
}

// newQueryCLI prepares a working directory whose configuration points the
// provider at e and whose query file holds query, and runs terraform init.
// The provider's client is adjusted by opts.
func newQueryCLI(t *testing.T, e *testEmulator, opts func(*mesibo.Config), query string) *tfCLI {
	t.Helper()
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(opts) })
	cli.writeConfig(requiredProviders + e.providerBlock(""))
	if err := os.WriteFile(filepath.Join(cli.dir, "users.tfquery.hcl"), []byte(query), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.init(context.Background())
	return cli
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

// stateInstance is a resource instance of the working directory's state
// file, with what the tests read of it beyond tfState.
type stateInstance struct {
	// Addr is its address in the root module: mesibo_user.team["a"].
	Addr string
	// Resource is the address of its resource: mesibo_user.team.
	Resource string
	// Status is "tainted", or "" for an object that is ready.
	Status   string
	Identity map[string]any
}

// instances reads the resource instances of the state file.
func (c *tfCLI) instances() []stateInstance {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if err != nil {
		c.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				IndexKey any            `json:"index_key"`
				Status   string         `json:"status"`
				Identity map[string]any `json:"identity"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		c.t.Fatal(err)
	}
	var out []stateInstance
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			res := r.Type + "." + r.Name
			addr := res
			switch k := in.IndexKey.(type) {
			case string:
				addr += fmt.Sprintf("[%q]", k)
			case float64:
				addr += fmt.Sprintf("[%d]", int(k))
			}
			out = append(out, stateInstance{Addr: addr, Resource: res, Status: in.Status, Identity: in.Identity})
		}
	}
	return out
}

// instanceStatus returns the status ("tainted", or "" for a ready object)
// of each resource instance in the working directory's state, by address.
func (c *tfCLI) instanceStatus() map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, in := range c.instances() {
		out[in.Addr] = in.Status
	}
	return out
}

// identities returns the identity of each resource instance in the state
// file, by resource address.
func (c *tfCLI) identities() map[string]map[string]any {
	c.t.Helper()
	out := map[string]map[string]any{}
	for _, in := range c.instances() {
		out[in.Resource] = in.Identity
	}
	return out
}

// expectIdentities fails the test unless the state holds the identity of
// the user with address and of the group and membership with the group's
// GID in state.
func (c *tfCLI) expectIdentities(when, address string) {
	c.t.Helper()
	ids := c.identities()
	gid := c.state().managed("mesibo_group")[0]["gid"]
	want := map[string]map[string]any{
		"mesibo_user.test":             {"address": address},
		"mesibo_group.test":            {"gid": gid},
		"mesibo_group_membership.test": {"gid": gid},
	}
	for addr, w := range want {
		if fmt.Sprint(ids[addr]) != fmt.Sprint(w) {
			c.t.Errorf("%s: the identity of %s is %v, want %v", when, addr, ids[addr], w)
		}
	}
}

// editStateInstances rewrites the state file, calling edit with the type and
// the JSON object of each resource instance in it, and returns how many of
// the calls reported a change.
func (c *tfCLI) editStateInstances(edit func(typ string, inst map[string]any) bool) int {
	c.t.Helper()
	file := filepath.Join(c.dir, "terraform.tfstate")
	b, err := os.ReadFile(file)
	if err != nil {
		c.t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		c.t.Fatal(err)
	}
	changed := 0
	resources, _ := st["resources"].([]any)
	for _, r := range resources {
		res, _ := r.(map[string]any)
		typ, _ := res["type"].(string)
		instances, _ := res["instances"].([]any)
		for _, in := range instances {
			if inst, ok := in.(map[string]any); ok && edit(typ, inst) {
				changed++
			}
		}
	}
	if b, err = json.MarshalIndent(st, "", "  "); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return changed
}

// stripIdentities rewrites the state file as a provider without resource
// identities left it: no identity beside any resource.
func (c *tfCLI) stripIdentities() {
	c.t.Helper()
	stripped := c.editStateInstances(func(_ string, inst map[string]any) bool {
		_, had := inst["identity"]
		delete(inst, "identity")
		delete(inst, "identity_schema_version")
		return had
	})
	if stripped == 0 {
		c.t.Fatal("the state holds no identity to strip")
	}
}

// stripDeclared rewrites the private state of every mesibo_group_membership
// in the state file as earlier versions of the provider left it: no record
// of what the membership declared, nor of the drift its refresh found.
func (c *tfCLI) stripDeclared() {
	c.t.Helper()
	stripped := c.editStateInstances(func(typ string, inst map[string]any) bool {
		if typ != "mesibo_group_membership" {
			return false
		}
		encoded, _ := inst["private"].(string)
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			c.t.Fatal(err)
		}
		var private map[string][]byte
		if err := json.Unmarshal(raw, &private); err != nil {
			c.t.Fatalf("private state %s: %v", raw, err)
		}
		_, declared := private[privateDeclared]
		_, unlisted := private[legacyUnlisted]
		delete(private, privateDeclared)
		delete(private, legacyUnlisted)
		raw, _ = json.Marshal(private)
		inst["private"] = base64.StdEncoding.EncodeToString(raw)
		return declared || unlisted
	})
	if stripped == 0 {
		c.t.Fatal("no membership in state has a record of what it declares, or of its drift")
	}
}

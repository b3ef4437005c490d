// Package examples checks what `terraform validate` cannot check in the example
// files under examples/: the GitHub Actions workflow of examples/ci, its backend
// stanza, and that the README points at them instead of keeping a copy.
//
// Each check stands for something a team relies on when it copies the
// workflow: removing the fork guard, the concurrency group, the saved plan
// handed to the apply job, the schedule or the state lock makes a test fail.
package examples

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"
)

var (
	repoRoot     = filepath.Join("..", "..")
	ciDir        = filepath.Join(repoRoot, "examples", "ci")
	workflowPath = filepath.Join(ciDir, "github-actions.yml")
	backendPath  = filepath.Join(ciDir, "backend.tf")
)

// maxPlanRetentionDays is the longest a saved plan may be kept as an artifact:
// it holds the users' access tokens, and the apply job needs it only during
// the run.
const maxPlanRetentionDays = 1

type workflow struct {
	On          map[string]yaml.Node `yaml:"on"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress *bool  `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Defaults struct {
		Run struct {
			WorkingDirectory string `yaml:"working-directory"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]job    `yaml:"jobs"`
}

type job struct {
	If     string            `yaml:"if"`
	Needs  yaml.Node         `yaml:"needs"`
	RunsOn yaml.Node         `yaml:"runs-on"`
	Env    map[string]string `yaml:"env"`
	Steps  []step            `yaml:"steps"`
}

type step struct {
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

// runs reports whether one of the job's run steps contains every fragment.
func (j job) runs(fragments ...string) bool {
	for _, s := range j.Steps {
		if containsAll(s.Run, fragments...) {
			return true
		}
	}
	return false
}

// uses returns the steps that use the action (without its version).
func (j job) uses(action string) []step {
	var found []step
	for _, s := range j.Steps {
		if name, _, _ := strings.Cut(s.Uses, "@"); name == action {
			found = append(found, s)
		}
	}
	return found
}

func containsAll(s string, fragments ...string) bool {
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			return false
		}
	}
	return true
}

// normalize folds the whitespace of a multi-line expression into single spaces.
func normalize(expr string) string {
	return strings.Join(strings.Fields(expr), " ")
}

func loadWorkflow(t *testing.T) workflow {
	t.Helper()
	data, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s is not valid YAML: %v", workflowPath, err)
	}
	for _, name := range []string{"plan", "apply", "drift"} {
		if _, ok := wf.Jobs[name]; !ok {
			t.Fatalf("%s has no %q job", workflowPath, name)
		}
	}
	return wf
}

func TestWorkflowTriggers(t *testing.T) {
	wf := loadWorkflow(t)

	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not plan pull requests: no pull_request trigger")
	}
	if _, ok := wf.On["pull_request_target"]; ok {
		t.Error("pull_request_target runs the code of a fork's pull request with the repository's secrets: use pull_request")
	}

	var push struct {
		Branches []string `yaml:"branches"`
	}
	if node, ok := wf.On["push"]; !ok {
		t.Error("the workflow never applies: no push trigger")
	} else if err := node.Decode(&push); err != nil {
		t.Errorf("push trigger: %v", err)
	} else if len(push.Branches) != 1 || push.Branches[0] != "main" {
		t.Errorf("push should trigger on main only, got branches %q", push.Branches)
	}

	var schedule []struct {
		Cron string `yaml:"cron"`
	}
	if node, ok := wf.On["schedule"]; !ok {
		t.Error("the workflow has no drift check: no schedule trigger")
	} else if err := node.Decode(&schedule); err != nil {
		t.Errorf("schedule trigger: %v", err)
	} else if len(schedule) == 0 || len(strings.Fields(schedule[0].Cron)) != 5 {
		t.Errorf("the schedule needs a cron expression of five fields, got %+v", schedule)
	}
}

// TestWorkflowOneApplyPerApp checks that every run that can apply joins one
// fixed concurrency group and is never cancelled half-way.
func TestWorkflowOneApplyPerApp(t *testing.T) {
	wf := loadWorkflow(t)

	group := normalize(wf.Concurrency.Group)
	if group == "" {
		t.Fatal("the workflow has no concurrency group: two pushes to main can apply at the same time")
	}
	// The runs that can apply (push, workflow_dispatch) must all get the same
	// literal group name, the one named after the app.
	applyGroup := regexp.MustCompile(`^\$\{\{ \(github\.event_name == 'push' \|\| github\.event_name == 'workflow_dispatch'\) && '(mesibo-apply-[^']+)' \|\| .+ \}\}$`)
	if m := applyGroup.FindStringSubmatch(group); m == nil {
		t.Errorf("pushes and manual runs must share one fixed group per Mesibo app ('mesibo-apply-<app>'), got %q", group)
	}
	if wf.Concurrency.CancelInProgress == nil || *wf.Concurrency.CancelInProgress {
		t.Error("cancel-in-progress must be false: a cancelled apply stops half-way and can leave the state locked")
	}

	applyIf := normalize(wf.Jobs["apply"].If)
	for _, want := range []string{"github.ref == 'refs/heads/main'", "github.event_name == 'push'", "github.event_name == 'workflow_dispatch'"} {
		if !strings.Contains(applyIf, want) {
			t.Errorf("the apply job's condition %q lacks %q: it could run outside the apply group", applyIf, want)
		}
	}
	if strings.Contains(applyIf, "pull_request") || strings.Contains(applyIf, "schedule") {
		t.Errorf("the apply job's condition %q names pull requests or the schedule", applyIf)
	}
}

func TestWorkflowSkipsForks(t *testing.T) {
	wf := loadWorkflow(t)
	guard := "github.event.pull_request.head.repo.full_name == github.repository"
	if cond := normalize(wf.Jobs["plan"].If); !strings.Contains(cond, guard) {
		t.Errorf("the plan job must skip pull requests from forks (%s), its condition is %q", guard, cond)
	}
}

// TestWorkflowHandsTheSavedPlanToApply checks that the apply job applies the
// plan file the plan job saved, and that the file is kept only briefly.
func TestWorkflowHandsTheSavedPlanToApply(t *testing.T) {
	wf := loadWorkflow(t)
	dir := wf.Defaults.Run.WorkingDirectory
	if dir == "" {
		t.Fatal("defaults.run.working-directory names the configuration's directory; it is missing")
	}
	plan, apply := wf.Jobs["plan"], wf.Jobs["apply"]

	if !plan.runs("terraform plan", "-detailed-exitcode", "-out=tfplan") {
		t.Error("the plan job does not save its plan (terraform plan -detailed-exitcode -out=tfplan)")
	}
	uploads := plan.uses("actions/upload-artifact")
	if len(uploads) != 1 {
		t.Fatalf("the plan job should upload the saved plan once, found %d upload steps", len(uploads))
	}
	up := uploads[0].With
	if want := dir + "/tfplan"; up["path"] != want {
		t.Errorf("the uploaded path is %q, the saved plan is %q", up["path"], want)
	}
	if days, err := strconv.Atoi(up["retention-days"]); err != nil || days < 1 || days > maxPlanRetentionDays {
		t.Errorf("the plan artifact holds access tokens: keep it at most %d day(s) (retention-days), got %q", maxPlanRetentionDays, up["retention-days"])
	}

	var needs string
	if err := apply.Needs.Decode(&needs); err != nil || needs != "plan" {
		t.Errorf("the apply job must need the plan job, got %v", apply.Needs.Value)
	}
	if !strings.Contains(normalize(apply.If), "needs.plan.outputs.changes == 'true'") {
		t.Errorf("the apply job should run only when the plan has changes, its condition is %q", apply.If)
	}
	downloads := apply.uses("actions/download-artifact")
	if len(downloads) != 1 {
		t.Fatalf("the apply job should download the saved plan once, found %d download steps", len(downloads))
	}
	down := downloads[0].With
	if down["name"] != up["name"] || down["path"] != dir {
		t.Errorf("the apply job downloads artifact %q into %q; the plan job uploads %q from %q",
			down["name"], down["path"], up["name"], dir)
	}
	if !apply.runs("terraform apply", "tfplan") {
		t.Error("the apply job does not apply the saved plan (terraform apply ... tfplan)")
	}
	if apply.runs("terraform plan") {
		t.Error("the apply job plans again instead of applying the reviewed plan")
	}
}

func TestWorkflowDriftCheck(t *testing.T) {
	wf := loadWorkflow(t)
	drift := wf.Jobs["drift"]
	if cond := normalize(drift.If); cond != "github.event_name == 'schedule'" {
		t.Errorf("the drift job should run on the schedule only, its condition is %q", cond)
	}
	if !drift.runs("terraform plan", "-detailed-exitcode") {
		t.Error("the drift job does not run terraform plan -detailed-exitcode, so drift would not fail it")
	}
}

// TestWorkflowSecretsAndRunners checks what every job shares: the app token
// from the environment (never a variable, which a saved plan would keep), the
// same pinned Terraform version, and a runner that is not GitHub-hosted.
func TestWorkflowSecretsAndRunners(t *testing.T) {
	wf := loadWorkflow(t)
	data, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "TF_VAR_") {
		t.Error("the workflow sets a TF_VAR_ variable: a saved plan keeps the values of variables, so pass the app token as MESIBO_APP_TOKEN")
	}
	if wf.Env["TF_VERSION"] == "" {
		t.Error("the workflow does not pin TF_VERSION: a saved plan can only be applied by the Terraform version that made it")
	}
	hosted := regexp.MustCompile(`^(ubuntu|windows|macos)-`)
	for name, j := range wf.Jobs {
		if got := j.Env["MESIBO_APP_TOKEN"]; got != "${{ secrets.MESIBO_APP_TOKEN }}" {
			t.Errorf("job %s: MESIBO_APP_TOKEN is %q, want it from the repository secret", name, got)
		}
		setups := j.uses("hashicorp/setup-terraform")
		if len(setups) != 1 || setups[0].With["terraform_version"] != "${{ env.TF_VERSION }}" {
			t.Errorf("job %s: setup-terraform must install ${{ env.TF_VERSION }}", name)
		}
		var labels []string
		if err := j.RunsOn.Decode(&labels); err != nil {
			var label string
			if err := j.RunsOn.Decode(&label); err != nil {
				t.Fatalf("job %s: runs-on: %v", name, err)
			}
			labels = []string{label}
		}
		for _, l := range labels {
			if hosted.MatchString(l) {
				t.Errorf("job %s runs on %q, a GitHub-hosted runner whose address changes from job to job (TOKENBREACH)", name, l)
			}
		}
	}
}

// TestBackendLocksTheState checks that the backend stanza keeps the state
// remotely with a lock.
func TestBackendLocksTheState(t *testing.T) {
	file, diags := hclparse.NewParser().ParseHCLFile(backendPath)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		t.Fatalf("%s: unexpected body type %T", backendPath, file.Body)
	}
	var backends []*hclsyntax.Block
	for _, tf := range body.Blocks {
		if tf.Type != "terraform" {
			continue
		}
		for _, b := range tf.Body.Blocks {
			if b.Type == "backend" || b.Type == "cloud" {
				backends = append(backends, b)
			}
		}
	}
	if len(backends) != 1 {
		t.Fatalf("%s should declare one backend (or cloud) block, found %d", backendPath, len(backends))
	}
	b := backends[0]
	// attr returns the value of one of the block's attributes, and whether it
	// is set.
	attr := func(name string) (cty.Value, bool) {
		a, ok := b.Body.Attributes[name]
		if !ok {
			return cty.NilVal, false
		}
		v, diags := a.Expr.Value(&hcl.EvalContext{})
		if diags.HasErrors() {
			t.Fatalf("%s: %s: %s", backendPath, name, diags.Error())
		}
		return v, true
	}
	switch {
	case b.Type == "cloud", len(b.Labels) == 1 && b.Labels[0] == "gcs":
		// HCP Terraform and GCS always lock the state.
	case len(b.Labels) == 1 && b.Labels[0] == "s3":
		for _, name := range []string{"bucket", "key"} {
			if v, ok := attr(name); !ok || v.Type() != cty.String || v.AsString() == "" {
				t.Errorf("the s3 backend must name its %s", name)
			}
		}
		lockfile, ok := attr("use_lockfile")
		locked := ok && lockfile.Type() == cty.Bool && lockfile.True()
		if _, dynamo := attr("dynamodb_table"); !locked && !dynamo {
			t.Error("the s3 backend does not lock the state: set use_lockfile = true (or a dynamodb_table)")
		}
	default:
		t.Errorf("backend %q: use a remote backend that locks the state (s3, gcs or HCP Terraform)", b.Labels)
	}
}

// TestReadmePointsAtTheCIExample checks that the README links the workflow and
// the backend stanza instead of keeping a copy that could drift from them.
func TestReadmePointsAtTheCIExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, link := range []string{"(examples/ci/github-actions.yml)", "(examples/ci/backend.tf)", "(docs/guides/running-in-ci.md)"} {
		if !strings.Contains(readme, link) {
			t.Errorf("README.md does not link %s", strings.Trim(link, "()"))
		}
	}
	if strings.Contains(readme, "```yaml") {
		t.Error("README.md keeps a copy of a workflow: link examples/ci/github-actions.yml instead")
	}
}

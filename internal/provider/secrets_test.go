package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// The app token and the users' access tokens must never show in what
// Terraform prints or logs, even at TF_LOG=trace, which CI pipelines keep.

// secretWindow is the length of the pieces of a secret searched for: long
// enough that a random match in megabytes of log is out of the question,
// short enough to find a secret that was cut short.
const secretWindow = 12

// findSecrets reports every secret of which a piece of secretWindow
// characters appears in text, which is called what.
func findSecrets(t *testing.T, what, text string, secrets map[string]string) {
	t.Helper()
	for name, s := range secrets {
		if len(s) < secretWindow {
			t.Fatalf("secret %s is too short to search for", name)
		}
		for i := 0; i+secretWindow <= len(s); i++ {
			if at := strings.Index(text, s[i:i+secretWindow]); at >= 0 {
				from, to := max(at-80, 0), min(at+secretWindow+80, len(text))
				t.Errorf("%s shows (part of) %s: …%s…", what, name, text[from:to])
				break
			}
		}
	}
}

// wrapped returns a regular expression that matches the phrases in order,
// anywhere in a text, the words of each separated by any whitespace, since
// Terraform wraps long lines of its error output.
func wrapped(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}

// buildProvider builds the provider binary as it is released and returns
// the directory it is in.
func buildProvider(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the provider: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, "terraform-provider-mesibo"),
		"github.com/mesibo-community/terraform-provider-mesibo")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir
}

// devOverrides writes a CLI configuration that makes Terraform use the
// provider binary in dir.
func devOverrides(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "terraformrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"mesibo-community/mesibo", dir)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// secretsConfig declares three users, a group with them as members and a
// data source listing them. round changes the token rotation trigger and
// the flag; appToken, when set, is written into the provider block.
func secretsConfig(prefix string, round, maxRetries int, appToken string) string {
	tokenLine := ""
	if appToken != "" {
		tokenLine = fmt.Sprintf("app_token = %q", appToken)
	}
	return requiredProviders + fmt.Sprintf(`
provider "mesibo" {
  max_retries = %d
  %s
}

resource "mesibo_user" "u" {
  count   = 3
  address = "%s-${count.index}"
  app_id  = "com.example.secrets"
  flag    = %d
  token_rotation_triggers = {
    round = "%d"
  }
}

resource "mesibo_group" "g" {
  name = "%s-group"
}

resource "mesibo_group_membership" "m" {
  gid     = mesibo_group.g.gid
  members = mesibo_user.u[*].address
}

data "mesibo_users" "all" {
  address    = "%s-*"
  depends_on = [mesibo_user.u]
}

output "users_found" {
  value = length(data.mesibo_users.all.users)
}
`, maxRetries, tokenLine, prefix, round%2, round, prefix, prefix)
}

// echoServer is a broken server that puts what it was sent, the app token
// included, into its answers, as some proxies and misconfigured servers do.
type echoServer struct {
	mu   sync.Mutex
	mode string
	// accessToken is a secret the server answers inside a cut-short list of
	// users, the way an access token would be.
	accessToken string
}

func (s *echoServer) setMode(m string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	mode := s.mode
	s.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	form := requestForm(raw)
	token := form.Get("token")
	switch mode {
	case "api-error":
		// A failure whose cause and properties quote the token.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"op":%q,"result":false,"error":"AUTHFAIL","code":401,"cause":"token %s is not valid","properties":["token=%s"]}`,
			form.Get("op"), token, token)
	case "proxy-page":
		// A proxy's error page quoting the request body.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><body>bad gateway for %s</body></html>", raw)
	case "cut-answer":
		// An answer cut short right after an access token.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"op":"usersget","result":true,"users":[{"address":"a","token":"%s","uid":`, s.accessToken)
	default:
		http.Error(w, "no mode", http.StatusInternalServerError)
	}
}

// secretsRun drives the released provider binary through the Terraform CLI
// at TF_LOG=trace, keeping everything Terraform printed.
type secretsRun struct {
	t   *testing.T
	tf  *tfexec.Terraform
	dir string
	rc  string
	// stdout and stderr of every command, apart: terraform-exec copies the
	// two streams in goroutines of their own, so one shared buffer would be
	// written concurrently and could interleave the pieces of a secret.
	stdout, stderr bytes.Buffer
	shown          []string // plan and state renderings, error texts
}

func (r *secretsRun) useEnv(endpoint, appToken string) {
	r.t.Helper()
	env := cliEnv(map[string]string{"TF_CLI_CONFIG_FILE": r.rc, envEndpoint: endpoint})
	if appToken != "" {
		env[envAppToken] = appToken
	}
	if err := r.tf.SetEnv(env); err != nil {
		r.t.Fatal(err)
	}
}

func (r *secretsRun) write(hcl string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// ok fails the test when err is not nil.
func (r *secretsRun) ok(what string, err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
}

// fails expects err and keeps its text, which must match want.
func (r *secretsRun) fails(what string, err error, want *regexp.Regexp) {
	r.t.Helper()
	if err == nil {
		r.t.Fatalf("%s succeeded, want an error", what)
	}
	r.shown = append(r.shown, err.Error())
	if !want.MatchString(err.Error()) {
		r.t.Errorf("%s failed with an error that does not match %s:\n%v", what, want, err)
	}
}

// show renders a plan or state file as a person reads it.
func (r *secretsRun) show(ctx context.Context, file string) string {
	r.t.Helper()
	out, err := r.tf.ShowPlanFileRaw(ctx, file)
	r.ok("terraform show "+file, err)
	r.shown = append(r.shown, out)
	return out
}

// Plan, apply, refresh, failing calls and destroy with TF_LOG=trace: the
// provider's debug and trace lines are in the log, and no token, nor any
// part of one, is in the log, the output, the plans or the errors.
func TestAccSecrets_neverShownAtTraceLevel(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	e := newTestEmulator(t, emulator.Options{})
	echo := &echoServer{accessToken: randomHex(32)}
	echoHS := httptest.NewServer(echo)
	t.Cleanup(echoHS.Close)
	wrongToken, echoToken := randomHex(24), randomHex(24)
	secrets := map[string]string{
		"the app token":                    e.token,
		"the wrong app token":              wrongToken,
		"the app token sent to the echoer": echoToken,
		"the access token in a cut answer": echo.accessToken,
	}
	userTokens := func(when string) {
		for _, u := range e.Snapshot().Users {
			secrets[fmt.Sprintf("the access token of %s %s", u.Address, when)] = u.Token
		}
	}

	logPath := filepath.Join(t.TempDir(), "terraform.log")
	r := &secretsRun{t: t, dir: t.TempDir(), rc: devOverrides(t, buildProvider(t))}
	// The Terraform commands get their time after the build, which takes
	// long with a cold Go build cache: the bound only stops a hung command.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tf, err := tfexec.NewTerraform(r.dir, terraformPath(t))
	r.ok("terraform-exec", err)
	r.tf = tf
	r.ok("TF_LOG_PATH", tf.SetLogPath(logPath))
	r.ok("TF_LOG", tf.SetLog("TRACE"))
	tf.SetStdout(&r.stdout)
	tf.SetStderr(&r.stderr)
	// The token comes from the environment, as CI pipelines pass it.
	r.useEnv(e.endpoint, e.token)
	prefix := uniquePrefix()

	r.write(secretsConfig(prefix, 1, 2, ""))
	_, err = tf.Plan(ctx, tfexec.Out("create.tfplan"))
	r.ok("plan", err)
	r.show(ctx, "create.tfplan")
	r.ok("apply", tf.Apply(ctx, tfexec.DirOrPlan("create.tfplan")))
	userTokens("after create")
	if len(e.Snapshot().Users) != 3 {
		t.Fatalf("the apply created %d users, want 3", len(e.Snapshot().Users))
	}

	// A new round issues new tokens; the plan shows them as sensitive.
	r.write(secretsConfig(prefix, 2, 2, ""))
	_, err = tf.Plan(ctx, tfexec.Out("rotate.tfplan"))
	r.ok("plan", err)
	if plan := r.show(ctx, "rotate.tfplan"); !strings.Contains(plan, "access_token") || !strings.Contains(plan, "(sensitive value)") {
		t.Errorf("the rotation plan does not show access_token as a sensitive value:\n%s", plan)
	}
	r.ok("apply", tf.Apply(ctx, tfexec.DirOrPlan("rotate.tfplan")))
	userTokens("after rotation")
	r.ok("refresh", tf.Refresh(ctx))
	if state := r.show(ctx, "terraform.tfstate"); !strings.Contains(state, "(sensitive value)") {
		t.Errorf("the state rendering does not hide the access tokens:\n%s", state)
	}

	// Another rotation while every answer is broken after the work is done:
	// the new tokens were issued, and the answers that carried them were
	// lost in errors.
	e.SetFaults(1, emulator.FaultGarbage, emulator.FaultTruncate)
	r.write(secretsConfig(prefix, 3, 0, ""))
	r.fails("apply under faults", tf.Apply(ctx, tfexec.Refresh(false)),
		regexp.MustCompile(`Unable to Update Mesibo User[\s\S]*(not\s+JSON|truncated\s+or\s+malformed\s+JSON)`))
	e.SetFaults(0)
	userTokens("issued in a lost answer")

	// A wrong app token, written into the provider block.
	r.write(secretsConfig(prefix, 3, 0, wrongToken))
	_, err = tf.Plan(ctx)
	r.fails("plan with a wrong app token", err, wrapped("AUTHFAIL", "invalid app token"))

	// A server that echoes the token back, in three ways.
	r.write(secretsConfig(prefix, 3, 0, ""))
	r.useEnv(echoHS.URL+"/api.php", echoToken)
	for mode, want := range map[string]*regexp.Regexp{
		"api-error":  wrapped("AUTHFAIL (401): token *** is not valid [parameters: token=***]"),
		"proxy-page": wrapped("HTTP 502", "token=***"),
		"cut-answer": wrapped("truncated or malformed JSON", `token\":\"***`),
	} {
		echo.setMode(mode)
		_, err := tf.Plan(ctx)
		r.fails("plan against a server answering "+mode, err, want)
	}

	r.useEnv(e.endpoint, e.token)
	r.ok("destroy", tf.Destroy(ctx))
	if snap := e.Snapshot(); len(snap.Users) != 0 || len(snap.Groups) != 0 {
		t.Errorf("destroy left %d users and %d groups", len(snap.Users), len(snap.Groups))
	}

	logBytes, err := os.ReadFile(logPath)
	r.ok("reading the log", err)
	log := string(logBytes)
	// The log is only evidence if it holds the provider's own lines, at
	// debug and trace level, from calls that worked and calls that failed.
	for _, line := range []string{"Mesibo API request", "Mesibo API answer", "Mesibo API call succeeded",
		"Mesibo API call failed", "Mesibo user created", "token:***"} {
		if !strings.Contains(log, line) {
			t.Errorf("the trace log (%d bytes) has no provider line %q: the provider's logs were not captured", len(log), line)
		}
	}
	// Likewise the output: applies that worked and errors that were printed.
	if !strings.Contains(r.stdout.String(), "Apply complete!") {
		t.Errorf("Terraform's output (%d bytes) has no %q: the output was not captured", r.stdout.Len(), "Apply complete!")
	}
	if !strings.Contains(r.stderr.String(), "Error:") {
		t.Errorf("Terraform's error output (%d bytes) has no %q: the error output was not captured", r.stderr.Len(), "Error:")
	}
	t.Logf("searched %d bytes of trace log, %d bytes of output, %d bytes of error output and %d plans, states and errors for %d secrets",
		len(log), r.stdout.Len(), r.stderr.Len(), len(r.shown), len(secrets))
	findSecrets(t, "the trace log", log, secrets)
	findSecrets(t, "Terraform's output", r.stdout.String(), secrets)
	findSecrets(t, "Terraform's error output", r.stderr.String(), secrets)
	for _, s := range r.shown {
		findSecrets(t, "a plan, state or error", s, secrets)
	}
}

// The provider schema marks app_token sensitive, so Terraform hides it in
// plans and in provider configuration shown to users; mesibo_user marks
// access_token sensitive.
func TestSecrets_sensitiveInSchema(t *testing.T) {
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
	}
	check := func(where string, block *tfprotov6.SchemaBlock, name string) {
		t.Helper()
		if block == nil {
			t.Errorf("%s has no schema", where)
			return
		}
		for _, a := range block.Attributes {
			if a.Name == name {
				if !a.Sensitive {
					t.Errorf("%s.%s is not sensitive", where, name)
				}
				return
			}
		}
		t.Errorf("%s has no attribute %s", where, name)
	}
	check("the provider", resp.Provider.Block, "app_token")
	user, ok := resp.ResourceSchemas["mesibo_user"]
	if !ok {
		t.Fatal("no mesibo_user schema")
	}
	check("mesibo_user", user.Block, "access_token")
}

// access_token is sensitive in the state and in the plan that rotates it.
func TestAccSecrets_accessTokenSensitiveInState(t *testing.T) {
	e := newTestEmulator(t, emulator.Options{})
	address := uniquePrefix() + "-dora"
	res := "mesibo_user.test"
	cfg := func(round string) string {
		return e.providerBlock("") + userConfig(address, fmt.Sprintf(`
  app_id = "com.example.chat"
  token_rotation_triggers = {
    round = %q
  }`, round))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesWith(nil),
		Steps: []resource.TestStep{
			{
				Config: cfg("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(res, tfjsonpath.New("access_token")),
				},
			},
			{
				Config: cfg("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(res, tfjsonpath.New("access_token")),
						plancheck.ExpectSensitiveValue(res, tfjsonpath.New("access_token")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(res, tfjsonpath.New("access_token")),
				},
			},
		},
	})
}

package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

func TestQuietLogLevels(t *testing.T) {
	off := map[string]string{
		"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER_MESIBO": "OFF",
	}
	base := []string{"PATH=/usr/bin", "HOME=/root", "MESIBO_APP_TOKEN=secret"}
	for _, c := range []struct {
		name  string
		debug bool
		env   []string
		want  map[string]string
	}{
		{name: "no logging variable", want: off},
		// Terraform keeps no provider log line for these alone.
		{name: "core logs only", env: []string{"TF_LOG_CORE=TRACE", "TF_LOG_PATH=/tmp/tf.log"}, want: off},
		{name: "cloud logs only", env: []string{"TF_LOG_CLOUD=DEBUG"}, want: off},
		{name: "empty TF_LOG", env: []string{"TF_LOG="}, want: off},
		{name: "TF_LOG", env: []string{"TF_LOG=trace"}},
		{name: "TF_LOG=json", env: []string{"TF_LOG=JSON"}},
		{name: "TF_LOG_PROVIDER", env: []string{"TF_LOG_PROVIDER=DEBUG"}},
		{name: "this provider's level", env: []string{"TF_LOG_PROVIDER_MESIBO=debug"}},
		{name: "another provider's level", env: []string{"TF_LOG_PROVIDER_AWS=debug"}},
		{name: "SDK level", env: []string{"TF_LOG_SDK=INFO"}},
		{name: "framework level", env: []string{"TF_LOG_SDK_FRAMEWORK=trace"}},
		{name: "protocol level", env: []string{"TF_LOG_SDK_PROTO=trace"}},
		{name: "protocol data directory", env: []string{"TF_LOG_SDK_PROTO_DATA_DIR=/tmp/proto"}},
		{name: "a user's OFF is theirs", env: []string{"TF_LOG_SDK_FRAMEWORK=off"}},
		{name: "lower-case name, as Windows allows", env: []string{"tf_log=trace"}},
		{name: "debugger attached", debug: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := quietLogLevels(c.debug, append(append([]string(nil), base...), c.env...))
			if !maps.Equal(got, c.want) {
				t.Fatalf("quietLogLevels(%v, %v) = %v, want %v", c.debug, c.env, got, c.want)
			}
		})
	}
}

// The provider built as it is released, run by Terraform: it writes nothing
// to its stderr when Terraform would throw its logs away, and its usual log
// lines when a logging variable asks for them.
func TestAccProviderLogsOnlyWhenAskedFor(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs Terraform and a built provider; set TF_ACC=1")
	}
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		var err error
		if terraform, err = exec.LookPath("terraform"); err != nil {
			t.Fatalf("the Terraform CLI must be on PATH (or named by TF_ACC_TERRAFORM_PATH): %v", err)
		}
	}
	tmp := t.TempDir()

	// Terraform runs a wrapper that sends the provider's stderr, where its
	// log lines go, to the file that the test names for each command.
	built := filepath.Join(tmp, "real", "terraform-provider-mesibo")
	if out, err := exec.Command("go", "build", "-o", built, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	plugins := filepath.Join(tmp, "plugins")
	wrapper := "#!/bin/sh\nexec '" + built + "' \"$@\" 2>>\"$MESIBO_TEST_PROVIDER_STDERR\"\n"
	writeFile(t, filepath.Join(plugins, "terraform-provider-mesibo"), wrapper, 0o755)
	rc := filepath.Join(tmp, "terraformrc")
	writeFile(t, rc, "provider_installation {\n  dev_overrides {\n    \"mesibo-community/mesibo\" = \""+plugins+
		"\"\n  }\n  direct {}\n}\n", 0o600)

	token := randomHex(t)
	emu, err := emulator.New(emulator.Options{AppToken: token})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(emu)
	t.Cleanup(hs.Close)

	work := filepath.Join(tmp, "work")
	writeFile(t, filepath.Join(work, "main.tf"), `
terraform {
  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

provider "mesibo" {}

resource "mesibo_user" "u" {
  for_each = toset(["log-a", "log-b"])
  address  = each.key
  app_id   = "com.example.logs"
}

resource "mesibo_group" "g" {
  name = "logs"
}

resource "mesibo_group_membership" "m" {
  gid     = mesibo_group.g.gid
  members = [for u in mesibo_user.u : u.address]
}
`, 0o644)

	// terraformRun runs a command with only the given logging variables and
	// returns what the provider wrote to its stderr.
	n := 0
	terraformRun := func(logEnv map[string]string, args ...string) string {
		t.Helper()
		n++
		stderrFile := filepath.Join(tmp, fmt.Sprintf("provider-stderr-%d", n))
		cmd := exec.Command(terraform, args...)
		cmd.Dir = work
		for _, kv := range os.Environ() {
			name, _, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(strings.ToUpper(name), "TF_") || strings.HasPrefix(name, "MESIBO_") {
				continue
			}
			cmd.Env = append(cmd.Env, kv)
		}
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
			"MESIBO_ENDPOINT="+hs.URL+"/api.php", "MESIBO_APP_TOKEN="+token,
			"MESIBO_TEST_PROVIDER_STDERR="+stderrFile)
		for k, v := range logEnv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("terraform %v with %v: %v\n%s", args, logEnv, err, out)
		}
		b, err := os.ReadFile(stderrFile)
		if err != nil {
			t.Fatalf("the provider was not run (%v)", err)
		}
		return string(b)
	}

	if out := terraformRun(nil, "apply", "-auto-approve", "-input=false"); out != "" {
		t.Errorf("with no logging variable, the provider wrote %d bytes to stderr:\n%.2000s", len(out), out)
	}
	if snap := emu.Snapshot(); len(snap.Users) != 2 || len(snap.Groups) != 1 {
		t.Fatalf("the silent apply did not do its work: %d users, %d groups", len(snap.Users), len(snap.Groups))
	}

	// Lines that a refreshing plan logs, by who writes them.
	framework := `"@module":"sdk.framework"`
	proto := `"@module":"sdk.proto"`
	ownLine := "Mesibo API call succeeded"
	for _, c := range []struct {
		env         map[string]string
		want, avoid []string
	}{
		{env: nil, avoid: []string{"@"}},
		{env: map[string]string{"TF_LOG_CORE": "TRACE", "TF_LOG_PATH": filepath.Join(tmp, "core.log")}, avoid: []string{"@"}},
		{env: map[string]string{"TF_LOG": "TRACE", "TF_LOG_PATH": filepath.Join(tmp, "trace.log")},
			want: []string{framework, proto, ownLine, `"@level":"trace"`, "plugin address"}},
		{env: map[string]string{"TF_LOG_PROVIDER": "DEBUG"}, want: []string{framework, proto, ownLine}},
		{env: map[string]string{"TF_LOG_PROVIDER_MESIBO": "DEBUG"}, want: []string{ownLine, framework}},
		{env: map[string]string{"TF_LOG_SDK_FRAMEWORK": "TRACE"}, want: []string{framework, ownLine}},
	} {
		out := terraformRun(c.env, "plan", "-input=false", "-detailed-exitcode")
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("with %v, the provider's stderr (%d bytes) lacks %s", c.env, len(out), w)
			}
		}
		for _, a := range c.avoid {
			if strings.Contains(out, a) {
				t.Errorf("with %v, the provider wrote log lines:\n%.2000s", c.env, out)
			}
		}
	}

	if out := terraformRun(nil, "destroy", "-auto-approve", "-input=false"); out != "" {
		t.Errorf("with no logging variable, the provider wrote to stderr during destroy:\n%.2000s", out)
	}
	if snap := emu.Snapshot(); len(snap.Users) != 0 || len(snap.Groups) != 0 {
		t.Errorf("destroy left %d users and %d groups", len(snap.Users), len(snap.Groups))
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestStartCPUProfile(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "plan")
	stop, err := startCPUProfile(prefix)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	b, err := os.ReadFile(fmt.Sprintf("%s.%d.pprof", prefix, os.Getpid()))
	if err != nil || len(b) == 0 {
		t.Fatalf("no profile written: %v", err)
	}
	if _, err := startCPUProfile(filepath.Join(t.TempDir(), "missing", "plan")); err == nil || !strings.Contains(err.Error(), envCPUProfile) {
		t.Fatalf("an unwritable profile should fail naming %s, got %v", envCPUProfile, err)
	}
}

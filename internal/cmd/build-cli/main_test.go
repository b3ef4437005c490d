package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"terraform"},
		{"terraform", "1.15.0", "extra"},
		{"vault", "1.15.0"},
		{"terraform", "latest"},
		{"terraform", "1.15"},
		{"terraform", "1.15.0-rc1"},
		{"-nosuchflag", "terraform", "1.15.0"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
		if stdout.Len() > 0 || stderr.Len() == 0 {
			t.Errorf("run(%q): stdout %q, stderr %q: want the problem on stderr only", args, stdout.String(), stderr.String())
		}
	}
}

func TestDefaultCache(t *testing.T) {
	t.Setenv("MESIBO_CLI_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, want := defaultCache(), "/home/u/.cache/terraform-provider-mesibo/cli"; got != want {
		t.Errorf("defaultCache() = %q, want %q", got, want)
	}
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got, want := defaultCache(), "/xdg/terraform-provider-mesibo/cli"; got != want {
		t.Errorf("with XDG_CACHE_HOME, defaultCache() = %q, want %q", got, want)
	}
	t.Setenv("MESIBO_CLI_CACHE", "/clis")
	if got := defaultCache(); got != "/clis" {
		t.Errorf("with MESIBO_CLI_CACHE, defaultCache() = %q", got)
	}
}

// fakeCLI writes an executable that prints versionLine as `version` would.
func fakeCLI(t *testing.T, path, versionLine string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho '" + versionLine + "'\necho 'on linux_amd64'\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestRunReusesABinaryThatReportsTheVersion(t *testing.T) {
	cache := t.TempDir()
	for _, c := range []struct{ kind, version, path, line string }{
		{"terraform", "1.15.0", "terraform-1.15.0/terraform", "Terraform v1.15.0"},
		{"opentofu", "1.11.0", "opentofu-1.11.0/tofu", "OpenTofu v1.11.0"},
	} {
		path := filepath.Join(cache, c.path)
		fakeCLI(t, path, c.line)
		var stdout, stderr bytes.Buffer
		// "v1.15.0" as well as "1.15.0".
		if err := run(context.Background(), []string{"-cache", cache, c.kind, "v" + c.version}, &stdout, &stderr); err != nil {
			t.Fatalf("%s %s: %v\n%s", c.kind, c.version, err, stderr.String())
		}
		if got := strings.TrimSpace(stdout.String()); got != path {
			t.Errorf("%s %s: printed %q, want %q", c.kind, c.version, got, path)
		}
	}
}

func TestRunDoesNotReuseABinaryOfAnotherVersion(t *testing.T) {
	cache := t.TempDir()
	path := filepath.Join(cache, "terraform-0.0.1", "terraform")
	// A development build reports 0.0.1-dev; it is not the release.
	fakeCLI(t, path, "Terraform v0.0.1-dev")
	// No proxy: the rebuild fails at once instead of downloading.
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-cache", cache, "terraform", "0.0.1"}, &stdout, &stderr)
	if err == nil {
		t.Fatalf("run reused or built a binary: printed %q", stdout.String())
	}
	if stdout.Len() > 0 {
		t.Errorf("a failed build printed a path: %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), `reports "Terraform v0.0.1-dev", want "Terraform v0.0.1"`) {
		t.Errorf("the log does not say why the binary is rebuilt:\n%s", stderr.String())
	}
	if !strings.Contains(err.Error(), "go mod download github.com/hashicorp/terraform@v0.0.1") {
		t.Errorf("error %v does not name the download that failed", err)
	}
}

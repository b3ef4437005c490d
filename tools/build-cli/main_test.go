package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
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

// fakeProxy serves, as a GOPROXY=file:// directory, a module whose main
// package prints versionLine for `version`, and returns the proxy's URL.
func fakeProxy(t *testing.T, mod, version, versionLine string) string {
	t.Helper()
	src := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":  "module " + mod + "\n\ngo 1.22\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(" + strconv.Quote(versionLine) + ")\n\tfmt.Println(\"on linux_amd64\")\n}\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	proxy := t.TempDir()
	at := filepath.Join(proxy, filepath.FromSlash(mod), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	if err := modzip.CreateFromDir(&zipped, module.Version{Path: mod, Version: version}, src); err != nil {
		t.Fatal(err)
	}
	gomod, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	for name, content := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2026-01-01T00:00:00Z"}`),
		version + ".mod":  gomod,
		version + ".zip":  zipped.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(proxy)
}

// isolateModules points the go commands at proxy and at a module cache of
// the test's own, removed afterwards (its files are read-only).
func isolateModules(t *testing.T, proxy string) {
	t.Helper()
	modcache := t.TempDir()
	// Runs before TempDir's own removal, which read-only files would fail.
	t.Cleanup(func() { removeAll(modcache) })
	t.Setenv("GOMODCACHE", modcache)
	t.Setenv("GOPROXY", proxy)
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GONOSUMDB", "")
	t.Setenv("GOPRIVATE", "")
}

// Two runs building the same CLI at once, as two test jobs sharing a cache
// do, both succeed: neither removes or replaces the binary the other is
// checking.
func TestEnsureTwoRunsAtOnce(t *testing.T) {
	const mod, version = "example.com/fakecli", "1.2.3"
	isolateModules(t, fakeProxy(t, mod, "v"+version, "FakeCLI v"+version))
	fake := cli{kind: "fakecli", module: mod, pkg: ".", binary: "fakecli", product: "FakeCLI"}
	dir := filepath.Join(t.TempDir(), "fakecli-"+version)

	// Both runs build before either checks its binary and moves it into
	// place: the interleaving that used to fail.
	const runs = 2
	var arrived sync.WaitGroup
	arrived.Add(runs)
	allBuilt := make(chan struct{})
	go func() { arrived.Wait(); close(allBuilt) }()
	built := func(arrivedHere *bool) func() {
		return func() {
			*arrivedHere = true
			arrived.Done()
			select {
			case <-allBuilt:
			case <-time.After(2 * time.Minute):
				t.Error("the other run never finished its build")
			}
		}
	}

	var wg sync.WaitGroup
	paths := make([]string, runs)
	errs := make([]error, runs)
	logs := make([]bytes.Buffer, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var arrivedHere bool
			b := builder{cli: fake, version: version, log: &logs[i], built: built(&arrivedHere)}
			paths[i], errs[i] = b.ensure(context.Background(), dir)
			if !arrivedHere {
				arrived.Done() // a run that failed before its build must not hold the other
			}
		}()
	}
	wg.Wait()
	want := filepath.Join(dir, "fakecli")
	for i := range runs {
		if errs[i] != nil {
			t.Fatalf("run %d: %v\n%s", i, errs[i], logs[i].String())
		}
		if paths[i] != want {
			t.Errorf("run %d returned %q, want %q", i, paths[i], want)
		}
	}
	out, err := exec.Command(want, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "FakeCLI v"+version+"\n") {
		t.Fatalf("%s version: %q, %v", want, out, err)
	}
	// Nothing of either build is left beside the binary.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "fakecli" {
		t.Errorf("the CLI's directory holds %q, want only fakecli", names)
	}
}

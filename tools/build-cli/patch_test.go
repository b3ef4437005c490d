package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// initGo has the shape of Terraform's internal/backend/init/init.go.
const initGo = `package init

import (
	"sync"

	"example.com/tf/internal/backend"
	backendLocal "example.com/tf/internal/backend/local"
	backendConsul "example.com/tf/internal/backend/remote-state/consul"
	backendHTTP "example.com/tf/internal/backend/remote-state/http"
	"example.com/tf/internal/backend/remote-state/s3"
)

var backends map[string]backend.InitFn
var mu sync.Mutex

func Init() {
	backends = map[string]backend.InitFn{
		"local": func() backend.Backend { return backendLocal.New() },

		// Remote State backends.
		"consul": func() backend.Backend { return backendConsul.New() },
		"http":   func() backend.Backend { return backendHTTP.New() },
		"s3": func() backend.Backend {
			return s3.New()
		},
	}
}
`

func TestDropImportsRemovesImportsAndTheirMapEntries(t *testing.T) {
	modules := []string{"example.com/tf/internal/backend/remote-state/consul", "example.com/tf/internal/backend/remote-state/s3"}
	got, removed, err := dropImports("init.go", []byte(initGo), modules)
	if err != nil {
		t.Fatal(err)
	}
	want := `package init

import (
	"sync"

	"example.com/tf/internal/backend"
	backendLocal "example.com/tf/internal/backend/local"
	backendHTTP "example.com/tf/internal/backend/remote-state/http"
)

var backends map[string]backend.InitFn
var mu sync.Mutex

func Init() {
	backends = map[string]backend.InitFn{
		"local": func() backend.Backend { return backendLocal.New() },

		// Remote State backends.
		"http": func() backend.Backend { return backendHTTP.New() },
	}
}
`
	if string(got) != want {
		t.Errorf("patched file:\n%s\nwant:\n%s", got, want)
	}
	if len(removed) != 4 {
		t.Errorf("removed %q, want two imports and two entries", removed)
	}
}

func TestDropImportsLeavesOtherFilesAlone(t *testing.T) {
	got, removed, err := dropImports("init.go", []byte(initGo), []string{"example.com/other"})
	if err != nil || removed != nil || string(got) != initGo {
		t.Fatalf("a file importing none of the modules changed: removed %q, err %v", removed, err)
	}
	// A module whose path is a prefix of an imported one, but not a parent.
	if _, removed, _ := dropImports("init.go", []byte(initGo), []string{"example.com/tf/internal/backend/remote-state/s"}); removed != nil {
		t.Fatalf("removed %q for a module that is only a string prefix", removed)
	}
}

func TestDropImportsRefusesWhatItDoesNotUnderstand(t *testing.T) {
	for name, src := range map[string]string{
		"another use": strings.Replace(initGo, "func Init() {", "func Init() {\n\t_ = backendConsul.Name", 1),
		"an entry sharing its line": strings.Replace(initGo,
			`"local": func() backend.Backend { return backendLocal.New() },`,
			`"local": func() backend.Backend { return backendLocal.New() }, "c": func() backend.Backend { return backendConsul.New() },`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := dropImports("init.go", []byte(src), []string{"example.com/tf/internal/backend/remote-state/consul"})
			if err == nil {
				t.Fatal("dropImports patched code it cannot patch safely")
			}
		})
	}
}

func TestPatchSourceDropsOnlyMissingLocalReplaces(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", `module example.com/tf

go 1.25

require (
	example.com/tf/internal/backend/remote-state/consul v0.0.0
	example.com/tf/internal/backend/remote-state/kept v0.0.0
	github.com/hashicorp/hcl/v2 v2.24.0
)

replace example.com/tf/internal/backend/remote-state/consul => ./internal/backend/remote-state/consul

replace example.com/tf/internal/backend/remote-state/kept => ./internal/backend/remote-state/kept

replace github.com/hashicorp/hcl/v2 v2.24.0 => github.com/opentofu/hcl/v2 v2.0.0
`)
	keptMod := "module example.com/tf/internal/backend/remote-state/kept\n\nrequire example.com/tf/internal/backend/remote-state/consul v0.0.0\n"
	write("internal/backend/remote-state/kept/go.mod", keptMod)
	// A nested module builds apart from the CLI: even a file that imports a
	// dropped module is left as it is.
	keptSrc := strings.Replace(initGo, "package init", "package kept", 1)
	write("internal/backend/remote-state/kept/kept.go", keptSrc)
	write("internal/backend/init/init.go", initGo)
	testSrc := strings.Replace(initGo, "package init", "package init_test", 1)
	write("internal/backend/init/init_test.go", testSrc)

	var log []string
	logf := func(format string, args ...any) { log = append(log, format) }
	if err := patchSource(dir, logf); err != nil {
		t.Fatal(err)
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	for _, gone := range []string{"remote-state/consul"} {
		if strings.Contains(string(gomod), gone) {
			t.Errorf("go.mod still names %s:\n%s", gone, gomod)
		}
	}
	for _, kept := range []string{"remote-state/kept v0.0.0", "=> ./internal/backend/remote-state/kept", "=> github.com/opentofu/hcl/v2 v2.0.0"} {
		if !strings.Contains(string(gomod), kept) {
			t.Errorf("go.mod lost %q:\n%s", kept, gomod)
		}
	}
	initSrc, _ := os.ReadFile(filepath.Join(dir, "internal/backend/init/init.go"))
	if strings.Contains(string(initSrc), "consul") || !strings.Contains(string(initSrc), "s3.New()") {
		t.Errorf("init.go patched wrongly:\n%s", initSrc)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "internal/backend/remote-state/kept/kept.go")); string(got) != keptSrc {
		t.Errorf("a Go file of a nested module was patched:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "internal/backend/remote-state/kept/go.mod")); string(got) != keptMod {
		t.Errorf("a nested module's go.mod was rewritten:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "internal/backend/init/init_test.go")); string(got) != testSrc {
		t.Error("a test file was patched: tests are not built")
	}
	if len(log) == 0 {
		t.Error("the patch logged nothing")
	}
}

func TestPatchSourceWithNothingToDrop(t *testing.T) {
	dir := t.TempDir()
	gomod := "module example.com/tf\n\ngo 1.20\n\nrequire github.com/hashicorp/hcl/v2 v2.24.0\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := patchSource(dir, t.Logf); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "go.mod")); string(got) != gomod {
		t.Fatalf("go.mod was rewritten:\n%s", got)
	}
}

func TestDropGodebug(t *testing.T) {
	p := filepath.Join(t.TempDir(), "go.mod")
	if err := os.WriteFile(p, []byte("module example.com/tf\n\ngo 1.24\n\ngodebug tlskyber=0\n\ngodebug winsymlink=0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := dropGodebug(p, "tlskyber"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if strings.Contains(string(got), "tlskyber") || !strings.Contains(string(got), "winsymlink=0") {
		t.Fatalf("go.mod after dropping tlskyber:\n%s", got)
	}
}

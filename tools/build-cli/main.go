// Command build-cli builds a Terraform or OpenTofu CLI of a given version from
// its source on the Go module proxy, so that the acceptance tests can run on
// every CLI the provider supports without downloading a release binary.
//
//	build-cli [-cache DIR] terraform|opentofu VERSION
//
// It prints the path of the binary on stdout, DIR/<kind>-<version>/terraform
// (or .../tofu), after building it there unless a binary that reports exactly
// that version is already in place. Progress goes to stderr.
//
// `go install MODULE@VERSION` cannot build either CLI: both go.mod files have
// replace directives, which go install refuses. So build-cli:
//  1. downloads the module with `go mod download` and copies its source to a
//     scratch directory;
//  2. drops every `replace X => ./dir` whose directory is not in the module
//     zip (Terraform 1.6 and later: the nested modules of the azurerm,
//     consul, cos, gcs, kubernetes, oss, pg, s3 and oci state backends, and
//     internal/legacy), with its require line, the imports of X and the map
//     entries that use them (internal/backend/init). The CLI built lacks
//     those state backends, which has no bearing on a provider;
//  3. builds as the release workflows do: CGO_ENABLED=0, -trimpath, and
//     version.dev=no, without which the CLI reports VERSION-dev, a
//     prerelease that sorts below VERSION in version checks. A `godebug`
//     setting this Go no longer knows (Terraform 1.11 has tlskyber=0) is
//     dropped and the build retried;
//  4. checks that the binary, built in a directory of this run's own,
//     reports the version asked for, and only then renames it into place:
//     several runs may build the same CLI at once.
//
// It is a module of its own under tools/, so that golang.org/x/mod stays
// out of the provider's requirements.
//
// It needs Go at least as new as the CLI's go.mod asks for (GOTOOLCHAIN is
// set to local: nothing is downloaded but modules), and the module proxy.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/modfile"
)

// main runs with a context that an interrupt cancels, and exits 0 on success
// or help, 2 after a usage error and 1 after any other error, which it
// prints. (The provider's commands share internal/cmd/cmdmain for this; a
// tool in its own module cannot import the provider's internal packages.)
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// errUsage marks command-line errors that were already reported.
var errUsage = errors.New("usage error")

// exitCode is the exit status of a run that ended with err, which it reports
// on stderr when it is neither help nor a usage error.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "build-cli: %v\n", err)
	return 1
}

const usageText = `Usage: build-cli [-cache DIR] terraform|opentofu VERSION

Builds the Terraform or OpenTofu CLI of VERSION from the Go module proxy into
DIR/<kind>-<version>/ and prints the binary's path. A binary already there
that reports VERSION is reused.

Examples:
  build-cli terraform 1.15.0
  build-cli -cache /tmp/clis opentofu 1.11.0

Flags:
`

// cli is what differs between Terraform and OpenTofu.
type cli struct {
	kind    string // terraform or opentofu, as in the cache directory's name
	module  string // the Go module of its source
	pkg     string // the main package, relative to the module root
	binary  string // the executable's name
	product string // the first word of `<binary> version`
}

var clis = map[string]cli{
	"terraform": {kind: "terraform", module: "github.com/hashicorp/terraform", pkg: ".", binary: "terraform", product: "Terraform"},
	"opentofu":  {kind: "opentofu", module: "github.com/opentofu/opentofu", pkg: "./cmd/tofu", binary: "tofu", product: "OpenTofu"},
}

// versionRE is a release version: no prerelease, which the module proxy
// would serve but the tests never ask for.
var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// defaultCache is ${MESIBO_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-mesibo/cli}.
func defaultCache() string {
	if d := os.Getenv("MESIBO_CLI_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		base = filepath.Join(os.Getenv("HOME"), ".cache")
	}
	return filepath.Join(base, "terraform-provider-mesibo", "cli")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build-cli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	cache := fs.String("cache", defaultCache(), "the cache `directory`; default $MESIBO_CLI_CACHE, or $XDG_CACHE_HOME/terraform-provider-mesibo/cli")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	c, ok := clis[fs.Arg(0)]
	version := strings.TrimPrefix(fs.Arg(1), "v")
	switch {
	case !ok:
		fmt.Fprintf(stderr, "build-cli: unknown CLI %q: want terraform or opentofu\n", fs.Arg(0))
		return errUsage
	case !versionRE.MatchString(version):
		fmt.Fprintf(stderr, "build-cli: %q is not a release version such as 1.15.0\n", fs.Arg(1))
		return errUsage
	case *cache == "":
		fmt.Fprintln(stderr, "build-cli: no cache directory: set -cache, MESIBO_CLI_CACHE or HOME")
		return errUsage
	}
	b := builder{cli: c, version: version, log: stderr}
	path, err := b.ensure(ctx, filepath.Join(*cache, c.kind+"-"+version))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
}

// builder builds one CLI of one version.
type builder struct {
	cli
	version string
	log     io.Writer
	// built, when set, is called between the build and its check (tests).
	built func()
}

func (b builder) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "[build-cli %s %s] %s\n", b.kind, b.version, fmt.Sprintf(format, args...))
}

// ensure returns the path of the CLI in dir, building it unless it is
// already there.
func (b builder) ensure(ctx context.Context, dir string) (string, error) {
	path := filepath.Join(dir, b.binary)
	if _, err := os.Stat(path); err == nil {
		err := b.check(ctx, path)
		if err == nil {
			return path, nil
		}
		b.logf("rebuilding: %v", err)
	}
	start := time.Now()
	scratch, err := os.MkdirTemp("", "build-cli-"+b.kind+"-"+b.version+"-")
	if err != nil {
		return "", err
	}
	defer removeAll(scratch)

	src, err := b.download(ctx)
	if err != nil {
		return "", err
	}
	work := filepath.Join(scratch, "src")
	if err := copyTree(src, work); err != nil {
		return "", fmt.Errorf("copying the source: %w", err)
	}
	if err := patchSource(work, b.logf); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Built in a directory of this run's own beside the final path, and
	// renamed into place once it reports the right version: a failed or
	// interrupted build never leaves a binary that a later run could take
	// for a good one, and two runs building the same CLI at once never
	// touch each other's binary (the later rename replaces the earlier's
	// identical binary in one step).
	private, err := os.MkdirTemp(dir, "."+b.binary+".building-")
	if err != nil {
		return "", err
	}
	defer removeAll(private)
	tmp := filepath.Join(private, b.binary)
	if err := b.build(ctx, work, tmp); err != nil {
		return "", err
	}
	if b.built != nil {
		b.built()
	}
	if err := b.check(ctx, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	b.logf("built %s in %s", path, time.Since(start).Round(time.Second))
	return path, nil
}

// check runs `<path> version` and fails unless its first line is, for
// example, "Terraform v1.15.0".
func (b builder) check(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, path, "version")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+os.DevNull, "TOFU_CLI_CONFIG_FILE="+os.DevNull)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s version: %w", path, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if want := b.product + " v" + b.version; strings.TrimSpace(first) != want {
		return fmt.Errorf("%s reports %q, want %q", path, first, want)
	}
	return nil
}

// download fetches the module into the module cache and returns its
// directory there (read-only).
func (b builder) download(ctx context.Context) (string, error) {
	ref := b.module + "@v" + b.version
	b.logf("go mod download %s", ref)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", ref)
	cmd.Env = goEnv("")
	cmd.Stderr = b.log
	// A failed download still prints its JSON, with the reason in Error.
	out, runErr := cmd.Output()
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: %w (output %q)", ref, errors.Join(runErr, err), out)
	}
	if m.Error != "" || runErr != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", ref, strings.TrimSpace(m.Error+" "+fmt.Sprint(runErr)))
	}
	return m.Dir, nil
}

// goEnv is the environment of the go commands: no toolchain download, no
// cgo (as the release builds), no workspace, and GOFLAGS of our own.
func goEnv(goflags string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOTOOLCHAIN", "CGO_ENABLED", "GOFLAGS", "GOWORK":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false "+goflags)
}

// godebugRE finds the setting in the error of a go.mod with a godebug line
// this Go does not know: `go.mod:5: unknown godebug "tlskyber"`.
var godebugRE = regexp.MustCompile(`unknown godebug "([^"]+)"`)

// needsModUpdateRE finds the errors that -mod=mod cures: the patch dropped
// requirements, and go.sum may then lack an entry.
var needsModUpdateRE = regexp.MustCompile(`missing go\.sum entry|updates to go\.mod needed`)

// build compiles the CLI in src into out, curing the errors the patched
// source may give: an unknown godebug setting (dropped) and a go.sum that
// needs entries (-mod=mod).
func (b builder) build(ctx context.Context, src, out string) error {
	ldflags := fmt.Sprintf("-w -s -X '%s/version.dev=no'", b.module)
	goflags := ""
	for range 5 {
		b.logf("go build %s", strings.TrimSpace(goflags+" "+b.pkg))
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, b.pkg)
		cmd.Dir = src
		cmd.Env = goEnv(goflags)
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if m := godebugRE.FindStringSubmatch(stderr.String()); m != nil {
			b.logf("this Go does not know `godebug %s`: dropping it from go.mod", m[1])
			if err := dropGodebug(filepath.Join(src, "go.mod"), m[1]); err != nil {
				return err
			}
			continue
		}
		if goflags == "" && needsModUpdateRE.MatchString(stderr.String()) {
			b.logf("go.mod or go.sum needs updating after the patch: retrying with -mod=mod")
			goflags = "-mod=mod"
			continue
		}
		return fmt.Errorf("go build: %w\n%s", err, stderr.String())
	}
	return errors.New("go build kept failing after the fixes it knows")
}

// copyTree copies the regular files and directories of src to dst, all
// writable by the owner (the module cache is read-only).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm()|0o200)
	})
}

// removeAll removes a directory tree, making it writable first: go build
// may leave read-only files behind.
func removeAll(dir string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}

// dropGodebug removes the godebug setting key from a go.mod file.
func dropGodebug(gomod, key string) error {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return err
	}
	if err := f.DropGodebug(key); err != nil {
		return err
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return err
	}
	return os.WriteFile(gomod, out, 0o644)
}

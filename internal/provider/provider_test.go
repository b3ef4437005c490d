package provider

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The acceptance tests run against a real Mesibo app when MESIBO_APP_TOKEN
// (and, optionally, MESIBO_ENDPOINT) are set, and otherwise against an
// in-process emulator that TestMain starts and points those variables at.
// Tests that need to see inside the server (call counts, injected faults)
// start an emulator of their own with newTestEmulator, whatever the mode.
//
// MESIBO_REQUEST_FORMAT picks the request format of the whole suite: with
// "json", the emulators are reached at their JSON endpoint, /backend/, and
// the provider (which reads the variable) and the tests' own clients write
// JSON; unset or "form", the emulators are reached at /api.php with form
// parameters. Against a real app the variable reaches the provider and the
// tests' clients the same way.

// testAccProtoV6ProviderFactories serve the provider in-process, configured
// from the environment.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"mesibo": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	// Terraform warns on every command when its CLI configuration file is
	// missing; the tests need none.
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	if os.Getenv("TF_ACC") == "" || os.Getenv(envAppToken) != "" {
		code := m.Run()
		reportCLISkips()
		os.Exit(code)
	}
	if _, err := testRequestFormat(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	token := randomHex(24)
	srv, err := emulator.New(emulator.Options{AppToken: token})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the emulator:", err)
		os.Exit(1)
	}
	hs := httptest.NewServer(srv)
	os.Setenv(envEndpoint, hs.URL+emulatorPath())
	os.Setenv(envAppToken, token)
	code := m.Run()
	hs.Close()
	reportCLISkips()
	os.Exit(code)
}

// testRequestFormat is the request format the suite runs in, from
// MESIBO_REQUEST_FORMAT: "" when it is unset (the endpoint's default).
func testRequestFormat() (mesibo.RequestFormat, error) {
	v := os.Getenv(envRequestFormat)
	if v == "" {
		return "", nil
	}
	f, err := mesibo.ParseRequestFormat(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", envRequestFormat, err)
	}
	return f, nil
}

// emulatorPath is the path of an emulator's API in the suite's request
// format: /backend/ for JSON, /api.php for form parameters.
func emulatorPath() string {
	if f, _ := testRequestFormat(); f == mesibo.FormatJSON {
		return "/backend/"
	}
	return "/api.php"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// testAccGate skips the test unless TF_ACC is set, with the message
// resource.Test skips with: a plain `go test ./...` runs neither the Mesibo
// API nor the Terraform CLI. resource.Test gates the tests it runs, but only
// once it is called; a test that calls the API or drives the CLI before (or
// instead of) resource.Test starts with testAccGate(t).
func testAccGate(t *testing.T) {
	t.Helper()
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("Acceptance tests skipped unless env '%s' set", resource.EnvTfAcc)
	}
}

// requireAcc fails a test that reaches for what only acceptance tests may
// use, named by what, without having called testAccGate first, with the fix
// in the message rather than an error from deep inside.
func requireAcc(t *testing.T, what string) {
	t.Helper()
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Fatalf("%s runs only in acceptance tests: call testAccGate(t) at the top of %s", what, t.Name())
	}
}

// testAccPreCheck fails early when the environment cannot reach Mesibo.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv(envAppToken) == "" {
		t.Fatal(envAppToken + " must be set for acceptance tests (TestMain sets it when it starts the emulator)")
	}
}

// testAccClient is a client for the Mesibo the acceptance tests run against,
// used to make changes outside Terraform and to check what Terraform did.
func testAccClient(t *testing.T) *mesibo.Client {
	t.Helper()
	requireAcc(t, "the Mesibo API")
	format, err := testRequestFormat()
	if err != nil {
		t.Fatal(err)
	}
	c, err := mesibo.New(mesibo.Config{
		Endpoint:      os.Getenv(envEndpoint),
		AppToken:      os.Getenv(envAppToken),
		MaxRetries:    4,
		RequestFormat: format,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uniquePrefix makes addresses that no other test, or earlier run against a
// real app, uses.
func uniquePrefix() string { return "tfacc-" + randomHex(4) }

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

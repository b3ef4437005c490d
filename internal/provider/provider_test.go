package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The acceptance tests run against a real Mesibo app when MESIBO_APP_TOKEN
// (and, optionally, MESIBO_ENDPOINT) are set, and otherwise against an
// in-process emulator that TestMain starts and points those variables at.
// Tests that need to see inside the server (call counts, injected faults)
// start an emulator of their own with newTestEmulator, whatever the mode.

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
	token := randomHex(24)
	srv, err := emulator.New(emulator.Options{AppToken: token})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the emulator:", err)
		os.Exit(1)
	}
	hs := httptest.NewServer(srv)
	os.Setenv(envEndpoint, hs.URL+"/api.php")
	os.Setenv(envAppToken, token)
	code := m.Run()
	hs.Close()
	reportCLISkips()
	os.Exit(code)
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
	c, err := mesibo.New(mesibo.Config{
		Endpoint:   os.Getenv(envEndpoint),
		AppToken:   os.Getenv(envAppToken),
		MaxRetries: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uniquePrefix makes addresses that no other test, or earlier run against a
// real app, uses.
func uniquePrefix() string { return "tfacc-" + randomHex(4) }

// testEmulator is an emulator of a test's own, for assertions about what
// reached the server.
type testEmulator struct {
	*emulator.Server
	endpoint string
	token    string
}

func newTestEmulator(t *testing.T, opts emulator.Options) *testEmulator {
	t.Helper()
	if opts.AppToken == "" {
		opts.AppToken = randomHex(24)
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testEmulator{Server: srv, endpoint: hs.URL + "/api.php", token: opts.AppToken}
}

// client is a client of this emulator, to change Mesibo outside Terraform
// and to check what Terraform did.
func (e *testEmulator) client(t *testing.T) *mesibo.Client {
	t.Helper()
	c, err := mesibo.New(mesibo.Config{Endpoint: e.endpoint, AppToken: e.token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// providerBlock configures the provider for this emulator, with extra
// settings appended.
func (e *testEmulator) providerBlock(extra string) string {
	return fmt.Sprintf("provider \"mesibo\" {\n  endpoint  = %q\n  app_token = %q\n  %s\n}\n", e.endpoint, e.token, extra)
}

// checkDestroyed verifies that nothing the configuration managed is left.
func checkDestroyed(t *testing.T) func(*terraform.State) error {
	return func(s *terraform.State) error {
		c := testAccClient(t)
		ctx := context.Background()
		for _, rs := range s.RootModule().Resources {
			switch rs.Type {
			case "mesibo_user":
				u, err := c.FindUser(ctx, rs.Primary.Attributes["address"])
				if err == nil && strconv.FormatInt(u.UID, 10) == rs.Primary.ID {
					return fmt.Errorf("user %s (uid %s) still exists", rs.Primary.Attributes["address"], rs.Primary.ID)
				}
				if err != nil && !errors.Is(err, mesibo.ErrNotFound) {
					return err
				}
			case "mesibo_group":
				gid, _ := strconv.ParseInt(rs.Primary.ID, 10, 64)
				_, err := c.GetGroupMembers(ctx, gid, 1)
				if err == nil {
					return fmt.Errorf("group %d still exists", gid)
				}
				if !errors.Is(err, mesibo.ErrNotFound) {
					return err
				}
			}
		}
		return nil
	}
}

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

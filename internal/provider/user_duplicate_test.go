package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// addsMeet is an apiRecorder hook that holds each of the first two useradd
// requests until the other has arrived too, or until wait has passed. A
// create calls useradd only after its lookup, so two creates that could race
// do: both look the address up before either useradd reaches Mesibo. It
// records the ops in the order they reach Mesibo.
type addsMeet struct {
	wait time.Duration
	both chan struct{}

	mu   sync.Mutex
	adds int
	ops  []string
}

func newAddsMeet(wait time.Duration) *addsMeet {
	return &addsMeet{wait: wait, both: make(chan struct{})}
}

func (m *addsMeet) before(op string, _ url.Values) {
	m.mu.Lock()
	n := 0
	if op == "useradd" {
		m.adds++
		n = m.adds
		if n == 2 {
			close(m.both)
		}
	}
	m.mu.Unlock()
	if n == 1 || n == 2 {
		select {
		case <-m.both:
		case <-time.After(m.wait):
		}
	}
	m.mu.Lock()
	m.ops = append(m.ops, op)
	m.mu.Unlock()
}

func (m *addsMeet) order() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.ops...)
}

// TestAccUser_sameAddressTwice: a module that manages a user, used twice
// with one address. The plan warns; the apply creates the user once, for
// one of the two, and refuses the other, saying that another resource of
// the configuration manages the address, even when both creates look the
// address up before either has created it. Only one state holds the user,
// with the access token Mesibo holds, so destroying it deletes the user no
// other resource manages.
func TestAccUser_sameAddressTwice(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	const address = "dup@example.com"
	e := newUserEmulator(t)
	rec := &apiRecorder{}
	cli := newTFCLI(t, func() *mesiboProvider {
		return testProvider(func(c *mesibo.Config) {
			fastRetries(c)
			c.HTTPClient = &http.Client{Transport: rec}
		})
	})
	module := requiredProviders + `
variable "address" {
  type = string
}

resource "mesibo_user" "this" {
  address = var.address
  app_id  = "com.example.chat"
}
`
	if err := os.MkdirAll(filepath.Join(cli.dir, "user"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cli.dir, "user", "main.tf"), []byte(module), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.writeConfig(requiredProviders + e.providerBlock("") + `
module "a" {
  source  = "./user"
  address = "` + address + `"
}

module "b" {
  source  = "./user"
  address = "` + address + `"
}
`)
	cli.init(ctx)
	both := []string{"module.a.mesibo_user.this", "module.b.mesibo_user.this"}

	// The plan warns about one of the two: the one planned second.
	var warned []uiDiagnostic
	for _, d := range cli.planDiagnostics(ctx) {
		if d.Severity == "warning" && d.Summary == summaryUserAddressShared {
			warned = append(warned, d)
		} else {
			t.Errorf("plan: unexpected diagnostic %s", d)
		}
	}
	if len(warned) != 1 {
		t.Fatalf("the plan warned %d times about the shared address, want once: %v", len(warned), warned)
	}
	if d := warned[0]; !strings.Contains(strings.Join(both, " "), d.Address) || !containsAll(d.Detail,
		`Another mesibo_user resource of this configuration declares the address "dup@example.com" too`,
		"the apply creates the user for one of them and refuses the other", "Give each resource its own address") {
		t.Errorf("the warning is on %q or does not say what happens:\n%s", d.Address, d.Detail)
	}

	// The apply: both lookups are made to happen before either useradd
	// when the provider lets them.
	meet := newAddsMeet(2 * time.Second)
	rec.set(meet.before, nil)
	r := cli.apply(ctx)
	rec.set(nil, nil)
	if r.err == nil {
		t.Fatalf("the apply of two resources with one address succeeded; requests %v", meet.order())
	}
	errs := r.errors()
	if len(errs) != 1 || errs[0].Summary != summaryUserExists || !strings.Contains(strings.Join(both, " "), errs[0].Address) ||
		!containsAll(errs[0].Detail, `Another mesibo_user resource of this configuration created the user with address "dup@example.com" (UID`,
			"earlier in this apply", "this resource was not created, and nothing was changed", "Give each resource its own address") {
		t.Fatalf("the apply's errors are not the one expected (requests %v):%s", meet.order(), r.summary())
	}
	if order := meet.order(); strings.Join(order, " ") != "usersget useradd" {
		t.Errorf("requests %v, want one lookup and one useradd: the second create must not look the address up again", order)
	}
	u := e.user(address)
	if u == nil || e.useradds() != 1 {
		t.Fatalf("Mesibo has user %+v after %d useradds, want one user made by one useradd", u, e.useradds())
	}
	users := cli.state().managed("mesibo_user")
	if len(users) != 1 {
		t.Fatalf("%d resources hold a user in state, want 1", len(users))
	}
	if uid, _ := users[0]["uid"].(float64); int64(uid) != u.UID || users[0]["access_token"] != u.Token {
		t.Errorf("state holds UID %v and not the token Mesibo holds for UID %d", users[0]["uid"], u.UID)
	}

	// The next apply is refused by the lookup, which finds the user; the
	// error says another resource may manage it.
	r = cli.apply(ctx)
	if errs := r.errors(); r.err == nil || len(errs) != 1 || !containsAll(errs[0].Detail,
		`A Mesibo user with address "dup@example.com" already exists`,
		"If another mesibo_user resource of this configuration (a module used twice, for example) manages the address") {
		t.Errorf("the second apply's errors are not the one expected:%s", r.summary())
	}
	if e.useradds() != 1 || e.user(address).Token != u.Token {
		t.Errorf("the second apply called useradd: the managed user's token changed")
	}

	// Destroying deletes the one user, which no other state holds.
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
	if u := e.user(address); u != nil {
		t.Errorf("user %s (UID %d) is left after destroy", address, u.UID)
	}

	// Terraform plans a replacement twice, the second time as a create: that
	// is still one resource, and no warning.
	cli.writeConfig(requiredProviders + e.providerBlock("") + `
module "a" {
  source  = "./user"
  address = "` + address + `"
}
`)
	if r := cli.apply(ctx); r.err != nil {
		t.Fatalf("apply of one module: %v%s", r.err, r.summary())
	}
	info, stop := cli.serve()
	var out bytes.Buffer
	_, err := cli.tf.PlanJSON(ctx, &out, tfexec.Reattach(info), tfexec.Replace("module.a.mesibo_user.this"))
	stop()
	if err != nil {
		t.Fatalf("terraform plan -replace: %v", err)
	}
	for _, d := range parseUI(t, out.Bytes()) {
		t.Errorf("plan -replace: unexpected diagnostic %s", d)
	}
	if !strings.Contains(out.String(), `"action":"replace"`) {
		t.Errorf("the plan does not replace the user:\n%s", out.String())
	}
	if r := cli.destroy(ctx); r.err != nil {
		t.Fatalf("destroy: %v%s", r.err, r.summary())
	}
}

// containsAll reports whether text, its whitespace folded, contains every
// phrase.
func containsAll(text string, phrases ...string) bool {
	text = strings.Join(strings.Fields(text), " ")
	for _, p := range phrases {
		if !strings.Contains(text, p) {
			return false
		}
	}
	return true
}

// TestAccUser_createBeforeDestroy: replacing a user with
// create_before_destroy cannot work while its address stays the same: the
// new user would need the address the old one holds. The error says so and
// what to do, instead of asking to import the managed user; nothing
// changes; and without create_before_destroy the replacement works.
func TestAccUser_createBeforeDestroy(t *testing.T) {
	e := newUserEmulator(t)
	const address, res = "cbd@example.com", "mesibo_user.test"
	config := func(lifecycle string) string {
		return e.providerBlock("") + userConfig(address, `app_id = "com.example.chat"
  `+lifecycle)
	}
	var before emulator.StateUser
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if u := e.user(address); u != nil {
				return fmt.Errorf("user %s (UID %d) still exists", address, u.UID)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config("lifecycle {\n    create_before_destroy = true\n  }"),
				Check:  e.expectUser(res, address, func(u *emulator.StateUser) error { before = *u; return nil }),
			},
			{
				// A tainted user, as after terraform taint or a failed
				// provisioner; terraform apply -replace plans the same.
				Taint:  []string{res},
				Config: config("lifecycle {\n    create_before_destroy = true\n  }"),
				ExpectError: wrapped(summaryUserExists, `A Mesibo user with address "cbd@example.com" already exists`,
					"nothing was changed",
					"If it is the user this resource managed until now, and the resource is being replaced with create_before_destroy",
					"create_before_destroy cannot work for a Mesibo user whose address stays the same",
					"Remove create_before_destroy from this resource's lifecycle block",
					"or change the address along with the replacement", "The old user is still in place and still managed"),
			},
			{
				PreConfig: func() {
					if u := e.user(address); u == nil || u.UID != before.UID || u.Token != before.Token {
						t.Errorf("the refused replacement changed the user: %+v, was UID %d", u, before.UID)
					}
				},
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: e.expectUser(res, address, func(u *emulator.StateUser) error {
					if u.UID == before.UID {
						return fmt.Errorf("the user was not replaced: still UID %d", u.UID)
					}
					return nil
				}),
			},
		},
	})
}

package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// TestAccUser_sameAddressTwice: a module that manages a user, used twice
// with one address. The plan fails, naming the address and how to keep one
// resource, and neither the plan nor the apply that tries anyway sends
// anything that changes Mesibo. Terraform's second plan of a replacement is
// still one resource.
func TestAccUser_sameAddressTwice(t *testing.T) {
	testAccGate(t)
	t.Parallel()
	ctx := context.Background()
	const address = "dup@example.com"
	e := newUserEmulator(t)
	cli := newTFCLI(t, func() *mesiboProvider { return testProvider(fastRetries) })
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
	cli.writeFile(filepath.Join("user", "main.tf"), module)
	config := func(second string) string {
		return requiredProviders + e.providerBlock("") + `
module "a" {
  source  = "./user"
  address = "` + address + `"
}
` + second
	}
	cli.writeConfig(config(`
module "b" {
  source  = "./user"
  address = "` + strings.ToUpper(address) + `"
}
`))
	cli.init(ctx)
	both := []string{"module.a.mesibo_user.this", "module.b.mesibo_user.this"}
	for _, run := range []func() cliResult{func() cliResult { return cli.plan(ctx) }, func() cliResult { return cli.apply(ctx) }} {
		r := run()
		errs := r.errors()
		if r.err == nil || len(errs) != 1 || errs[0].Summary != summaryUserTwoOwners || !slices.Contains(both, errs[0].Address) ||
			!containsAll(errs[0].Detail, "another mesibo_user resource, with address", "which this plan creates",
				"both manage the user", "a module used more than once needs an address or group per instance", "Nothing was changed") {
			t.Fatalf("two resources with one address: not the one error expected:%s", r.summary())
		}
	}
	if n := e.Stats().Requests; n["useradd"] != 0 || n["usersget"] != 0 {
		t.Errorf("the refused plans sent requests: %v", n)
	}

	// Terraform plans a replacement twice, the second time as a create: that
	// is still one resource, and no diagnostic.
	cli.writeConfig(config(""))
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
	if u := e.user(address); u != nil {
		t.Errorf("user %s (UID %d) is left after destroy", address, u.UID)
	}
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

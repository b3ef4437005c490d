package provider

import (
	"context"
	"testing"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// TestPermissionsRead: null permissions read nothing; a listed member whose
// reported permissions differ is drift (the first by address); members not
// listed, and members whose permissions are not reported, are none.
func TestPermissionsRead(t *testing.T) {
	ctx := context.Background()
	noSend := mesibo.Permissions{Receive: true, Publish: true, Subscribe: true, List: true}
	noList := mesibo.Permissions{Send: true, Receive: true, Publish: true, Subscribe: true}
	all := mesibo.AllPermissions
	state := permissionsObject(&noSend)
	listed := []string{"a", "b", "c"}

	for name, c := range map[string]struct {
		inState *mesibo.Permissions
		present []mesibo.Member
		want    *mesibo.Permissions
	}{
		"null reads nothing":      {nil, []mesibo.Member{{Address: "a", Permissions: &all}}, nil},
		"same":                    {&noSend, []mesibo.Member{{Address: "a", Permissions: &noSend}}, &noSend},
		"not reported":            {&noSend, []mesibo.Member{{Address: "a"}, {Address: "b"}}, &noSend},
		"not listed":              {&noSend, []mesibo.Member{{Address: "z", Permissions: &all}}, &noSend},
		"drift, first by address": {&noSend, []mesibo.Member{{Address: "c", Permissions: &all}, {Address: "b", Permissions: &noList}}, &noList},
	} {
		in := permissionsObject(c.inState)
		got := permissionsFrom(permissionsRead(ctx, in, listed, c.present))
		if !samePermissions(got, c.want) {
			t.Errorf("%s: read %+v, want %+v", name, got, c.want)
		}
	}
	if got := permissionsFrom(state); got == nil || *got != noSend {
		t.Errorf("permissionsFrom(permissionsObject(p)) = %+v, want %+v", got, noSend)
	}
}

func TestDescribePermissions(t *testing.T) {
	for want, p := range map[string]*mesibo.Permissions{
		"no permission flags (Mesibo's defaults)": nil,
		"every permission":                        &mesibo.AllPermissions,
		"every permission but send, list":         {Receive: true, Publish: true, Subscribe: true},
		"no permission":                           {},
	} {
		if got := describePermissions(p); got != want {
			t.Errorf("describePermissions(%+v) = %q, want %q", p, got, want)
		}
	}
}

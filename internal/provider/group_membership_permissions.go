package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// The attributes of a membership's permissions, in the order the docs and
// messages name them, with what each allows.
var permissionNames = []struct{ name, allows string }{
	{"send", "send messages to the group (Mesibo's `cs`, JSON `send`)"},
	{"receive", "receive the group's messages (`cr`, JSON `recv`)"},
	{"publish", "publish audio or video in the group's calls and conferences (`canpub`, JSON `pub`)"},
	{"subscribe", "subscribe to what other members publish (`cansub`, JSON `sub`)"},
	{"list", "list the group's members (`canlist`, JSON `list`)"},
}

// permissionsAttrTypes are the types of the permissions object.
var permissionsAttrTypes = func() map[string]attr.Type {
	m := map[string]attr.Type{}
	for _, p := range permissionNames {
		m[p.name] = types.BoolType
	}
	return m
}()

// permissionsSchema is the permissions attribute of mesibo_group_membership.
func permissionsSchema() schema.SingleNestedAttribute {
	attrs := map[string]schema.Attribute{}
	for _, p := range permissionNames {
		attrs[p.name] = schema.BoolAttribute{
			MarkdownDescription: "Whether the listed members may " + p.allows + ". Defaults to `true`.",
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(true),
		}
	}
	return schema.SingleNestedAttribute{
		MarkdownDescription: "What every listed member may do in the group; each permission left out is `true`. " +
			"Leave `permissions` out to send no permission flags and read none, so that Mesibo's defaults apply and " +
			"permissions set outside Terraform stay. A change adds every listed member again with the new " +
			"permissions, in place, removing nobody. Where Mesibo's `groupgetmembers` reports a member's permissions, " +
			"a listed member whose permissions differ is drift, which the plan shows and apply puts back; where it " +
			"does not, the permissions in state are kept. To give members different permissions, list them in " +
			"several memberships of the group (see the example).",
		Optional:   true,
		Attributes: attrs,
	}
}

// permissionsFrom returns the permissions of o, nil when it is null or
// unknown (no flags are sent, none are compared).
func permissionsFrom(o types.Object) *mesibo.Permissions {
	if o.IsNull() || o.IsUnknown() {
		return nil
	}
	get := func(name string) bool {
		b, ok := o.Attributes()[name].(types.Bool)
		return !ok || b.IsNull() || b.IsUnknown() || b.ValueBool() // a permission left out is granted
	}
	return &mesibo.Permissions{Send: get("send"), Receive: get("receive"), Publish: get("publish"),
		Subscribe: get("subscribe"), List: get("list")}
}

// permissionsObject is p as the permissions object; null when p is nil.
func permissionsObject(p *mesibo.Permissions) types.Object {
	if p == nil {
		return types.ObjectNull(permissionsAttrTypes)
	}
	return types.ObjectValueMust(permissionsAttrTypes, map[string]attr.Value{
		"send": types.BoolValue(p.Send), "receive": types.BoolValue(p.Receive), "publish": types.BoolValue(p.Publish),
		"subscribe": types.BoolValue(p.Subscribe), "list": types.BoolValue(p.List),
	})
}

// describePermissions writes p for a message: "every permission but send,
// list", "every permission", "no permission", or, for nil, that none are
// set.
func describePermissions(p *mesibo.Permissions) string {
	if p == nil {
		return "no permission flags (Mesibo's defaults)"
	}
	var withheld []string
	for _, g := range []struct {
		name    string
		granted bool
	}{{"send", p.Send}, {"receive", p.Receive}, {"publish", p.Publish}, {"subscribe", p.Subscribe}, {"list", p.List}} {
		if !g.granted {
			withheld = append(withheld, g.name)
		}
	}
	if len(withheld) == 0 {
		return "every permission"
	}
	if len(withheld) == 5 {
		return "no permission"
	}
	return "every permission but " + strings.Join(withheld, ", ")
}

// samePermissions reports whether a and b are the same, nil (none) included.
func samePermissions(a, b *mesibo.Permissions) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

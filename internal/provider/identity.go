package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform 1.12 and later, OpenTofu 1.12 and later): the
// data, kept in state beside each resource, that names the Mesibo object it
// manages, and that an import block can give instead of an import ID:
//
//	import {
//	  to       = mesibo_user.alice
//	  identity = { address = "alice@example.com" }
//	}
//
// A user is named by its address, a group and a group membership by the GID
// of the group. Both are fixed for the life of the object (changing either
// replaces the resource), as an identity must be.
//
// The framework refuses a Create, Read or Update that leaves the identity
// null, whatever the CLI (an older one only ignores it). So the resources set
// it on every path that does not end in an error, from the state or plan they
// were handed, before any early return: a Read that removes the resource
// included, and a state written before the provider had identities.

// Identity attribute names.
const (
	identityAddress = "address"
	identityGID     = "gid"
)

func gidIdentitySchema(description string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			identityGID: identityschema.Int64Attribute{
				RequiredForImport: true,
				Description:       description + " A positive whole number, such as `5001`.",
			},
		},
	}
}

// setUserIdentity records the identity of the user with this address.
// identity is nil only where the framework has no identity to set.
func setUserIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, address types.String) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.SetAttribute(ctx, path.Root(identityAddress), address)
}

// setGIDIdentity records the identity of the group, or of the membership of
// the group, with this GID.
func setGIDIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, gid types.Int64) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.SetAttribute(ctx, path.Root(identityGID), gid)
}

// importedAddress returns what a mesibo_user import names: the ID of the
// terraform import command or of an import block's id, or the address of an
// import block's identity. It says what is wrong with a bad address.
func importedAddress(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (string, bool) {
	address, source := req.ID, "import ID"
	if req.ID == "" && req.Identity != nil {
		var v types.String
		if diags.Append(req.Identity.GetAttribute(ctx, path.Root(identityAddress), &v)...); diags.HasError() {
			return "", false
		}
		address, source = v.ValueString(), "identity's address"
	}
	if reason := addressProblem(address); reason != "" {
		diags.AddError(summaryImportID, fmt.Sprintf("The %s of mesibo_user is the user's address. %s.", source, reason))
		return "", false
	}
	return address, true
}

// importedGID returns the GID that an import of typ names: the import ID,
// or the gid of an import block's identity.
func importedGID(ctx context.Context, typ string, req resource.ImportStateRequest, diags *diag.Diagnostics) (int64, bool) {
	if req.ID == "" && req.Identity != nil {
		var v types.Int64
		if diags.Append(req.Identity.GetAttribute(ctx, path.Root(identityGID), &v)...); diags.HasError() {
			return 0, false
		}
		if v.IsNull() || v.IsUnknown() || v.ValueInt64() <= 0 {
			diags.AddError(summaryImportID, fmt.Sprintf("%s: the identity's gid must be the group's GID, a positive "+
				"whole number such as 5001, not %s.", typ, v))
			return 0, false
		}
		return v.ValueInt64(), true
	}
	gid, err := parseGID(req.ID)
	if err != nil {
		diags.AddError(summaryImportID, typ+": "+err.Error()+".")
		return 0, false
	}
	return gid, true
}

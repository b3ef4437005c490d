package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What more than one entity uses: reading a few attributes of a plan or a
// state, comparing trigger maps, and the random keys and ids.

// attributeGetter is a plan or a state.
type attributeGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// getAttributes reads attributes of a plan or a state into the fields that
// fields names them with, leaving the others as they are. Where a few
// attributes will do, this costs a fraction of decoding the whole model,
// for which the framework examines every field of the model anew.
func getAttributes(ctx context.Context, from attributeGetter, fields map[string]any) diag.Diagnostics {
	var diags diag.Diagnostics
	for name, field := range fields {
		diags.Append(from.GetAttribute(ctx, path.Root(name), field)...)
	}
	return diags
}

// sameTriggers compares two maps of triggers (a user's token_rotation_triggers,
// a message's triggers), null being empty.
// An unknown map is never the same.
func sameTriggers(a, b types.Map) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	if len(a.Elements()) == 0 && len(b.Elements()) == 0 {
		return true
	}
	return a.Equal(b)
}

// randomID returns 32 random hex digits: the id of a sent message, the key
// of a resource in the provider's ownership. crypto/rand.Read never returns an error:
// it crashes the program rather than return one.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

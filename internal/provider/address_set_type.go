package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// addressSetType is the custom type of a SetAttribute of addresses, such as
// mesibo_group_membership's members. Terraform sees a set of strings, exactly
// as with a plain SetAttribute of strings, and validators and plan modifiers
// get a types.Set as usual. The difference is speed, for sets of hundreds of
// addresses:
//
//   - After every create, read and update, the framework looks for elements of
//     the new set that mean the same as an element of the prior set (semantic
//     equality). It compares every new element with every prior one, building
//     an attribute path and a logging context for each pair, even with logs
//     off, unless the set's own type says the two sets are equal: for a group
//     of 1,000 members that pass took a third of the provider's CPU time. A
//     string has no other spelling that means the same, so an addressSet
//     answers whether the two sets hold the same strings, which skips the pass
//     whenever nothing changed, and changes no value.
//   - Its Equal, and its Validate, which the framework runs at every read of
//     the set to refuse duplicates, take time in proportion to the size of
//     the set, where the plain set's compare every element with every other.
type addressSetType struct {
	basetypes.SetType
}

// addressSetTypeOf is the one addressSetType: a set of strings.
var addressSetTypeOf = addressSetType{SetType: basetypes.SetType{ElemType: types.StringType}}

var _ basetypes.SetTypable = addressSetType{}

func (t addressSetType) Equal(o attr.Type) bool {
	other, ok := o.(addressSetType)
	return ok && t.SetType.Equal(other.SetType)
}

func (t addressSetType) String() string { return "provider.addressSetType" }

func (t addressSetType) ValueType(context.Context) attr.Value {
	return addressSet{SetValue: basetypes.NewSetNull(t.ElemType)}
}

func (t addressSetType) ValueFromSet(_ context.Context, in basetypes.SetValue) (basetypes.SetValuable, diag.Diagnostics) {
	return addressSet{SetValue: in}, nil
}

func (t addressSetType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.SetType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	set, ok := v.(basetypes.SetValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T for a set", v)
	}
	return addressSet{SetValue: set}, nil
}

// Validate refuses duplicate elements, as basetypes.SetType's Validate does,
// whose diagnostics it gives: for a set of distinct known strings, the rule,
// it answers in linear time, and any other set it leaves to that Validate.
func (t addressSetType) Validate(ctx context.Context, in tftypes.Value, p path.Path) diag.Diagnostics {
	if in.Type() == nil || !in.Type().Is(tftypes.Set{}) || !in.IsKnown() || in.IsNull() {
		return t.SetType.Validate(ctx, in, p)
	}
	var elems []tftypes.Value
	if err := in.As(&elems); err != nil {
		return t.SetType.Validate(ctx, in, p)
	}
	seen := make(map[string]bool, len(elems))
	for _, e := range elems {
		var s string
		if !e.IsKnown() || e.IsNull() || e.As(&s) != nil || seen[s] {
			return t.SetType.Validate(ctx, in, p)
		}
		seen[s] = true
	}
	return nil
}

// addressSet is a value of addressSetType.
type addressSet struct {
	basetypes.SetValue
}

var _ basetypes.SetValuableWithSemanticEquals = addressSet{}

func (v addressSet) Type(context.Context) attr.Type { return addressSetTypeOf }

func (v addressSet) Equal(o attr.Value) bool {
	other, ok := o.(addressSet)
	return ok && sameStringSet(v.SetValue, other.SetValue)
}

// SetSemanticEquals reports whether prior holds the same strings as v: only
// then does the framework keep the prior value, which is the same value.
func (v addressSet) SetSemanticEquals(ctx context.Context, prior basetypes.SetValuable) (bool, diag.Diagnostics) {
	p, diags := prior.ToSetValue(ctx)
	if diags.HasError() {
		return false, diags
	}
	return sameStringSet(v.SetValue, p), diags
}

// sameStringSet is basetypes.SetValue's Equal, in time proportional to the
// size of the sets when both are known sets of strings.
func sameStringSet(a, b basetypes.SetValue) bool {
	ctx := context.Background()
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() ||
		a.ElementType(ctx) == nil || !a.ElementType(ctx).Equal(b.ElementType(ctx)) {
		return a.Equal(b)
	}
	ae, be := a.Elements(), b.Elements()
	if len(ae) != len(be) {
		return false
	}
	in := make(map[basetypes.StringValue]bool, len(be))
	for _, e := range be {
		s, ok := e.(basetypes.StringValue)
		if !ok {
			return a.Equal(b)
		}
		in[s] = true
	}
	for _, e := range ae {
		s, ok := e.(basetypes.StringValue)
		if !ok {
			return a.Equal(b)
		}
		if !in[s] {
			return false
		}
	}
	return true
}

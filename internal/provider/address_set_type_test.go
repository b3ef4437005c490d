package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func addressesOf(as ...string) addressSet {
	elems := make([]attr.Value, 0, len(as))
	for _, a := range as {
		elems = append(elems, types.StringValue(a))
	}
	return addressSet{SetValue: types.SetValueMust(types.StringType, elems)}
}

// Terraform sees a set of strings, and values go to Terraform and back
// unchanged.
func TestAddressSetTypeIsASetOfStrings(t *testing.T) {
	ctx := context.Background()
	want := tftypes.Set{ElementType: tftypes.String}
	if got := addressSetTypeOf.TerraformType(ctx); !got.Equal(want) {
		t.Fatalf("Terraform sees %s, want %s", got, want)
	}
	for _, v := range []addressSet{
		addressesOf("b@example.com", "a@example.com"),
		addressesOf(),
		{SetValue: types.SetNull(types.StringType)},
		{SetValue: types.SetUnknown(types.StringType)},
	} {
		raw, err := v.ToTerraformValue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		back, err := addressSetTypeOf.ValueFromTerraform(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(v) || !back.Type(ctx).Equal(addressSetTypeOf) {
			t.Errorf("%s came back from Terraform as %s of type %s", v, back, back.Type(ctx))
		}
	}
}

// Two sets are equal, and semantically equal, when they hold the same
// strings in any order, as plain sets of strings are: the framework then
// keeps the prior value, which is the same value. Any difference in the
// strings, their number or the sets' state makes them different.
func TestAddressSetEquality(t *testing.T) {
	ctx := context.Background()
	null, unknown := addressSet{SetValue: types.SetNull(types.StringType)}, addressSet{SetValue: types.SetUnknown(types.StringType)}
	for _, c := range []struct {
		name string
		a, b addressSet
		same bool
	}{
		{"same order", addressesOf("a", "b", "c"), addressesOf("a", "b", "c"), true},
		{"another order", addressesOf("c", "a", "b"), addressesOf("a", "b", "c"), true},
		{"both empty", addressesOf(), addressesOf(), true},
		{"one more", addressesOf("a", "b"), addressesOf("a", "b", "c"), false},
		{"one other", addressesOf("a", "b", "x"), addressesOf("a", "b", "c"), false},
		{"case matters", addressesOf("A"), addressesOf("a"), false},
		{"null and empty", null, addressesOf(), false},
		{"both null", null, null, true},
		{"unknown and empty", unknown, addressesOf(), false},
		{"both unknown", unknown, unknown, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, want := c.a.Equal(c.b), c.a.SetValue.Equal(c.b.SetValue); got != want || got != c.same {
				t.Errorf("%s.Equal(%s) = %v; the plain sets' Equal says %v; want %v", c.a, c.b, got, want, c.same)
			}
			if got := c.b.Equal(c.a); got != c.same {
				t.Errorf("%s.Equal(%s) = %v, want %v", c.b, c.a, got, c.same)
			}
			if c.a.IsNull() || c.a.IsUnknown() || c.b.IsNull() || c.b.IsUnknown() {
				return // the framework compares only known values semantically
			}
			got, diags := c.a.SetSemanticEquals(ctx, c.b)
			if diags.HasError() || got != c.same {
				t.Errorf("%s.SetSemanticEquals(%s) = %v %v, want %v", c.a, c.b, got, diags, c.same)
			}
		})
	}
	if addressesOf("a").Equal(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a")})) {
		t.Error("an addressSet equals a value of another type")
	}
}

// Validate refuses duplicates exactly as the plain set type does, and
// accepts what it accepts.
func TestAddressSetTypeValidate(t *testing.T) {
	ctx := context.Background()
	typ := tftypes.Set{ElementType: tftypes.String}
	str := func(v any) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	for name, in := range map[string]tftypes.Value{
		"distinct":           tftypes.NewValue(typ, []tftypes.Value{str("a"), str("b"), str("c")}),
		"empty":              tftypes.NewValue(typ, []tftypes.Value{}),
		"a duplicate":        tftypes.NewValue(typ, []tftypes.Value{str("a"), str("b"), str("a")}),
		"two null elements":  tftypes.NewValue(typ, []tftypes.Value{str(nil), str("a"), str(nil)}),
		"an unknown element": tftypes.NewValue(typ, []tftypes.Value{str(tftypes.UnknownValue), str("a")}),
		"null":               tftypes.NewValue(typ, nil),
		"unknown":            tftypes.NewValue(typ, tftypes.UnknownValue),
	} {
		p := path.Root("members")
		got, want := addressSetTypeOf.Validate(ctx, in, p), addressSetTypeOf.SetType.Validate(ctx, in, p)
		if !got.Equal(want) {
			t.Errorf("%s: Validate gives %v, the plain set type %v", name, got, want)
		}
		if dup := name == "a duplicate" || name == "two null elements"; dup != got.HasError() {
			t.Errorf("%s: Validate gives %v", name, got)
		}
	}
}

// The framework builds the attribute's values through the type: a value of
// its own kind for an empty value, the set it is given with its elements
// kept, and an error, not a panic, for a value that is no set.
func TestAddressSetTypeBuildsItsValues(t *testing.T) {
	ctx := context.Background()
	if v, ok := addressSetTypeOf.ValueType(ctx).(addressSet); !ok || !v.Type(ctx).Equal(addressSetTypeOf) {
		t.Errorf("ValueType is %T, want an addressSet", addressSetTypeOf.ValueType(ctx))
	}
	want := addressesOf("b@example.com", "a@example.com")
	got, diags := addressSetTypeOf.ValueFromSet(ctx, want.SetValue)
	if set, ok := got.(addressSet); diags.HasError() || !ok || !set.Equal(want) {
		t.Errorf("ValueFromSet(%s) = %v, %v", want, got, diags)
	}
	if v, err := addressSetTypeOf.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "a@example.com")); err == nil {
		t.Errorf("a string became the address set %s", v)
	}
	if s := addressSetTypeOf.String(); !strings.Contains(s, "addressSet") {
		t.Errorf("String() = %q, which does not name the type", s)
	}
}

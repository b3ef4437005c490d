package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestWholeNumberType(t *testing.T) {
	ctx := context.Background()
	typ := wholeNumberType{}
	if !typ.TerraformType(ctx).Equal(tftypes.Number) {
		t.Fatalf("Terraform sees %s, want a number", typ.TerraformType(ctx))
	}
	huge, _ := new(big.Float).SetString("1e30")
	for _, tt := range []struct {
		name string
		in   tftypes.Value
		want wholeNumber // for whole numbers, null and unknown
		err  string      // the validation error, for the others
	}{
		{name: "whole", in: tftypes.NewValue(tftypes.Number, 43200), want: wholeNumberValue(43200)},
		{name: "negative", in: tftypes.NewValue(tftypes.Number, -1), want: wholeNumberValue(-1)},
		{name: "whole written as a float", in: tftypes.NewValue(tftypes.Number, 60.0), want: wholeNumberValue(60)},
		{name: "null", in: tftypes.NewValue(tftypes.Number, nil), want: wholeNumberNull()},
		{name: "unknown", in: tftypes.NewValue(tftypes.Number, tftypes.UnknownValue), want: wholeNumber{Int64Value: types.Int64Unknown()}},
		{name: "fraction", in: tftypes.NewValue(tftypes.Number, 1.5),
			err: "Attribute token_expiry_minutes value must be a whole number, got: 1.5"},
		{name: "too large", in: tftypes.NewValue(tftypes.Number, huge),
			err: "Attribute token_expiry_minutes value must be a whole number from -9223372036854775808 to 9223372036854775807, got: 1e+30"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := typ.ValueFromTerraform(ctx, tt.in)
			if err != nil {
				t.Fatalf("ValueFromTerraform failed, which the framework reports as a provider bug: %v", err)
			}
			n, ok := v.(wholeNumber)
			if !ok {
				t.Fatalf("ValueFromTerraform answered %T", v)
			}
			var resp xattr.ValidateAttributeResponse
			n.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("token_expiry_minutes")}, &resp)
			if tt.err == "" {
				if resp.Diagnostics.HasError() || !n.Equal(tt.want) {
					t.Errorf("got %s %v, want %s and no error", n, resp.Diagnostics, tt.want)
				}
			} else {
				if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != summaryInvalidValue ||
					resp.Diagnostics[0].Detail() != tt.err {
					t.Errorf("diagnostics %v, want one %q: %q", resp.Diagnostics, summaryInvalidValue, tt.err)
				}
				if strings.Contains(resp.Diagnostics[0].Detail(), "provider developer") {
					t.Error("the error blames the provider")
				}
			}
			// The value goes back to Terraform as the number it came as.
			back, err := n.ToTerraformValue(ctx)
			if err != nil || !back.Equal(tt.in) {
				t.Errorf("ToTerraformValue = %v, %v; want %v", back, err, tt.in)
			}
		})
	}
}

func TestWholeNumberEqual(t *testing.T) {
	ctx := context.Background()
	half, _ := wholeNumberType{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.Number, 1.5))
	otherHalf, _ := wholeNumberType{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.Number, 1.5))
	switch {
	case !wholeNumberValue(5).Equal(wholeNumberValue(5)):
		t.Error("5 != 5")
	case wholeNumberValue(5).Equal(wholeNumberValue(6)):
		t.Error("5 == 6")
	case wholeNumberValue(5).Equal(types.Int64Value(5)):
		t.Error("a wholeNumber equals a plain Int64Value")
	case wholeNumberNull().Equal(wholeNumberValue(0)):
		t.Error("null == 0")
	case !half.Equal(otherHalf):
		t.Error("1.5 != 1.5")
	case half.Equal(wholeNumber{Int64Value: types.Int64Unknown()}):
		t.Error("1.5 equals unknown")
	}
}

// The framework builds the attribute's values through the type: a value of
// its own kind for an empty value, and the number it is given, kept.
func TestWholeNumberTypeBuildsItsValues(t *testing.T) {
	ctx := context.Background()
	typ, ok := wholeNumber{}.Type(ctx).(wholeNumberType)
	if !ok {
		t.Fatalf("a wholeNumber has the type %T", wholeNumber{}.Type(ctx))
	}
	if _, ok := typ.ValueType(ctx).(wholeNumber); !ok {
		t.Errorf("ValueType is %T, want a wholeNumber", typ.ValueType(ctx))
	}
	got, diags := typ.ValueFromInt64(ctx, types.Int64Value(43200))
	if n, ok := got.(wholeNumber); diags.HasError() || !ok || n.ValueInt64() != 43200 {
		t.Errorf("ValueFromInt64(43200) = %v, %v", got, diags)
	}
	if s := typ.String(); !strings.Contains(s, "wholeNumber") {
		t.Errorf("String() = %q, which does not name the type", s)
	}
}

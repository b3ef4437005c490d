package provider

import (
	"context"
	"fmt"
	"math"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wholeNumberType is the custom type of an Int64Attribute that a user sets.
// Terraform sees a number, exactly as with a plain Int64Attribute. The
// difference is what happens to a number that is not a whole int64, such as
// 1.5: the plain type fails to convert it, and the framework reports that as
// a provider bug ("Configuration Read Error ... report this to the provider
// developer"); this type keeps the number and refuses it at validation with
// an error that names the attribute and says what is allowed.
type wholeNumberType struct {
	basetypes.Int64Type
}

var _ basetypes.Int64Typable = wholeNumberType{}

func (t wholeNumberType) Equal(o attr.Type) bool {
	_, ok := o.(wholeNumberType)
	return ok
}

func (t wholeNumberType) String() string { return "provider.wholeNumberType" }

func (t wholeNumberType) ValueType(context.Context) attr.Value { return wholeNumber{} }

func (t wholeNumberType) ValueFromInt64(_ context.Context, v basetypes.Int64Value) (basetypes.Int64Valuable, diag.Diagnostics) {
	return wholeNumber{Int64Value: v}, nil
}

func (t wholeNumberType) ValueFromTerraform(_ context.Context, in tftypes.Value) (attr.Value, error) {
	if !in.IsKnown() {
		return wholeNumber{Int64Value: types.Int64Unknown()}, nil
	}
	if in.IsNull() {
		return wholeNumberNull(), nil
	}
	var f *big.Float
	if err := in.As(&f); err != nil {
		return nil, err
	}
	if i, accuracy := f.Int64(); f.IsInt() && accuracy == big.Exact {
		return wholeNumber{Int64Value: types.Int64Value(i)}, nil
	}
	// Unknown to everything that reads it as an int64; ValidateAttribute
	// refuses it before a plan is made.
	return wholeNumber{Int64Value: types.Int64Unknown(), notWhole: f}, nil
}

// wholeNumber is a value of wholeNumberType: an Int64Value, or a configured
// number that is not a whole int64 and fails validation.
type wholeNumber struct {
	basetypes.Int64Value
	notWhole *big.Float
}

var (
	_ basetypes.Int64Valuable     = wholeNumber{}
	_ xattr.ValidateableAttribute = wholeNumber{}
)

func wholeNumberValue(i int64) wholeNumber { return wholeNumber{Int64Value: types.Int64Value(i)} }

func wholeNumberNull() wholeNumber { return wholeNumber{Int64Value: types.Int64Null()} }

func (v wholeNumber) Type(context.Context) attr.Type { return wholeNumberType{} }

func (v wholeNumber) Equal(o attr.Value) bool {
	other, ok := o.(wholeNumber)
	if !ok {
		return false
	}
	if v.notWhole != nil || other.notWhole != nil {
		return v.notWhole != nil && other.notWhole != nil && v.notWhole.Cmp(other.notWhole) == 0
	}
	return v.Int64Value.Equal(other.Int64Value)
}

func (v wholeNumber) ToInt64Value(context.Context) (basetypes.Int64Value, diag.Diagnostics) {
	return v.Int64Value, nil
}

func (v wholeNumber) ToTerraformValue(ctx context.Context) (tftypes.Value, error) {
	if v.notWhole != nil {
		return tftypes.NewValue(tftypes.Number, v.notWhole), nil
	}
	return v.Int64Value.ToTerraformValue(ctx)
}

func (v wholeNumber) String() string {
	if v.notWhole != nil {
		return v.notWhole.Text('g', -1)
	}
	return v.Int64Value.String()
}

// ValidateAttribute refuses a number that is not a whole int64.
func (v wholeNumber) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.notWhole == nil {
		return
	}
	allowed := "a whole number"
	if v.notWhole.IsInt() {
		allowed = fmt.Sprintf("a whole number from %d to %d", int64(math.MinInt64), int64(math.MaxInt64))
	}
	resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidValue,
		fmt.Sprintf("Attribute %s value must be %s, got: %s", req.Path, allowed, v.String()))
}

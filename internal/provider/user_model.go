package provider

import (
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Defaults of mesibo_user, as useradd applies them.
const (
	defaultTokenExpiryMinutes = 525600 // one year
	defaultUserFlag           = 0
)

// userObject is a user as the API describes it: the data source's list
// element, and what the resource's Read merges into its state.
type userObject struct {
	UID     types.Int64  `tfsdk:"uid"`
	Address types.String `tfsdk:"address"`
	AppID   types.String `tfsdk:"app_id"`
	Name    types.String `tfsdk:"name"`
	Active  types.Bool   `tfsdk:"active"`
	Flag    types.Int64  `tfsdk:"flag"`
}

// userObjectFromAPI is the one converter from an API user to the provider's
// types. Fields the API did not send are null.
func userObjectFromAPI(u mesibo.User) userObject {
	obj := userObject{
		UID:     types.Int64Null(),
		Address: types.StringValue(u.Address),
		AppID:   types.StringNull(),
		Name:    types.StringPointerValue(u.Name),
		Active:  types.BoolPointerValue(u.Active),
		Flag:    types.Int64PointerValue(u.Flag),
	}
	if u.UID > 0 {
		obj.UID = types.Int64Value(u.UID)
	}
	if u.AppID != "" {
		obj.AppID = types.StringValue(u.AppID)
	}
	return obj
}

// userResourceModel is mesibo_user's state.
type userResourceModel struct {
	ID                    types.String `tfsdk:"id"`
	UID                   types.Int64  `tfsdk:"uid"`
	Address               types.String `tfsdk:"address"`
	AppID                 types.String `tfsdk:"app_id"`
	Name                  types.String `tfsdk:"name"`
	TokenExpiryMinutes    wholeNumber  `tfsdk:"token_expiry_minutes"`
	Active                types.Bool   `tfsdk:"active"`
	MaxGroups             wholeNumber  `tfsdk:"max_groups"`
	Flag                  wholeNumber  `tfsdk:"flag"`
	TokenRotationTriggers types.Map    `tfsdk:"token_rotation_triggers"`
	AccessToken           types.String `tfsdk:"access_token"`
}

// tokenSettingFields pairs the attributes that rotationNeeded and
// tokenSettingsUnknown look at with their fields in m, for getAttributes.
func (m *userResourceModel) tokenSettingFields() map[string]any {
	return map[string]any{
		"app_id": &m.AppID, "token_expiry_minutes": &m.TokenExpiryMinutes, "max_groups": &m.MaxGroups,
		"token_rotation_triggers": &m.TokenRotationTriggers,
	}
}

// readFields pairs the attributes that a refresh looks at, and that
// mergeRead may change, with their fields in m, for getAttributes.
func (m *userResourceModel) readFields() map[string]any {
	return map[string]any{
		"id": &m.ID, "uid": &m.UID, "address": &m.Address, "app_id": &m.AppID, "name": &m.Name, "active": &m.Active,
		"flag": &m.Flag,
	}
}

// addUserRequest is the one converter from the model to useradd.
func (m userResourceModel) addUserRequest() mesibo.AddUserRequest {
	return mesibo.AddUserRequest{
		Address:       m.Address.ValueString(),
		AppID:         m.AppID.ValueString(),
		Name:          m.Name.ValueStringPointer(),
		ExpiryMinutes: m.TokenExpiryMinutes.ValueInt64Pointer(),
		Active:        m.Active.ValueBoolPointer(),
		MaxGroups:     m.MaxGroups.ValueInt64Pointer(),
	}
}

// setUserRequest is the one converter from the model to userset.
func (m userResourceModel) setUserRequest() mesibo.SetUserRequest {
	return mesibo.SetUserRequest{
		UID:    m.UID.ValueInt64(),
		Flag:   m.Flag.ValueInt64Pointer(),
		Active: m.Active.ValueBoolPointer(),
	}
}

// setUID records the user's identity.
func (m *userResourceModel) setUID(uid int64) {
	m.UID = types.Int64Value(uid)
	m.ID = types.StringValue(strconv.FormatInt(uid, 10))
}

// mergeRead takes what the API says about the user into the state. Fields
// the API did not send keep their state values. It reports whether any
// field changed.
func (m *userResourceModel) mergeRead(obj userObject) (changed bool) {
	before := *m
	if !obj.UID.IsNull() {
		m.setUID(obj.UID.ValueInt64())
	}
	if !obj.AppID.IsNull() {
		m.AppID = obj.AppID
	}
	if !obj.Active.IsNull() {
		m.Active = obj.Active
	}
	// A name is compared only where Mesibo answers one and the state has
	// one: a user whose name Terraform does not manage keeps it null. An
	// empty answer is taken for none, as a server that keeps no names may
	// answer: were it drift, every apply would set the name again, and in
	// the form format issue a new access token each time.
	if obj.Name.ValueString() != "" && !m.Name.IsNull() {
		m.Name = obj.Name
	}
	if !obj.Flag.IsNull() {
		m.Flag = wholeNumber{Int64Value: obj.Flag}
	}
	return !m.ID.Equal(before.ID) || !m.UID.Equal(before.UID) || !m.AppID.Equal(before.AppID) ||
		!m.Name.Equal(before.Name) || !m.Active.Equal(before.Active) || !m.Flag.Equal(before.Flag)
}

// tokenSettingsUnknown reports whether the state holds none of the settings
// that only useradd takes. Only an import leaves token_expiry_minutes null
// (create and update always store a value): Mesibo cannot report these
// settings, so the first apply after an import adopts the configured ones.
func (m userResourceModel) tokenSettingsUnknown() bool {
	return m.TokenExpiryMinutes.IsNull()
}

// importedUserModel is the state of a user as an import leaves it: its
// address, merged with what Mesibo reports by the refresh's converter, and
// null for everything Mesibo cannot report.
func importedUserModel(u mesibo.User) userResourceModel {
	m := userResourceModel{
		ID:                    types.StringNull(),
		UID:                   types.Int64Null(),
		Address:               types.StringValue(u.Address),
		AppID:                 types.StringNull(),
		Name:                  types.StringPointerValue(u.Name),
		TokenExpiryMinutes:    wholeNumberNull(),
		Active:                types.BoolNull(),
		MaxGroups:             wholeNumberNull(),
		Flag:                  wholeNumberNull(),
		TokenRotationTriggers: types.MapNull(types.StringType),
		AccessToken:           types.StringNull(),
	}
	m.mergeRead(userObjectFromAPI(u))
	return m
}

const defaultUsersPattern = "*"

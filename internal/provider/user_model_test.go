package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// managedUser is the state of a user Terraform created.
func managedUser() userResourceModel {
	m := userResourceModel{
		Address:               types.StringValue("alice@example.com"),
		AppID:                 types.StringValue("com.example.chat"),
		TokenExpiryMinutes:    wholeNumberValue(defaultTokenExpiryMinutes),
		Active:                types.BoolValue(true),
		MaxGroups:             wholeNumberNull(),
		Flag:                  wholeNumberValue(0),
		TokenRotationTriggers: types.MapNull(types.StringType),
		AccessToken:           types.StringValue("token"),
	}
	m.setUID(101)
	return m
}

// importedUser is the state of a user just imported: Mesibo reported its
// app (or not), the token settings are unknown.
func importedUser(appID types.String) userResourceModel {
	m := managedUser()
	m.AppID = appID
	m.TokenExpiryMinutes = wholeNumberNull()
	m.AccessToken = types.StringNull()
	return m
}

func triggers(v string) types.Map {
	return types.MapValueMust(types.StringType, map[string]attr.Value{"rotated": types.StringValue(v)})
}

func TestRotationNeeded(t *testing.T) {
	for _, tt := range []struct {
		name   string
		state  userResourceModel
		change func(*userResourceModel)
		want   bool
	}{
		{"nothing changes", managedUser(), func(*userResourceModel) {}, false},
		{"app_id", managedUser(), func(m *userResourceModel) { m.AppID = types.StringValue("other") }, true},
		{"app_id unknown", managedUser(), func(m *userResourceModel) { m.AppID = types.StringUnknown() }, true},
		{"token_expiry_minutes", managedUser(), func(m *userResourceModel) { m.TokenExpiryMinutes = wholeNumberValue(60) }, true},
		{"max_groups set", managedUser(), func(m *userResourceModel) { m.MaxGroups = wholeNumberValue(7) }, true},
		{"triggers set", managedUser(), func(m *userResourceModel) { m.TokenRotationTriggers = triggers("1") }, true},
		{"triggers empty", managedUser(), func(m *userResourceModel) {
			m.TokenRotationTriggers = types.MapValueMust(types.StringType, map[string]attr.Value{})
		}, false},
		{"triggers unknown", managedUser(), func(m *userResourceModel) { m.TokenRotationTriggers = types.MapUnknown(types.StringType) }, true},
		{"flag and active", managedUser(), func(m *userResourceModel) {
			m.Flag = wholeNumberValue(3)
			m.Active = types.BoolValue(false)
		}, false},

		// The first apply after an import adopts whatever the settings are.
		{"imported: settings adopted", importedUser(types.StringValue("com.example.chat")), func(m *userResourceModel) {
			m.TokenExpiryMinutes = wholeNumberValue(43200)
			m.MaxGroups = wholeNumberValue(7)
			m.TokenRotationTriggers = triggers("1")
			m.Flag = wholeNumberValue(2)
		}, false},
		{"imported: another app", importedUser(types.StringValue("com.example.chat")), func(m *userResourceModel) {
			m.AppID = types.StringValue("com.example.chat.v2")
		}, true},
		{"imported: app unknown until apply", importedUser(types.StringValue("com.example.chat")), func(m *userResourceModel) {
			m.AppID = types.StringUnknown()
		}, true},
		{"imported: Mesibo did not report the app", importedUser(types.StringNull()), func(m *userResourceModel) {
			m.AppID = types.StringValue("com.example.chat.v2")
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan := tt.state
			if plan.TokenExpiryMinutes.IsNull() {
				plan.TokenExpiryMinutes = wholeNumberValue(defaultTokenExpiryMinutes) // the schema default
			}
			plan.AppID = types.StringValue("com.example.chat")
			tt.change(&plan)
			if got := rotationNeeded(plan, tt.state); got != tt.want {
				t.Errorf("rotationNeeded = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestImportedUserPlanWarning(t *testing.T) {
	state := importedUser(types.StringValue("com.example.chat"))
	plan := state
	plan.TokenExpiryMinutes = wholeNumberValue(43200)
	plan.MaxGroups = wholeNumberValue(7)

	summary, detail := importedUserPlanWarning(plan, state)
	for _, want := range []string{`User "alice@example.com" (UID 101) was imported`, "cannot report its token settings",
		"token_expiry_minutes = 43200, max_groups = 7", "without calling useradd", "keeps its access token",
		"changing any of them, or app_id, issues a new access token"} {
		if summary != summaryUserTokenSettingsAdopted || !strings.Contains(detail, want) {
			t.Errorf("%s: %q does not say %q", summary, detail, want)
		}
	}

	plan.MaxGroups = wholeNumberNull()
	plan.AppID = types.StringValue("com.example.chat.v2")
	summary, detail = importedUserPlanWarning(plan, state)
	for _, want := range []string{`Its app_id in Mesibo is "com.example.chat", the configuration says "com.example.chat.v2"`,
		"issues the user a new access token", "max_groups = null (not set)", `set app_id to "com.example.chat"`} {
		if summary != summaryUserTokenReissued || !strings.Contains(detail, want) {
			t.Errorf("%s: %q does not say %q", summary, detail, want)
		}
	}

	plan.AppID = types.StringUnknown()
	if _, detail = importedUserPlanWarning(plan, state); !strings.Contains(detail, "known only at apply time: if it differs") {
		t.Errorf("an app_id unknown until apply: %q", detail)
	}
}

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ list.ListResource              = &userListResource{}
	_ list.ListResourceWithConfigure = &userListResource{}
)

// NewUserListResource returns the mesibo_user list resource, which finds
// users for terraform query (Terraform 1.14 and later).
func NewUserListResource() list.ListResource { return &userListResource{} }

type userListResource struct{ data *providerData }

type userListModel struct {
	Address types.String `tfsdk:"address"`
}

func (l *userListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (l *userListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Finds the app's users whose address matches a pattern, with `usersget`, "+
			"for `terraform query` (Terraform 1.14 and later). Each user found comes with its identity, ready for an "+
			"`import` block. Mesibo returns at most %d users: when that many come back, more may match, and a "+
			"warning says so; narrow the pattern to see them.", mesibo.MaxListCount),
		Attributes: map[string]schema.Attribute{
			"address": schema.StringAttribute{
				MarkdownDescription: addressPatternRules,
				Optional:            true,
				Validators:          []validator.String{addressPatternValidator{}},
			},
		},
	}
}

func (l *userListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// List asks usersget for the users matching the pattern, as many as the list
// block's limit asks for, at most the API's 20. Each result carries the
// user's identity and, when the list block asks for it, the state an import
// of the user leaves: what Mesibo reports, and null for the token settings
// and the access token, which it cannot report. Configuration generated from
// it therefore leaves the token settings to the first apply to adopt, and
// that apply issues no new token.
func (l *userListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if l.data == nil {
		diags.AddError(summaryReadUsers, "The provider is not configured, so no user was listed. "+
			"This is a bug in the provider; please report it.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	ctx = l.data.logContext(ctx)
	var cfg userListModel
	if diags.Append(req.Config.Get(ctx, &cfg)...); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	pattern := cfg.Address.ValueString()
	if cfg.Address.IsNull() {
		pattern = defaultUsersPattern
	}
	count := mesibo.MaxListCount
	if req.Limit > 0 && req.Limit < int64(count) {
		count = int(req.Limit)
	}
	users, err := l.data.client.GetUsers(ctx, mesibo.GetUsersRequest{Address: pattern, Count: count})
	if err != nil {
		addAPIError(&diags, summaryReadUsers, fmt.Sprintf("Could not list the users matching %q.", pattern), err)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	tflog.Debug(ctx, "Mesibo users listed for a query", map[string]any{"pattern": pattern, "found": len(users)})

	stream.Results = func(push func(list.ListResult) bool) {
		for _, u := range users {
			if !push(l.result(ctx, req, u)) {
				return
			}
		}
		if len(users) >= mesibo.MaxListCount {
			var warn diag.Diagnostics
			warn.AddWarning(summaryUsersMayBeMore, fmt.Sprintf("Mesibo's usersget returns at most %d users, and it "+
				"returned %d for %q, so more users may match than were listed. Narrow the pattern (for example with "+
				"a longer prefix of the address) and query again to see the others.", mesibo.MaxListCount, len(users), pattern))
			push(list.ListResult{Diagnostics: warn})
		}
	}
}

// result is the list result of one user.
func (l *userListResource) result(ctx context.Context, req list.ListRequest, u mesibo.User) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = u.Address
	r.Diagnostics.Append(setUserIdentity(ctx, r.Identity, types.StringValue(u.Address))...)
	if req.IncludeResource {
		r.Diagnostics.Append(r.Resource.Set(ctx, importedUserModel(u))...)
	}
	return r
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

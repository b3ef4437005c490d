package provider

import (
	"context"
	"fmt"
	"strings"

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
	// A user whose address the provider refuses cannot be imported or
	// named in a configuration: listing it would generate configuration
	// that fails to plan.
	var listed []mesibo.User
	var skipped []string
	for _, u := range oneRowPerUser(users) {
		if reason := addressProblem(u.Address); reason != "" {
			skipped = append(skipped, reason)
			continue
		}
		listed = append(listed, u)
	}
	tflog.Debug(ctx, "Mesibo users listed for a query", map[string]any{
		"pattern": pattern, "found": len(users), "skipped": len(skipped),
	})

	// The warnings come first: Terraform stops reading once it has as many
	// results as the list block's limit, and would never see a warning sent
	// after them.
	var warn diag.Diagnostics
	if len(skipped) > 0 {
		warn.AddWarning(summaryUsersSkipped, skippedUsersDetail(pattern, skipped))
	}
	if len(users) >= mesibo.MaxListCount {
		warn.AddWarning(summaryUsersMayBeMore, fmt.Sprintf("Mesibo's usersget returns at most %d users, and it "+
			"returned %d for %q, so more users may match than were listed. Narrow the pattern (for example with "+
			"a longer prefix of the address) and query again to see the others.", mesibo.MaxListCount, len(users), pattern))
	}
	stream.Results = func(push func(list.ListResult) bool) {
		if len(warn) > 0 && !push(list.ListResult{Diagnostics: warn}) {
			return
		}
		for _, u := range listed {
			if !push(l.result(ctx, req, u)) {
				return
			}
		}
	}
}

// skippedUsersDetail says which users matching pattern a query left out,
// each with what is wrong with its address, and why.
func skippedUsersDetail(pattern string, reasons []string) string {
	users, them := "1 user", "it"
	if len(reasons) > 1 {
		users, them = fmt.Sprintf("%d users", len(reasons)), "them"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The results leave out %[1]s that Mesibo returned for %[2]q: the provider cannot manage the "+
		"addresses below, so no configuration or import can name %[3]s, and the configuration that "+
		"-generate-config-out would write for %[3]s could not be planned. Nothing is changed in Mesibo.\n",
		users, pattern, them)
	for _, r := range reasons {
		fmt.Fprintf(&b, "\n- %s.", r)
	}
	fmt.Fprintf(&b, "\n\nAn address the provider can manage is %s. Such users can be managed only outside "+
		"Terraform, by the app that created them.", strings.ReplaceAll(addressRules, "`", ""))
	return b.String()
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

// oneRowPerUser returns users with each user once: usersget answers a row
// per app ID for a user with access tokens for several apps, all with the
// same address, and a user is one resource to import. The first row of an
// address stays, in its place.
func oneRowPerUser(users []mesibo.User) []mesibo.User {
	seen := map[string]bool{}
	out := make([]mesibo.User, 0, len(users))
	for _, u := range users {
		if seen[u.Address] {
			continue
		}
		seen[u.Address] = true
		out = append(out, u)
	}
	return out
}

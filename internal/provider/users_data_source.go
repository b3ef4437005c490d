package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ datasource.DataSource              = &usersDataSource{}
	_ datasource.DataSourceWithConfigure = &usersDataSource{}
)

// NewUsersDataSource returns the mesibo_users data source.
func NewUsersDataSource() datasource.DataSource { return &usersDataSource{} }

type usersDataSource struct{ data *providerData }

type usersDataSourceModel struct {
	Address   types.String `tfsdk:"address"`
	Limit     wholeNumber  `tfsdk:"limit"`
	Users     []userObject `tfsdk:"users"`
	Truncated types.Bool   `tfsdk:"truncated"`
}

func (d *usersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_users"
}

func (d *usersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Lists the app's users whose address matches a pattern, with `usersget`. "+
			"Mesibo returns at most %d users and meant this call for development: do not use it as a directory of a "+
			"large user base. When the answer holds as many users as asked for (`limit`), more may match than were "+
			"returned, and `truncated` is `true`; narrow the pattern to see them.", mesibo.MaxListCount),
		Attributes: map[string]schema.Attribute{
			"address": schema.StringAttribute{
				MarkdownDescription: addressPatternRules,
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{addressPatternValidator{}},
			},
			"limit": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("The most users to return, from 1 to %d (usersget's `count`; "+
					"Terraform reserves the name `count`). Defaults to `%d`.", mesibo.MaxListCount, mesibo.MaxListCount),
				Optional:   true,
				Computed:   true,
				Validators: []validator.Int64{int64validator.Between(1, mesibo.MaxListCount)},
			},
			"users": schema.ListNestedAttribute{
				MarkdownDescription: "The matching users, in the order Mesibo returns them: a user with access tokens for several apps once per app. A field Mesibo does not send is null.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"uid":     schema.Int64Attribute{Computed: true, MarkdownDescription: "The user's UID."},
						"address": schema.StringAttribute{Computed: true, MarkdownDescription: "The user's address."},
						"app_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "The app the user's access token is valid for."},
						"name":    schema.StringAttribute{Computed: true, MarkdownDescription: "The user's display name."},
						"active":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user is enabled."},
						"flag":    schema.Int64Attribute{Computed: true, MarkdownDescription: "The user's flags."},
					},
				},
			},
			"truncated": schema.BoolAttribute{
				MarkdownDescription: "Whether the answer may have been cut short: `true` when Mesibo returned as many " +
					"users as `limit` asked for, so more users may match the pattern than are listed.",
				Computed: true,
			},
		},
	}
}

func (d *usersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *usersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx = d.data.logContext(ctx)
	var cfg usersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Address.IsNull() {
		cfg.Address = types.StringValue(defaultUsersPattern)
	}
	if cfg.Limit.IsNull() {
		cfg.Limit = wholeNumberValue(mesibo.MaxListCount)
	}
	users, err := d.data.client.GetUsers(ctx, mesibo.GetUsersRequest{
		Address: cfg.Address.ValueString(),
		Count:   int(cfg.Limit.ValueInt64()),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryReadUsers,
			fmt.Sprintf("Could not list the users matching %q.", cfg.Address.ValueString()), err)
		return
	}
	cfg.Users = make([]userObject, 0, len(users))
	for _, u := range users {
		cfg.Users = append(cfg.Users, userObjectFromAPI(u))
	}
	// GetUsers never returns more than asked for: a full answer may be cut.
	cfg.Truncated = types.BoolValue(int64(len(users)) >= cfg.Limit.ValueInt64())
	tflog.Debug(ctx, "Mesibo users listed", map[string]any{
		"pattern": cfg.Address.ValueString(), "found": len(users), "truncated": cfg.Truncated.ValueBool(),
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ datasource.DataSource              = &userDataSource{}
	_ datasource.DataSourceWithConfigure = &userDataSource{}
)

// NewUserDataSource returns the mesibo_user data source.
func NewUserDataSource() datasource.DataSource { return &userDataSource{} }

type userDataSource struct{ data *providerData }

func (d *userDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (d *userDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One Mesibo user, found by its exact address, byte for byte, with `usersget`: for users " +
			"that another configuration or the app itself manages. A user that does not exist is an error.",
		Attributes: map[string]schema.Attribute{
			"address": schema.StringAttribute{
				MarkdownDescription: "The user's exact address, " + addressRules + " (`*` is not a wildcard here: " +
					"use the `mesibo_users` data source to match a pattern).",
				Required:   true,
				Validators: []validator.String{addressValidator{}},
			},
			"uid": schema.Int64Attribute{
				MarkdownDescription: "The user's UID. Null if Mesibo does not send it.",
				Computed:            true,
			},
			"app_id": schema.StringAttribute{
				MarkdownDescription: "The app the user's access token is valid for. Null if Mesibo does not send it.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The user's display name. Null if Mesibo does not send it.",
				Computed:            true,
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether the user is enabled. Null if Mesibo does not send it.",
				Computed:            true,
			},
			"flag": schema.Int64Attribute{
				MarkdownDescription: "The user's flags. Null if Mesibo does not send them.",
				Computed:            true,
			},
		},
	}
}

func (d *userDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *userDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx = d.data.logContext(ctx)
	var address types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("address"), &address)...)
	if resp.Diagnostics.HasError() {
		return
	}
	user, err := d.data.client.FindUser(ctx, address.ValueString())
	if errors.Is(err, mesibo.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("address"), summaryUserNotFound,
			userNotFoundDetail(address.ValueString(), err,
				"Check the spelling, or create the user first (with a mesibo_user resource, or in the app).",
				func(other string) string { return fmt.Sprintf("To read that user, set address = %q.", other) }))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryReadUser, fmt.Sprintf("Could not look up user %q.", address.ValueString()), err)
		return
	}
	obj := userObjectFromAPI(*user)
	// The address is the one asked for, as configured.
	obj.Address = address
	tflog.Debug(ctx, "Mesibo user found", map[string]any{"address": address.ValueString(), "uid": user.UID})
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
}

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

var (
	_ datasource.DataSource              = &groupMembersDataSource{}
	_ datasource.DataSourceWithConfigure = &groupMembersDataSource{}
)

// NewGroupMembersDataSource returns the mesibo_group_members data source.
func NewGroupMembersDataSource() datasource.DataSource { return &groupMembersDataSource{} }

type groupMembersDataSource struct{ data *providerData }

type groupMembersDataSourceModel struct {
	GID       wholeNumber    `tfsdk:"gid"`
	Members   []memberObject `tfsdk:"members"`
	Truncated types.Bool     `tfsdk:"truncated"`
}

// memberObject is one member of a group as the API describes it.
type memberObject struct {
	UID     types.Int64  `tfsdk:"uid"`
	Address types.String `tfsdk:"address"`
}

// memberObjectFromAPI is the one converter from an API member to the
// provider's types. A member whose UID the API did not give (an address that
// is not a user's) has a null uid.
func memberObjectFromAPI(m mesibo.Member) memberObject {
	obj := memberObject{UID: types.Int64Null(), Address: types.StringValue(m.Address)}
	if m.UID > 0 {
		obj.UID = types.Int64Value(m.UID)
	}
	return obj
}

func (d *groupMembersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group_members"
}

func (d *groupMembersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("The members of a Mesibo group, with one `groupgetmembers` call. Mesibo returns "+
			"at most %d members: `truncated` says when the list may be incomplete. A group that does not exist is an error.",
			mesibo.MaxListCount),
		Attributes: map[string]schema.Attribute{
			"gid": schema.Int64Attribute{
				CustomType:          wholeNumberType{},
				MarkdownDescription: "The group's GID, at least 1.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"members": schema.ListNestedAttribute{
				MarkdownDescription: fmt.Sprintf("The group's members, in the order Mesibo returns them, at most %d.",
					mesibo.MaxListCount),
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"uid": schema.Int64Attribute{
							Computed:            true,
							MarkdownDescription: "The member's UID; null when the address is not a user's or Mesibo does not say.",
						},
						"address": schema.StringAttribute{Computed: true, MarkdownDescription: "The member's address."},
					},
				},
			},
			"truncated": schema.BoolAttribute{
				MarkdownDescription: fmt.Sprintf("Whether the group may have more members than `members` lists: true when "+
					"Mesibo returned its maximum of %d (so a group of exactly %d members is reported as possibly "+
					"truncated too) or said there are more.", mesibo.MaxListCount, mesibo.MaxListCount),
				Computed: true,
			},
		},
	}
}

func (d *groupMembersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *groupMembersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx = d.data.logContext(ctx)
	var cfg groupMembersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gid := cfg.GID.ValueInt64()
	gm, err := d.data.client.GetGroupMembers(ctx, gid, mesibo.MaxListCount)
	if errors.Is(err, mesibo.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("gid"), summaryGroupNotFound,
			fmt.Sprintf("No Mesibo group has the GID %d. Check the gid, or create the group first (with a "+
				"mesibo_group resource, or in the app).\n\n%s", gid, err))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, summaryReadGroupMembers, fmt.Sprintf("Could not list the members of group %d.", gid), err)
		return
	}
	cfg.Members = make([]memberObject, 0, len(gm.Members))
	for _, m := range gm.Members {
		cfg.Members = append(cfg.Members, memberObjectFromAPI(m))
	}
	cfg.Truncated = types.BoolValue(gm.MayBeTruncated)
	tflog.Debug(ctx, "Mesibo group members listed", map[string]any{
		"gid": gid, "found": len(gm.Members), "truncated": gm.MayBeTruncated,
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

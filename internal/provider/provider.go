// Package provider implements the Mesibo Terraform provider: its
// configuration, resources and data sources. It maps HCL to calls of the
// internal/mesibo client and owns nothing of the protocol.
//
// The layout rule: each entity has its files, named <entity>_<kind>.go
// (user_resource.go, users_data_source.go, user_list_resource.go,
// message_action.go), and a resource's file holds its whole interface set:
// schema, identity schema, configure, CRUD, import and plan modification. An
// entity's model and the rules only it follows sit beside it
// (user_model.go, user_token.go: when an access token is issued,
// user_name.go: how a name change reaches Mesibo,
// group_membership_permissions.go: the members' permissions). What two
// or more entities share lives in one shared file named for what it does:
// provider_data.go (what Configure hands to every entity), ownership.go (one
// owner per Mesibo object, checked by every plan), membership_registry.go (the
// order of one apply's member edits), identity.go (the identity setters and
// import readers), message_send.go (the arguments the message resource and
// action share), validators.go, diagnostics.go (every warning and error
// summary), helpers.go (reading attributes, comparing trigger maps, random
// keys) and the custom types (*_type.go).
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// Environment variables the provider reads when the matching attribute is not set.
const (
	envAppToken             = "MESIBO_APP_TOKEN"
	envEndpoint             = "MESIBO_ENDPOINT"
	envMaxRequestsPerSecond = "MESIBO_MAX_REQUESTS_PER_SECOND"
	envRequestFormat        = "MESIBO_REQUEST_FORMAT"
)

const (
	defaultRequestTimeoutSeconds = 30
	defaultMaxRetries            = mesibo.DefaultMaxRetries
	maxMaxRetries                = 50
)

var (
	_ provider.Provider                  = &mesiboProvider{}
	_ provider.ProviderWithActions       = &mesiboProvider{}
	_ provider.ProviderWithListResources = &mesiboProvider{}
)

type mesiboProvider struct {
	version string
	// clientOptions adjust the client's config; tests use it to shorten
	// retry waits. Nil in the released provider.
	clientOptions func(*mesibo.Config)
}

// New returns a constructor for the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &mesiboProvider{version: version} }
}

type providerModel struct {
	AppToken              types.String `tfsdk:"app_token"`
	Endpoint              types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP     types.Bool   `tfsdk:"allow_insecure_http"`
	RequestTimeoutSeconds wholeNumber  `tfsdk:"request_timeout_seconds"`
	MaxRetries            wholeNumber  `tfsdk:"max_retries"`
	MaxRequestsPerSecond  types.Number `tfsdk:"max_requests_per_second"`
	RequestFormat         types.String `tfsdk:"request_format"`
}

func (p *mesiboProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "mesibo"
	resp.Version = p.version
}

func (p *mesiboProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Mesibo provider manages the users, groups and group memberships of a " +
			"[Mesibo](https://mesibo.com) app through Mesibo's backend API, authorised by the app token.",
		Attributes: map[string]schema.Attribute{
			"app_token": schema.StringAttribute{
				MarkdownDescription: "The app token from the Mesibo console that authorises every backend API call. " +
					"May also be set with the `" + envAppToken + "` environment variable. Keep it out of configuration files: " +
					"pass it from the environment, a variable marked `sensitive`, or a secrets store.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "The URL of the backend API. May also be set with the `" + envEndpoint + "` environment variable. " +
					"Defaults to `" + mesibo.DefaultEndpoint + "`. Must use `https`, except for a loopback host " +
					"(such as `http://127.0.0.1:8080/api.php`) or when `allow_insecure_http` is `true`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"allow_insecure_http": schema.BoolAttribute{
				MarkdownDescription: "Allow an `http://` endpoint on a host that is not loopback, as some on-premise " +
					"installations inside a private network use. The app token then travels unencrypted. Defaults to `false`.",
				Optional: true,
			},
			"request_timeout_seconds": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How long one HTTP attempt may take, in seconds, before it is abandoned "+
					"(and retried where that is safe). Defaults to `%d`.", defaultRequestTimeoutSeconds),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 3600)},
			},
			"max_retries": schema.Int64Attribute{
				CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How many times a transient failure (a network error, HTTP 429 or 5xx, "+
					"a garbled answer) is retried, with exponential backoff honouring `Retry-After`. Only calls that are "+
					"safe to repeat are retried: `groupadd` is repeated only when the request certainly did not reach "+
					"Mesibo. Defaults to `%d`; `0` disables retries.", defaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
			"max_requests_per_second": schema.NumberAttribute{
				MarkdownDescription: "The most requests per second the provider sends to Mesibo, for all resources " +
					"and data sources together and retries included, spaced evenly (`0.5` is one request every two " +
					"seconds). May also be set with the `" + envMaxRequestsPerSecond + "` environment variable. " +
					"Must be " + requestRateRange + "; defaults to no limit. A request about to wait " +
					mesibo.LongWait.String() + " or more for the limit (or for a pause) says so in the debug log. " +
					"Whatever this setting, when Mesibo (or a proxy in " +
					"front of it) answers HTTP 429 or 503, the provider holds back every request, not only the one " +
					"refused, for as long as its `Retry-After` asks, or for the retry's backoff without one.",
				Optional:   true,
				Validators: []validator.Number{requestRateValidator{}},
			},
			"request_format": schema.StringAttribute{
				MarkdownDescription: "How requests are written: `\"" + string(mesibo.FormatForm) + "\"`, the legacy form parameters " +
					"(`op=useradd&addr=...`), or `\"" + string(mesibo.FormatJSON) + "\"`, Mesibo's current JSON backend API " +
					"(a JSON body such as `{\"op\": \"useradd\", \"user\": {...}}`). May also be set with the `" + envRequestFormat +
					"` environment variable. Defaults to `\"json\"` when the endpoint's path ends in `/backend` or `/backend/` " +
					"(such as `https://api.mesibo.com/backend/`), else `\"form\"`. Only the JSON format can rename a user " +
					"without issuing a new access token.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(string(mesibo.FormatForm), string(mesibo.FormatJSON))},
			},
		},
	}
}

func (p *mesiboProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	unknown := map[string]types.String{"app_token": cfg.AppToken, "endpoint": cfg.Endpoint, "request_format": cfg.RequestFormat}
	for name, v := range unknown {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown Mesibo Provider Setting",
				fmt.Sprintf("The provider cannot be configured because %s is not known until apply. "+
					"Set it from a value known at plan time (a variable, a data source or the environment).", name))
		}
	}
	if cfg.AllowInsecureHTTP.IsUnknown() || cfg.RequestTimeoutSeconds.IsUnknown() || cfg.MaxRetries.IsUnknown() ||
		cfg.MaxRequestsPerSecond.IsUnknown() {
		resp.Diagnostics.AddError("Unknown Mesibo Provider Setting",
			"allow_insecure_http, request_timeout_seconds, max_retries and max_requests_per_second must be known at plan time.")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	token, tokenSource := cfg.AppToken.ValueString(), "app_token"
	if cfg.AppToken.IsNull() {
		token, tokenSource = os.Getenv(envAppToken), "the "+envAppToken+" environment variable"
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("app_token"), "Missing Mesibo App Token",
			"The provider needs the app token of your Mesibo app (from the Mesibo console) to call the backend API. "+
				"Set app_token in the provider block, or the "+envAppToken+" environment variable.")
		return
	}
	if problem := tokenWhitespace(token); problem != "" {
		resp.Diagnostics.AddAttributeError(path.Root("app_token"), "Invalid Mesibo App Token",
			fmt.Sprintf("The app token in %s %s. Mesibo app tokens contain no whitespace, so Mesibo would refuse it. "+
				"It usually comes from reading the token from a file: in HCL, use trimspace(file(\"token.txt\")); in a "+
				"shell, look for a trailing line break or a Windows line ending (\\r) in the file. The token is not "+
				"shown here.", tokenSource, problem))
		return
	}
	// From here on, nothing logged in this request shows the token.
	ctx = maskSecrets(ctx, token)

	endpoint, endpointSource := cfg.Endpoint.ValueString(), "endpoint"
	if cfg.Endpoint.IsNull() {
		endpoint, endpointSource = os.Getenv(envEndpoint), "the "+envEndpoint+" environment variable"
	}
	if endpoint == "" {
		endpoint, endpointSource = mesibo.DefaultEndpoint, "the default endpoint"
	}
	allowInsecure := cfg.AllowInsecureHTTP.ValueBool()
	if err := mesibo.ValidateEndpoint(endpoint, allowInsecure); err != nil {
		next := "Mesibo's own API is at " + mesibo.DefaultEndpoint + "."
		if errors.Is(err, mesibo.ErrInsecureEndpoint) {
			next = "Set allow_insecure_http = true only for an on-premise server reached through a private network."
		}
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid Mesibo Endpoint",
			fmt.Sprintf("The endpoint from %s cannot be used: %s. %s", endpointSource, err, next))
		return
	}

	timeout := int64(defaultRequestTimeoutSeconds)
	if !cfg.RequestTimeoutSeconds.IsNull() {
		timeout = cfg.RequestTimeoutSeconds.ValueInt64()
	}
	retries := int64(defaultMaxRetries)
	if !cfg.MaxRetries.IsNull() {
		retries = cfg.MaxRetries.ValueInt64()
	}
	var perSecond float64 // 0: no limit
	if cfg.MaxRequestsPerSecond.IsNull() {
		v, err := requestsPerSecondFromEnv(os.Getenv(envMaxRequestsPerSecond))
		if err != nil {
			why := ""
			if errors.Is(err, errRequestRateRange) {
				why = " " + requestRateWhy
			}
			resp.Diagnostics.AddAttributeError(path.Root("max_requests_per_second"), "Invalid Mesibo Provider Setting",
				fmt.Sprintf("The %s environment variable %s.%s Set it to the most requests per second, for example 5 "+
					"or 0.5, or unset it for no limit.", envMaxRequestsPerSecond, err, why))
			return
		}
		perSecond = v
	} else {
		// The validator has checked the range, which float64 holds.
		perSecond, _ = cfg.MaxRequestsPerSecond.ValueBigFloat().Float64()
		if !requestRateInRange(perSecond) {
			resp.Diagnostics.AddAttributeError(path.Root("max_requests_per_second"), summaryInvalidValue,
				"max_requests_per_second must be "+requestRateRange+".")
			return
		}
	}

	format, ok := requestFormat(cfg.RequestFormat, endpoint, &resp.Diagnostics)
	if !ok {
		return
	}

	clientCfg := mesibo.Config{
		Endpoint:             endpoint,
		AllowInsecureHTTP:    allowInsecure,
		AppToken:             token,
		Version:              p.version,
		TerraformVersion:     req.TerraformVersion,
		RequestTimeout:       time.Duration(timeout) * time.Second,
		MaxRetries:           int(retries),
		MaxRequestsPerSecond: perSecond,
		RequestFormat:        format,
		Logger:               newClientLogger(os.Getenv(LogLevelEnv)),
	}
	if p.clientOptions != nil {
		p.clientOptions(&clientCfg)
	}
	client, err := mesibo.New(clientCfg)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Configure the Mesibo Client", err.Error())
		return
	}
	tflog.Debug(ctx, "Mesibo provider configured", map[string]any{
		"endpoint": endpoint, "request_timeout_seconds": timeout, "max_retries": retries,
		"max_requests_per_second": perSecond, "request_format": string(client.RequestFormat()),
	})

	data := &providerData{client: client, appToken: token}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

func (p *mesiboProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewUserResource,
		NewGroupResource,
		NewGroupMembershipResource,
		NewMessageResource,
	}
}

func (p *mesiboProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewUsersDataSource,
		NewUserDataSource,
		NewGroupMembersDataSource,
	}
}

// Actions are invoked by Terraform 1.14 and later; older CLIs ignore them.
func (p *mesiboProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewMessageAction,
	}
}

// ListResources serve terraform query (Terraform 1.14 and later); older CLIs
// ignore them.
func (p *mesiboProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewUserListResource,
	}
}

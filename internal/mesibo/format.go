package mesibo

import (
	"fmt"
	"net/url"
	"strings"
)

// RequestFormat is how the client writes its requests: the legacy form
// parameters or the JSON backend API. Both are answered with the same JSON
// envelope, and every Client method works in both, but SetUserName.
type RequestFormat string

const (
	// FormatForm sends the legacy parameters (op=useradd&addr=...) in a
	// form-encoded POST body, as the seed specification describes them.
	FormatForm RequestFormat = "form"
	// FormatJSON sends Mesibo's current JSON backend API: a JSON body
	// {"op":..., "token":..., "user"|"group"|"message": {...}}. Where no JSON
	// shape is documented (usersget) it sends the form parameters, which
	// Mesibo accepts at the same URL.
	FormatJSON RequestFormat = "json"
)

// RequestFormats are the formats ParseRequestFormat accepts.
var RequestFormats = []RequestFormat{FormatForm, FormatJSON}

// ParseRequestFormat returns the request format named s, "form" or "json",
// exactly so spelled. Anything else, the empty string included, is an error
// whose text says what is allowed, fit to show to a user as it is.
func ParseRequestFormat(s string) (RequestFormat, error) {
	switch f := RequestFormat(s); f {
	case FormatForm, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("request format %q is not one of %q (the legacy form parameters) or %q (the JSON backend API)", s, FormatForm, FormatJSON)
}

// DefaultRequestFormat is the format for endpoint when none is chosen:
// FormatJSON when the endpoint's path ends in "/backend" or "/backend/",
// where Mesibo serves its JSON backend API, and FormatForm for any other
// endpoint, DefaultEndpoint (also used when endpoint is empty) and an
// endpoint that is not a URL included. The path is compared as it is
// written: "/Backend/" is another path.
func DefaultRequestFormat(endpoint string) RequestFormat {
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return FormatForm
	}
	if strings.HasSuffix(u.Path, "/backend") || strings.HasSuffix(u.Path, "/backend/") {
		return FormatJSON
	}
	return FormatForm
}

// ResolveRequestFormat is the format a client for endpoint uses when asked
// for format: format itself when it is not empty (an error when it is not a
// format, see ParseRequestFormat), else DefaultRequestFormat(endpoint).
func ResolveRequestFormat(format, endpoint string) (RequestFormat, error) {
	if format == "" {
		return DefaultRequestFormat(endpoint), nil
	}
	return ParseRequestFormat(format)
}

package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// maxBodyBytes bounds a request body; larger bodies are refused.
const maxBodyBytes = 1 << 20

// params holds one value per parameter name.
type params map[string]string

// get returns the value of name and whether it is present with a non-empty
// value: an empty value counts as absent.
func (p params) get(name string) (string, bool) {
	v, ok := p[name]
	return v, ok && v != ""
}

// apiRequest is a parsed API request.
type apiRequest struct {
	op      string
	params  params
	problem *apiError    // set when the request itself cannot be read
	json    *jsonRequest // set for a JSON body
}

// parseRequest reads the parameters of an API request: the query string and,
// for POST, a form-encoded or multipart body, or a JSON body where jsonAPI
// says the path serves the JSON API. Body values override query values;
// within one source the last value of a repeated name wins. It never fails:
// a request that cannot be read gets a problem, which becomes the answer,
// and as much of the op and id as could be read.
func parseRequest(r *http.Request, jsonAPI bool) apiRequest {
	req := apiRequest{params: params{}}
	query, qerr := url.ParseQuery(r.URL.RawQuery)
	mergeValues(req.params, query)
	if qerr != nil {
		req.problem = badRequest(400, "the query string is not valid URL encoding")
	}

	switch r.Method {
	case http.MethodGet, http.MethodPost:
	default:
		req.op = req.params["op"]
		if req.problem == nil {
			req.problem = badRequest(405, "method "+r.Method+" is not supported; use GET with a query string or POST with a form-encoded or JSON body")
		}
		return req
	}

	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		body = b
		switch {
		case err != nil:
			req.problem = badRequest(400, "the request body could not be read")
		case len(b) > maxBodyBytes:
			req.problem = badRequest(413, "the request body is larger than 1 MiB")
			body = nil
		}
	}
	if req.problem == nil && len(body) > 0 {
		req.json, req.problem = parseBody(r.Header.Get("Content-Type"), body, req.params, jsonAPI)
	}
	req.op = req.params["op"]
	return req
}

// parseBody adds the parameters of a request body to p, or returns why it
// cannot. A JSON body is read where jsonAPI says the path serves the JSON
// API, and refused elsewhere.
func parseBody(contentType string, body []byte, p params, jsonAPI bool) (*jsonRequest, *apiError) {
	mediaType, mparams, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mediaType, err = "", nil
	}
	switch {
	case err != nil:
		return nil, badRequest(415, "the Content-Type header cannot be parsed; send application/x-www-form-urlencoded or application/json")
	case mediaType == "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		mergeValues(p, values)
		if err != nil {
			return nil, badRequest(400, "the form-encoded body is not valid URL encoding")
		}
		return nil, nil
	case mediaType == "multipart/form-data":
		return nil, parseMultipart(body, mparams["boundary"], p)
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") ||
		(mediaType == "" && looksLikeJSON(body)):
		if jsonAPI {
			return parseJSONBody(body, p)
		}
		// Mesibo serves its JSON API at /backend/ only. Read the op so
		// the answer can name it.
		var peek struct {
			Op string `json:"op"`
		}
		if json.Unmarshal(body, &peek) == nil && peek.Op != "" {
			if _, given := p["op"]; !given {
				p["op"] = peek.Op
			}
		}
		return nil, badRequest(415, "JSON request bodies are served at /backend/; at this path send the parameters form-encoded (application/x-www-form-urlencoded) or in the query string")
	default:
		name := mediaType
		if name == "" {
			name = "none"
		}
		return nil, badRequest(415, "a request body with Content-Type "+name+" is not supported; send application/x-www-form-urlencoded, or application/json at /backend/")
	}
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

func parseMultipart(body []byte, boundary string, p params) *apiError {
	if boundary == "" {
		return badRequest(400, "the multipart body has no boundary")
	}
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(maxBodyBytes)
	if err != nil {
		return badRequest(400, "the multipart body cannot be parsed")
	}
	defer func() { _ = form.RemoveAll() }()
	mergeValues(p, form.Value)
	return nil
}

// mergeValues copies values into p, the last value of each name winning.
func mergeValues(p params, values url.Values) {
	for k, vs := range values {
		if len(vs) > 0 {
			p[k] = vs[len(vs)-1]
		}
	}
}

func badRequest(code int, cause string) *apiError {
	return &apiError{Code: "BADREQUEST", HTTP: code, Cause: cause}
}

// errBadNumber is returned by parseNumber for malformed numbers.
var errBadNumber = errors.New("not a non-negative decimal integer")

// parseNumber accepts decimal digits only (no sign, spaces, exponent or hex)
// that fit in an int64.
func parseNumber(s string) (int64, error) {
	if s == "" || len(s) > 19 {
		return 0, errBadNumber
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errBadNumber
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, errBadNumber
		}
		n = n*10 + d
	}
	return n, nil
}

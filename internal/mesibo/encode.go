package mesibo

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
)

// payload is one request's body before the op and the app token are added:
// form parameters, or a JSON body.
type payload struct {
	form url.Values // the form parameters, when json is nil
	json *jsonBody  // the JSON body, when the request is sent as JSON
}

// encoder writes the requests of one request format. There is one per
// format (formEncoder, jsonEncoder); the client methods build their
// requests through it and share everything else: validation, retries,
// decoding.
type encoder interface {
	// addUser is useradd; without issueToken, a useradd that creates or
	// updates the user without issuing an access token (JSON only).
	addUser(r AddUserRequest, issueToken bool) payload
	setUser(r SetUserRequest) payload
	deleteUser(uid int64) payload
	getUsers(pattern string, count int) payload
	// group is groupadd (gid 0) or groupset.
	group(gid int64, r GroupRequest) payload
	deleteGroup(gid int64) payload
	// editMembers is groupeditmembers; perms are sent only when not nil.
	editMembers(gid int64, addresses []string, remove bool, perms *Permissions) payload
	// memberBytes is how many bytes address takes in the member list of
	// editMembers, so that the list can be cut in chunks of a bounded size.
	memberBytes(address string) int
	getMembers(gid int64, count int) payload
	message(r MessageRequest) payload
}

// encoderFor returns the encoder of f.
func encoderFor(f RequestFormat) encoder {
	if f == FormatJSON {
		return jsonEncoder{}
	}
	return formEncoder{}
}

// encodeJSON writes v as compact JSON without escaping "<", ">" and "&",
// which Mesibo has no reason to see escaped.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// describeJSON lists a JSON body's values for the trace log, one entry per
// scalar under its dotted path ("user.token.appid"), with the app token
// masked. body is the encoded body, token included.
func describeJSON(body []byte, redact func(string) string) map[string]string {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return map[string]string{}
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(prefix+"."+k, v[k])
			}
		case string:
			out[prefix[1:]] = redact(v)
		case json.Number:
			out[prefix[1:]] = v.String()
		case bool:
			out[prefix[1:]] = strconv.FormatBool(v)
		case nil:
			out[prefix[1:]] = "null"
		default:
			b, _ := json.Marshal(v)
			out[prefix[1:]] = redact(string(b))
		}
	}
	walk("", doc)
	if _, ok := out["token"]; ok {
		out["token"] = "***"
	}
	return out
}

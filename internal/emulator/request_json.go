package emulator

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// The JSON backend API, served at /backend/ and /backend: a body
// {"op", "token", and "user", "group" or "message": {...}}. It is read into
// the same parameters as a form request, each JSON value under the name of
// the form parameter it stands for, so that every op serves both formats.

// jsonFields maps the fields of one JSON object to form parameters. A
// field not listed is ignored, as the form API ignores parameters it does
// not know.
type jsonFields map[string]string

var (
	// jsonUserFields are the fields of "user".
	jsonUserFields = jsonFields{
		"uid": "uid", "address": "addr", "name": "name", "active": "active",
		"flags": "flag", "flag": "flag", "groups": "groups",
	}
	// jsonTokenFields are the fields of "user.token", the access token
	// useradd is asked for.
	jsonTokenFields = jsonFields{"appid": "appid", "expiry": "expiry"}
	// jsonGroupFields are the fields of "group".
	jsonGroupFields = jsonFields{
		"gid": "gid", "name": "name", "flags": "flag", "flag": "flag", "expiry": "expiry",
		"expiryext": "expiryext", "active": "active", "delete": "delete",
	}
	// jsonPermissionFields are the fields of "group.members.permissions".
	jsonPermissionFields = jsonFields{"send": "cs", "recv": "cr", "pub": "canpub", "sub": "cansub", "list": "canlist"}
	// jsonMessageFields are the fields of "message".
	jsonMessageFields = jsonFields{
		"from": "from", "to": "to", "gid": "gid", "type": "type", "expiry": "expiry", "message": "msg",
	}
)

// jsonNames are the JSON paths of the form parameters, by the object an op
// takes, for naming a parameter the request lacks in an answer's
// properties.
var jsonNames = map[string]map[string]string{
	"user": {
		"uid": "user.uid", "addr": "user.address", "name": "user.name", "active": "user.active",
		"flag": "user.flags", "groups": "user.groups", "appid": "user.token.appid", "expiry": "user.token.expiry",
	},
	"group": {
		"gid": "group.gid", "name": "group.name", "flag": "group.flags", "expiry": "group.expiry",
		"expiryext": "group.expiryext", "active": "group.active", "delete": "group.delete", "m": "group.members.m",
		"cs": "group.members.permissions.send", "cr": "group.members.permissions.recv",
		"canpub": "group.members.permissions.pub", "cansub": "group.members.permissions.sub",
		"canlist": "group.members.permissions.list",
	},
	"message": {
		"from": "message.from", "to": "message.to", "gid": "message.gid", "type": "message.type",
		"expiry": "message.expiry", "msg": "message.message",
	},
}

// opObject is the JSON object op takes its parameters in.
func opObject(op string) string {
	switch op {
	case "useradd", "userset", "userdel":
		return "user"
	case "groupadd", "groupset", "groupdel", "groupeditmembers", "groupgetmembers", "getmembers":
		return "group"
	case "message":
		return "message"
	}
	return ""
}

// jsonRequest is what a JSON body says beyond its parameters.
type jsonRequest struct {
	// tokenObject is true when user.token is an object: useradd issues an
	// access token only then.
	tokenObject bool
	// removeToken is user.token.remove: userset removes the user's tokens.
	removeToken bool
	// paths are the JSON paths the parameters came from.
	paths map[string]string
	// badTypes are the JSON paths of values of the wrong type (an object
	// where a number was due, say), sorted.
	badTypes []string
}

// name is the name of parameter param of op in an answer to this request:
// the JSON path it came from, or would have come from.
func (j *jsonRequest) name(op, param string) string {
	if p, ok := j.paths[param]; ok {
		return p
	}
	if p, ok := jsonNames[opObject(op)][param]; ok {
		return p
	}
	return param
}

// parseJSONBody reads a JSON body into p (its values override those of the
// query string) and returns what else it says, or why it cannot be read.
func parseJSONBody(body []byte, p params) (*jsonRequest, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, badRequest(400, "the JSON body cannot be parsed")
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil, badRequest(400, "the JSON body must be an object: {\"op\": ..., \"token\": ..., ...}")
	}
	j := &jsonRequest{paths: map[string]string{}}
	// Top-level scalars are parameters of their own name (op, token, id,
	// count, and usersget's addr, which has no object).
	for k, v := range top {
		if k == "user" || k == "group" || k == "message" {
			continue
		}
		if s, ok, isScalar := scalar(v); isScalar {
			j.set(p, k, k, s, ok)
		}
	}
	if u, ok := j.object(top, "user", "user"); ok {
		j.fields(p, u, "user", jsonUserFields)
		switch tok := u["token"].(type) {
		case map[string]any:
			j.tokenObject = true
			j.fields(p, tok, "user.token", jsonTokenFields)
			if r, ok, isScalar := scalar(tok["remove"]); isScalar && ok {
				j.removeToken = r == "1"
			}
		case nil:
		default:
			j.badTypes = append(j.badTypes, "user.token")
		}
	}
	if g, ok := j.object(top, "group", "group"); ok {
		j.fields(p, g, "group", jsonGroupFields)
		if m, ok := j.object(g, "members", "group.members"); ok {
			switch list := m["m"].(type) {
			case []any: // a list of addresses, as well as "a,b"
				var addrs []string
				for _, a := range list {
					if s, ok, isScalar := scalar(a); isScalar && ok {
						addrs = append(addrs, s)
					} else {
						j.badTypes = append(j.badTypes, "group.members.m")
						break
					}
				}
				j.set(p, "m", "group.members.m", strings.Join(addrs, ","), true)
			default:
				j.fields(p, map[string]any{"m": list}, "group.members", jsonFields{"m": "m"})
			}
			if perms, ok := j.object(m, "permissions", "group.members.permissions"); ok {
				j.fields(p, perms, "group.members.permissions", jsonPermissionFields)
			}
		}
	}
	if m, ok := j.object(top, "message", "message"); ok {
		j.fields(p, m, "message", jsonMessageFields)
	}
	sort.Strings(j.badTypes)
	return j, nil
}

// object returns the object under key of parent, when there is one; a
// value there that is not an object is of the wrong type.
func (j *jsonRequest) object(parent map[string]any, key, path string) (map[string]any, bool) {
	switch v := parent[key].(type) {
	case map[string]any:
		return v, true
	case nil:
	default:
		j.badTypes = append(j.badTypes, path)
	}
	return nil, false
}

// fields reads the fields of obj that names lists into p.
func (j *jsonRequest) fields(p params, obj map[string]any, path string, names jsonFields) {
	for k, v := range obj {
		param, known := names[k]
		if !known {
			continue
		}
		s, ok, isScalar := scalar(v)
		if !isScalar {
			j.badTypes = append(j.badTypes, path+"."+k)
			continue
		}
		j.set(p, param, path+"."+k, s, ok)
	}
}

// set puts one value into p; null (ok false) leaves the parameter out.
func (j *jsonRequest) set(p params, param, path, value string, ok bool) {
	if !ok {
		delete(p, param)
		delete(j.paths, param)
		return
	}
	p[param] = value
	j.paths[param] = path
}

// scalar is the text of a JSON scalar as a form parameter: a string as it
// is, a number as written, true and false as 1 and 0. ok is false for null;
// isScalar is false for an object or a list.
func scalar(v any) (s string, ok, isScalar bool) {
	switch v := v.(type) {
	case nil:
		return "", false, true
	case string:
		return v, true, true
	case json.Number:
		return v.String(), true, true
	case bool:
		if v {
			return "1", true, true
		}
		return "0", true, true
	}
	return "", false, false
}

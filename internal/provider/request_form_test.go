package provider

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// requestForm reads a request body the provider sent, in either request
// format, as the form parameters that carry the same values (op, token,
// addr, gid, m, delete, count, ...), so that a test's proxy or recorder
// sees the same request whichever format the suite runs in. A JSON body's
// objects are flattened: user.address is addr, group.members.m is m,
// group.members.permissions.send is cs, and so on.
func requestForm(body []byte) url.Values {
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		form, _ := url.ParseQuery(string(body))
		return form
	}
	form := url.Values{}
	flattenJSON(form, "", obj)
	return form
}

// jsonFormNames maps the path of a JSON field to its form parameter; a
// field not listed keeps its own name.
var jsonFormNames = map[string]string{
	"user.address": "addr", "user.flags": "flag", "user.token.appid": "appid", "user.token.expiry": "expiry",
	"group.flags": "flag", "group.members.m": "m",
	"group.members.permissions.send": "cs", "group.members.permissions.recv": "cr",
	"group.members.permissions.pub": "canpub", "group.members.permissions.sub": "cansub",
	"group.members.permissions.list": "canlist", "message.message": "msg",
}

func flattenJSON(form url.Values, prefix string, obj map[string]any) {
	for k, v := range obj {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		name := k
		if n, ok := jsonFormNames[p]; ok {
			name = n
		}
		switch v := v.(type) {
		case map[string]any:
			flattenJSON(form, p, v)
		case string:
			form.Set(name, v)
		case bool:
			form.Set(name, map[bool]string{true: "1", false: "0"}[v])
		case float64:
			form.Set(name, strconv.FormatFloat(v, 'f', -1, 64))
		case nil:
		default:
			form.Set(name, fmt.Sprint(v))
		}
	}
}

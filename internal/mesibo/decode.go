package mesibo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// The API's JSON is loosely typed: older servers send numbers as strings and
// the message op answers "OK"/"FAIL" where the others answer true/false. These
// types accept every spelling seen and reject the rest with an error, never a
// panic.

// scalarText returns the text of a JSON scalar, trimmed: a string's contents,
// or the literal of a number or boolean. null gives "".
func scalarText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return "", nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
	}
	return strings.TrimSpace(s), nil
}

// flexInt is an integer sent as a JSON number or a numeric string.
// null and "" decode to zero with Set false.
type flexInt struct {
	Value int64
	Set   bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return err
	}
	if s == "" {
		*f = flexInt{}
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Accept integers written as decimals, such as 12.0 or 1e3, when
		// their value is exact: not 1.5, not 1e-400 (which a float64 would
		// round to 0), not 2^63 (which does not fit), not hex or Inf.
		var ok bool
		if n, ok = exactDecimalInt(s); !ok {
			return fmt.Errorf("expected an integer, got %s", truncateForError(b))
		}
	}
	*f = flexInt{Value: n, Set: true}
	return nil
}

// decimalNumber is a plain decimal number with a small exponent.
var decimalNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]{1,3})?$`)

// exactDecimalInt returns the value of s, a decimal number, when it is an
// integer that fits an int64.
func exactDecimalInt(s string) (int64, bool) {
	if len(s) > 64 || !decimalNumber.MatchString(s) {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// flexBool is a boolean sent as true/false, 1/0, "1"/"0", "true"/"false",
// "OK"/"FAIL" or "yes"/"no".
type flexBool struct {
	Value bool
	Set   bool
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return err
	}
	switch strings.ToLower(s) {
	case "true", "1", "ok", "yes":
		*f = flexBool{Value: true, Set: true}
	case "false", "0", "fail", "no":
		*f = flexBool{Value: false, Set: true}
	case "":
		*f = flexBool{}
	default:
		return fmt.Errorf("expected a boolean, got %s", truncateForError(b))
	}
	return nil
}

// flexString is a string that may also arrive as a number or boolean.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("expected a string, got %s", truncateForError(b))
	default:
		*f = flexString(b)
	}
	return nil
}

// optString is a string that may be absent: null and a missing field are
// not set, "" is. Numbers and booleans are taken as their text.
type optString struct {
	Value string
	Set   bool
}

func (o *optString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = optString{}
		return nil
	}
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*o = optString{Value: string(s), Set: true}
	return nil
}

func (o optString) ptr() *string {
	if !o.Set {
		return nil
	}
	v := o.Value
	return &v
}

// flexStrings is a list of strings that may also arrive as one string
// (comma-separated) or null.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var items []flexString
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, string(it))
		}
		*f = out
		return nil
	}
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = nil
	for _, part := range strings.Split(string(s), ",") {
		if part = strings.TrimSpace(part); part != "" {
			*f = append(*f, part)
		}
	}
	return nil
}

// truncateForError describes an unexpected JSON value for an error message.
// Strings, objects and arrays are described, never quoted: they may hold a
// secret (an answer echoing the app token, say), and quoting only the first
// bytes would defeat masking the whole token later.
func truncateForError(b []byte) string {
	const maxQuoted = 32
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '"':
		return fmt.Sprintf("a string of %d bytes", max(len(b)-2, 0))
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "an array"
	case len(b) > maxQuoted:
		return fmt.Sprintf("a value of %d bytes", len(b))
	}
	return string(b)
}

// envelope is the part of every answer that says how the request went.
type envelope struct {
	Op         flexString  `json:"op"`
	Result     *flexBool   `json:"result"`
	Error      flexString  `json:"error"`
	Code       flexInt     `json:"code"`
	Cause      flexString  `json:"cause"`
	Properties flexStrings `json:"properties"`
}

// userJSON is a user as the API sends it, in useradd and usersget answers.
type userJSON struct {
	UID     flexInt    `json:"uid"`
	Address flexString `json:"address"`
	Addr    flexString `json:"addr"`
	AppID   flexString `json:"appid"`
	Name    optString  `json:"name"`
	Token   flexString `json:"token"`
	Active  flexBool   `json:"active"`
	Flag    flexInt    `json:"flag"`
}

func (u userJSON) user() User {
	out := User{
		UID:     u.UID.Value,
		Address: string(u.Address),
		AppID:   string(u.AppID),
		Name:    u.Name.ptr(),
		Token:   string(u.Token),
	}
	if out.Address == "" {
		out.Address = string(u.Addr)
	}
	if u.Active.Set {
		v := u.Active.Value
		out.Active = &v
	}
	if u.Flag.Set {
		v := u.Flag.Value
		out.Flag = &v
	}
	return out
}

// memberJSON is a group member as groupgetmembers sends it. Its
// permissions may come as an object, as the JSON API writes them
// ("permissions": {send, recv, pub, sub, list}), or as the form API's flags
// (cs, cr, canpub, cansub, canlist); see doc.go.
type memberJSON struct {
	UID         flexInt          `json:"uid"`
	Address     flexString       `json:"address"`
	Addr        flexString       `json:"addr"`
	Permissions *permissionsJSON `json:"permissions"`
	CS          lenientBool      `json:"cs"`
	CR          lenientBool      `json:"cr"`
	CanPub      lenientBool      `json:"canpub"`
	CanSub      lenientBool      `json:"cansub"`
	CanList     lenientBool      `json:"canlist"`
}

// permissions are the member's permissions when the answer reports all
// five in one spelling, else nil: some of them are no answer to what the
// member may do.
func (m memberJSON) permissions() *Permissions {
	all := func(bs ...lenientBool) bool {
		for _, b := range bs {
			if !b.Set {
				return false
			}
		}
		return true
	}
	if p := m.Permissions; p != nil && all(p.Send, p.Recv, p.Pub, p.Sub, p.List) {
		return &Permissions{Send: p.Send.Value, Receive: p.Recv.Value, Publish: p.Pub.Value, Subscribe: p.Sub.Value, List: p.List.Value}
	}
	if all(m.CS, m.CR, m.CanPub, m.CanSub, m.CanList) {
		return &Permissions{Send: m.CS.Value, Receive: m.CR.Value, Publish: m.CanPub.Value, Subscribe: m.CanSub.Value, List: m.CanList.Value}
	}
	return nil
}

// permissionsJSON is a member's permissions object. Anything but an object
// reports nothing.
type permissionsJSON struct {
	Send lenientBool `json:"send"`
	Recv lenientBool `json:"recv"`
	Pub  lenientBool `json:"pub"`
	Sub  lenientBool `json:"sub"`
	List lenientBool `json:"list"`
}

func (p *permissionsJSON) UnmarshalJSON(b []byte) error {
	*p = permissionsJSON{}
	if b = bytes.TrimSpace(b); len(b) == 0 || b[0] != '{' {
		return nil
	}
	type plain permissionsJSON
	var v plain
	// Values that cannot be read stay unset (lenientBool), and an object
	// that cannot be read at all reports nothing: permissions are extra
	// information that must not fail the whole answer.
	if json.Unmarshal(b, &v) == nil {
		*p = permissionsJSON(v)
	}
	return nil
}

// lenientBool is a flexBool that is not set, rather than an error, when its
// value is not a boolean: permissions are extra information, and a value
// that cannot be read must not fail the whole answer.
type lenientBool struct{ flexBool }

func (l *lenientBool) UnmarshalJSON(b []byte) error {
	if err := l.flexBool.UnmarshalJSON(b); err != nil {
		l.flexBool = flexBool{}
	}
	return nil
}

// UnmarshalJSON accepts a member as an object or as a bare address string.
func (m *memberJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*m = memberJSON{Address: flexString(s)}
		return nil
	}
	type plain memberJSON
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = memberJSON(p)
	return nil
}

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
	Token   flexString `json:"token"`
	Active  flexBool   `json:"active"`
	Flag    flexInt    `json:"flag"`
}

func (u userJSON) user() User {
	out := User{
		UID:     u.UID.Value,
		Address: string(u.Address),
		AppID:   string(u.AppID),
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

// memberJSON is a group member as groupgetmembers sends it.
type memberJSON struct {
	UID     flexInt    `json:"uid"`
	Address flexString `json:"address"`
	Addr    flexString `json:"addr"`
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

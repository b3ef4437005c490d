package mesibo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestFlexInt(t *testing.T) {
	t.Parallel()
	ok := map[string]flexInt{
		`10`:                     {10, true},
		`"10"`:                   {10, true},
		`" 10 "`:                 {10, true},
		`-3`:                     {-3, true},
		`"+7"`:                   {7, true},
		`0`:                      {0, true},
		`12.0`:                   {12, true},
		`1e3`:                    {1000, true},
		`"2E2"`:                  {200, true},
		`1.5e1`:                  {15, true},
		`9223372036854775807`:    {9223372036854775807, true},
		`-9223372036854775808`:   {-9223372036854775808, true},
		`9007199254740993`:       {9007199254740993, true},
		`9007199254740993.0`:     {9007199254740993, true}, // exact, not rounded through a float64
		`null`:                   {},
		`""`:                     {},
		`"  "`:                   {},
		` 5 `:                    {5, true},
		`"-9223372036854775808"`: {-9223372036854775808, true},
	}
	for in, want := range ok {
		var got flexInt
		if err := got.UnmarshalJSON([]byte(in)); err != nil || got != want {
			t.Errorf("flexInt %s = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		`true`, `"abc"`, `1.5`, `"1.5"`, `1e-400`, `0.1e-400`, `9223372036854775808`, `"9223372036854775808.0"`,
		`1e400`, `"0x10"`, `"Inf"`, `"NaN"`, `"1_000"`, `[]`, `{}`, `"1 2"`, `"`, `1e99999999`,
	} {
		var got flexInt
		if err := got.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("flexInt %s accepted as %+v", in, got)
		}
	}
}

func TestFlexBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]flexBool{
		`true`: {true, true}, `false`: {false, true},
		`1`: {true, true}, `0`: {false, true},
		`"1"`: {true, true}, `"0"`: {false, true},
		`"true"`: {true, true}, `"FALSE"`: {false, true},
		`"OK"`: {true, true}, `"ok"`: {true, true}, `"FAIL"`: {false, true}, `" Fail "`: {false, true},
		`"yes"`: {true, true}, `"no"`: {false, true},
		`null`: {}, `""`: {},
	} {
		var got flexBool
		if err := got.UnmarshalJSON([]byte(in)); err != nil || got != want {
			t.Errorf("flexBool %s = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{`2`, `-1`, `"maybe"`, `1.0`, `[]`, `{}`, `"`, `"OKAY"`} {
		var got flexBool
		if err := got.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("flexBool %s accepted as %+v", in, got)
		}
	}
}

func TestFlexStringAndStrings(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]flexString{
		`"abc"`: "abc", `12`: "12", `true`: "true", `null`: "", `"a\"b"`: `a"b`, `"\u00e9"`: "é",
	} {
		var got flexString
		if err := got.UnmarshalJSON([]byte(in)); err != nil || got != want {
			t.Errorf("flexString %s = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`{}`, `[1]`, `"unterminated`} {
		var got flexString
		if err := got.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("flexString %s accepted as %q", in, got)
		}
	}
	for in, want := range map[string]flexStrings{
		`["a","b"]`:    {"a", "b"},
		`["a",1,null]`: {"a", "1", ""},
		`"a, b,,c "`:   {"a", "b", "c"},
		`"uid"`:        {"uid"},
		`null`:         nil,
		`""`:           nil,
		`[]`:           {},
	} {
		var got flexStrings
		if err := got.UnmarshalJSON([]byte(in)); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("flexStrings %s = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, in := range []string{`{}`, `[{}]`, `[[1]]`} {
		var got flexStrings
		if err := got.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("flexStrings %s accepted as %q", in, got)
		}
	}
}

// TestBadValuesDescribedNotQuoted checks that a decoding error names the kind
// of value that was wrong, not the value, which may be a secret.
func TestBadValuesDescribedNotQuoted(t *testing.T) {
	t.Parallel()
	secret := `"` + testToken + `"`
	var fi flexInt
	var fb flexBool
	for name, err := range map[string]error{
		"flexInt":   fi.UnmarshalJSON([]byte(secret)),
		"flexBool":  fb.UnmarshalJSON([]byte(secret)),
		"userJSON":  json.Unmarshal([]byte(`{"uid":`+secret+`}`), new(userJSON)),
		"envelope":  json.Unmarshal([]byte(`{"result":`+secret+`}`), new(envelope)),
		"memberObj": json.Unmarshal([]byte(`{"uid":{"t":`+secret+`}}`), new(memberJSON)),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if msg := err.Error(); len(msg) > 200 || strings.Contains(msg, testToken) || strings.Contains(msg, testToken[:8]) {
			t.Errorf("%s: %s", name, msg)
		}
	}
}

package emulator

import (
	"bytes"
	"encoding/json"
)

// field is one member of a JSON object; object keeps its fields in order so
// answers read the way Mesibo writes them (op and result first).
type field struct {
	key string
	val any
}

type object []field

// MarshalJSON writes the fields in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.val)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// apiError is a failed answer: the error code, the HTTP-like code, a cause
// for humans and the names of the offending parameters.
type apiError struct {
	Code  string
	HTTP  int
	Cause string
	Props []string
}

func missingPara(names ...string) *apiError {
	cause := "missing parameter"
	if len(names) > 1 {
		cause += "s"
	}
	return &apiError{Code: "MISSINGPARA", HTTP: 400, Cause: cause + ": " + joinNames(names), Props: names}
}

func badPara(names []string, cause string) *apiError {
	return &apiError{Code: "BADPARA", HTTP: 400, Cause: cause, Props: names}
}

func joinNames(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}

// reply is the outcome of an op: extra fields on success, or an error.
type reply struct {
	fields object
	err    *apiError
}

func fail(e *apiError) reply { return reply{err: e} }

func ok(fields ...field) reply { return reply{fields: fields} }

// envelope builds the full JSON answer. The message op answers "OK"/"FAIL"
// in result, every other op true/false.
func envelope(op string, id string, hasID bool, r reply) ([]byte, error) {
	o := object{{"op", op}}
	var result any = r.err == nil
	if op == "message" {
		result = "OK"
		if r.err != nil {
			result = "FAIL"
		}
	}
	o = append(o, field{"result", result})
	if r.err != nil {
		props := r.err.Props
		if props == nil {
			props = []string{}
		}
		o = append(o,
			field{"error", r.err.Code},
			field{"code", r.err.HTTP},
			field{"cause", r.err.Cause},
			field{"properties", props},
		)
	}
	if hasID {
		o = append(o, field{"id", id})
	}
	if r.err == nil {
		o = append(o, r.fields...)
	}
	return o.MarshalJSON()
}

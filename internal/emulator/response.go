package emulator

import (
	"bytes"
	"encoding/json"
	"strings"
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
	// reasons, when set, say what is wrong with each of Props, in order:
	// the cause is built from them, so that it can name the parameters
	// as renamed does.
	reasons []string
}

func missingPara(names ...string) *apiError {
	e := &apiError{Code: "MISSINGPARA", HTTP: 400, Props: names}
	e.Cause = e.missingCause()
	return e
}

func (e *apiError) missingCause() string {
	cause := "missing parameter"
	if len(e.Props) > 1 {
		cause += "s"
	}
	return cause + ": " + joinNames(e.Props)
}

func badPara(names []string, cause string) *apiError {
	return &apiError{Code: "BADPARA", HTTP: 400, Cause: cause, Props: names}
}

// malformed is BADPARA naming names, each with its reason.
func malformed(names, reasons []string) *apiError {
	e := &apiError{Code: "BADPARA", HTTP: 400, Props: names, reasons: reasons}
	e.Cause = e.malformedCause()
	return e
}

func (e *apiError) malformedCause() string {
	parts := make([]string, len(e.Props))
	for i, p := range e.Props {
		parts[i] = p + " " + e.reasons[i]
	}
	return "malformed parameter: " + strings.Join(parts, "; ")
}

// renamed is e with its parameters called by name(param), in its
// properties and in a cause that names them.
func (e *apiError) renamed(name func(string) string) *apiError {
	c := *e
	c.Props = make([]string, len(e.Props))
	for i, p := range e.Props {
		c.Props[i] = name(p)
	}
	switch {
	case c.Code == "MISSINGPARA":
		c.Cause = c.missingCause()
	case len(c.reasons) == len(c.Props) && len(c.reasons) > 0:
		c.Cause = c.malformedCause()
	}
	return &c
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

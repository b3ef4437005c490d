package mesibo

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// params builds a request's parameters, leaving out those not set so that
// the server's defaults apply.
type params url.Values

func (p params) str(k, v string) {
	url.Values(p).Set(k, v)
}

func (p params) int(k string, v int64) {
	url.Values(p).Set(k, strconv.FormatInt(v, 10))
}

func (p params) optStr(k string, v *string) {
	if v != nil {
		p.str(k, *v)
	}
}

func (p params) optInt(k string, v *int64) {
	if v != nil {
		p.int(k, *v)
	}
}

func (p params) optBool(k string, v *bool) {
	if v != nil {
		p.str(k, boolParam(*v))
	}
}

func boolParam(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// ValidateAddress reports why address cannot be used as a Mesibo user address
// by this client, or nil. Addresses are opaque to Mesibo, but a comma cannot be
// expressed in groupeditmembers, a "*" is the usersget wildcard, and
// whitespace and control characters are almost certainly mistakes.
func ValidateAddress(address string) error {
	if address == "" {
		return fmt.Errorf("%w: an address must not be empty", ErrInvalidRequest)
	}
	for _, r := range address {
		switch {
		case r == ',':
			return fmt.Errorf("%w: address %q contains a comma, which the API cannot express in a member list", ErrInvalidRequest, address)
		case r == '*':
			return fmt.Errorf("%w: address %q contains \"*\", which the API reads as a wildcard", ErrInvalidRequest, address)
		case unicode.IsSpace(r):
			return fmt.Errorf("%w: address %q contains whitespace", ErrInvalidRequest, address)
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return fmt.Errorf("%w: address %q contains a control character", ErrInvalidRequest, address)
		}
	}
	return nil
}

func validateID(kind string, id int64) error {
	if id <= 0 {
		return fmt.Errorf("%w: %s must be a positive number, not %d", ErrInvalidRequest, kind, id)
	}
	return nil
}

func validateCount(count int) error {
	if count < 0 || count > MaxListCount {
		return fmt.Errorf("%w: count must be between 1 and %d, not %d", ErrInvalidRequest, MaxListCount, count)
	}
	return nil
}

// chunkAddresses splits addresses into lists of at most maxN entries whose
// comma-joined length, each address counted as size says (its length in the
// request format), stays within maxBytes (a single longer address stands
// alone).
func chunkAddresses(addresses []string, maxN, maxBytes int, size func(string) int) [][]string {
	var chunks [][]string
	var cur []string
	total := 0
	for _, a := range addresses {
		n := size(a)
		extra := n
		if len(cur) > 0 {
			extra++ // the comma
		}
		if len(cur) > 0 && (len(cur) >= maxN || total+extra > maxBytes) {
			chunks = append(chunks, cur)
			cur, total, extra = nil, 0, n
		}
		cur = append(cur, a)
		total += extra
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

func joinAddresses(addresses []string) string { return strings.Join(addresses, ",") }

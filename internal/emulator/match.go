package emulator

import (
	"fmt"
	"regexp"
	"strings"
)

// UsersGetMatch is how usersget reads its addr pattern. Mesibo documents "*"
// as the wildcard and nothing else; the other matchers imitate what a server
// behind the same documentation could plausibly do, so that a client can be
// tested against each.
type UsersGetMatch string

const (
	// MatchStar: "*" matches any run of characters (including none); every
	// other character matches itself. The default.
	MatchStar UsersGetMatch = "star"
	// MatchGlob: fnmatch without flags, as PHP's fnmatch(): "*" any run, "?"
	// any one character, "[...]" one character of a set ("[!...]" or
	// "[^...]" of its complement, "a-z" a range, "]" first in the set
	// literal), "\" makes the next character literal. A "[" without its "]"
	// is literal.
	MatchGlob UsersGetMatch = "glob"
	// MatchLike: "*" is turned into "%" and the pattern handed to SQL LIKE:
	// "%" any run, "_" any one character, "\" makes the next character
	// literal (the default escape of MySQL and PostgreSQL).
	MatchLike UsersGetMatch = "like"
)

// usersGetMatches lists the matchers, in the order messages name them.
var usersGetMatches = []UsersGetMatch{MatchStar, MatchGlob, MatchLike}

// ParseUsersGetMatch reads a matcher name: "star", "glob" or "like"
// (case-insensitive); empty means MatchStar.
func ParseUsersGetMatch(name string) (UsersGetMatch, error) {
	m := UsersGetMatch(strings.ToLower(strings.TrimSpace(name)))
	if m == "" {
		return MatchStar, nil
	}
	if err := m.check(); err != nil {
		return "", err
	}
	return m, nil
}

func (m UsersGetMatch) check() error {
	for _, k := range usersGetMatches {
		if m == k {
			return nil
		}
	}
	return fmt.Errorf("unknown usersget matcher %q: valid matchers are star, glob and like", string(m))
}

// Matcher returns a function that reports whether an address matches
// pattern. Matching is case-sensitive and covers the whole address.
func (m UsersGetMatch) Matcher(pattern string) func(string) bool {
	if m != MatchGlob && m != MatchLike {
		return func(s string) bool { return wildcardMatch(pattern, s) }
	}
	return m.compile(pattern, "")
}

// CaseInsensitiveMatcher is Matcher, except that a letter of the pattern
// matches the letter in either case (Unicode simple case folding), as a
// MySQL column with a case-insensitive (_ci) collation compares.
func (m UsersGetMatch) CaseInsensitiveMatcher(pattern string) func(string) bool {
	return m.compile(pattern, "i")
}

// compile turns pattern into a regular expression with the given flags.
func (m UsersGetMatch) compile(pattern, flags string) func(string) bool {
	var expr string
	switch m {
	case MatchGlob:
		expr = globExpr(pattern)
	case MatchLike:
		expr = likeExpr(strings.ReplaceAll(pattern, "*", "%"))
	default:
		expr = starExpr(pattern)
	}
	re, err := regexp.Compile(`\A(?s` + flags + `:` + expr + `)\z`)
	if err != nil {
		// Not reachable: every literal is quoted and every class is built
		// from escaped code points.
		return func(string) bool { return false }
	}
	return re.MatchString
}

// starExpr translates a pattern whose only wildcard is "*" into a regular
// expression.
func starExpr(pattern string) string {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return strings.Join(parts, `.*`)
}

// globExpr translates an fnmatch pattern into a regular expression.
func globExpr(pattern string) string {
	rs := []rune(pattern)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '[':
			class, end, ok := globClass(rs, i)
			if !ok {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(class)
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// globClass reads the set that starts with the "[" at rs[start] and returns
// it as a regular expression, with the index of its closing "]". ok is false
// when the set is not closed.
func globClass(rs []rune, start int) (class string, end int, ok bool) {
	i := start + 1
	negate := i < len(rs) && (rs[i] == '!' || rs[i] == '^')
	if negate {
		i++
	}
	type span struct{ lo, hi rune }
	var spans []span
	for first := true; i < len(rs); first = false {
		if rs[i] == ']' && !first {
			end = i
			ok = true
			break
		}
		lo := rs[i]
		if lo == '\\' && i+1 < len(rs) {
			i++
			lo = rs[i]
		}
		i++
		hi := lo
		if i+1 < len(rs) && rs[i] == '-' && rs[i+1] != ']' {
			hi = rs[i+1]
			if hi == '\\' && i+2 < len(rs) {
				hi = rs[i+2]
				i++
			}
			i += 2
		}
		if lo <= hi { // a reversed range matches nothing
			spans = append(spans, span{lo, hi})
		}
	}
	if !ok {
		return "", 0, false
	}
	if len(spans) == 0 {
		// An empty set (only reversed ranges) matches nothing; its
		// complement, any character.
		if negate {
			return `.`, end, true
		}
		return `[^\x{0}-\x{10FFFF}]`, end, true
	}
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	for _, s := range spans {
		fmt.Fprintf(&b, `\x{%x}-\x{%x}`, s.lo, s.hi)
	}
	b.WriteByte(']')
	return b.String(), end, true
}

// likeExpr translates a SQL LIKE pattern, escape character "\", into a
// regular expression.
func likeExpr(pattern string) string {
	rs := []rune(pattern)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// wildcardMatch reports whether s matches pattern, where '*' matches any run
// of characters (including none) and every other byte matches itself.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

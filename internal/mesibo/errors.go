package mesibo

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *APIError matches the sentinel of its class.
var (
	// ErrNotFound: the user or group named in the request does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the app token was refused (wrong, expired or the app was disabled).
	ErrUnauthorized = errors.New("app token refused")
	// ErrMissingAppToken: the client has no app token to send.
	ErrMissingAppToken = errors.New("no Mesibo app token configured")
	// ErrInvalidRequest: the request was refused by the client before anything was sent.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrGroupMayExist: a groupadd failed after the request may have reached the
	// server, so a group may have been created without its GID being known.
	ErrGroupMayExist = errors.New("a group may have been created")
	// ErrMessageMayBeDelivered: a message call failed after the request may
	// have reached the server, so the message may have been delivered.
	ErrMessageMayBeDelivered = errors.New("the message may have been delivered")
	// ErrRequestTimeout: an attempt got no (complete) answer within the
	// client's RequestTimeout. It is a *TransportError, never a context error:
	// errors.Is(err, context.DeadlineExceeded) is true only when the caller's
	// own context ran out.
	ErrRequestTimeout = errors.New("no answer within the request timeout")
	// ErrThrottled: Mesibo, or a proxy in front of it, answered the last
	// attempt with HTTP 429 or 503, asking the client to slow down, and the
	// retries ran out. It is a *TransportError.
	ErrThrottled = errors.New("throttled by the server")
	// ErrInsecureEndpoint: ValidateEndpoint refused a plain http endpoint on a
	// host that is not loopback, which AllowInsecureHTTP would permit.
	ErrInsecureEndpoint = errors.New("plain http to a host that is not loopback")
	// ErrUnsupported: the call has no request in the client's request format
	// (SetUserName in the form format); nothing was sent.
	ErrUnsupported = errors.New("not supported in this request format")
	// ErrAmbiguousLookup: FindUser could not tell whether the address exists,
	// because usersget answered as many users as it returns at most and none of
	// them has exactly that address (see FindUser).
	ErrAmbiguousLookup = errors.New("the user lookup was ambiguous")
)

// notFoundCodes are the API error codes read as "the user or group does not
// exist". No public source documents them; NOUSER and NOGROUP are the codes the
// project's emulator uses. Add the real codes here when they are learnt.
var notFoundCodes = []string{"NOUSER", "NOGROUP"}

// unauthorizedCodes are the API error codes read as "the app token was refused".
var unauthorizedCodes = []string{"AUTHFAIL", "INVALIDTOKEN", "TOKENBREACH"}

// APIError is a well-formed failure answer from the API: result false, with an
// error code and, where the server sends them, an HTTP-like status, a
// human-readable cause and the names of the offending parameters.
type APIError struct {
	Op         string   // the operation, e.g. "useradd"
	Code       string   // the API's error code, e.g. "AUTHFAIL"
	Status     int      // the envelope's numeric "code" field, 0 when absent
	Cause      string   // the envelope's "cause" field
	Properties []string // the envelope's "properties" field
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mesibo %s failed", e.Op)
	code := e.Code
	if code == "" {
		code = "no error code"
	}
	fmt.Fprintf(&b, ": %s", code)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (%d)", e.Status)
	}
	if e.Cause != "" {
		fmt.Fprintf(&b, ": %s", clip(e.Cause))
	}
	if len(e.Properties) > 0 {
		fmt.Fprintf(&b, " [parameters: %s]", clip(strings.Join(e.Properties, ", ")))
	}
	return b.String()
}

// clip shortens server-supplied text for an error message: a misbehaving
// server must not be able to fill a terminal or log with one error.
func clip(s string) string {
	const most = 300
	if len(s) <= most {
		return s
	}
	return strings.ToValidUTF8(s[:most], "") + "…"
}

// Is makes errors.Is(err, ErrNotFound) and errors.Is(err, ErrUnauthorized) work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return slices.Contains(notFoundCodes, e.Code)
	case ErrUnauthorized:
		return slices.Contains(unauthorizedCodes, e.Code)
	}
	return false
}

// TransportError is a failure to get a well-formed answer: the connection
// failed or timed out, the server (or a proxy in front of it) answered with a
// status other than 200, or the body was not a complete JSON envelope.
type TransportError struct {
	Op          string
	Attempts    int    // how many attempts were made
	StatusCode  int    // HTTP status, 0 when no answer was received
	ContentType string // of the answer, when there was one
	Snippet     string // the first bytes of the answer, with the app token masked
	Reason      string // what was wrong, in words
	// MaybeProcessed is false only when the request certainly was not carried
	// out: no connection, not fully written, or refused with a status that
	// says so (429, 503, or a 4xx other than 408).
	MaybeProcessed bool
	Err            error // the underlying error, if any

	retryable  bool          // a repeat may succeed
	timedOut   bool          // the attempt outlived the request timeout
	throttled  bool          // 429 or 503: the server asks every request to slow down
	retryAfter time.Duration // what the server's Retry-After asked for
}

// Retryable reports whether repeating the request might succeed. It is false
// for failures that no repeat can cure: a refusal such as HTTP 404 (a wrong
// endpoint path), an answer of the wrong shape, an endpoint that does not
// speak TLS or whose certificate is not trusted, or a host name that does not
// exist.
func (e *TransportError) Retryable() bool { return e.retryable }

// Is makes errors.Is(err, ErrRequestTimeout) and errors.Is(err,
// ErrThrottled) work.
func (e *TransportError) Is(target error) bool {
	return (target == ErrRequestTimeout && e.timedOut) || (target == ErrThrottled && e.throttled)
}

func (e *TransportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mesibo %s: %s", e.Op, e.Reason)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.StatusCode)
		if e.ContentType != "" {
			fmt.Fprintf(&b, ", %s", e.ContentType)
		}
		b.WriteString(")")
	}
	if e.Snippet != "" {
		fmt.Fprintf(&b, "; the answer began %q", e.Snippet)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *TransportError) Unwrap() error { return e.Err }

// GroupMayExistError wraps the failure of a groupadd whose request may have
// reached the server: a group may have been created whose GID is unknown.
type GroupMayExistError struct {
	Name string // the name the group was to have, possibly empty
	Err  error  // the failure
}

func (e *GroupMayExistError) Error() string {
	name := "with no name"
	if e.Name != "" {
		name = fmt.Sprintf("named %q", e.Name)
	}
	return fmt.Sprintf("the answer to groupadd was lost, so a group %s may have been created: %v; "+
		"the API cannot list groups, so look for it in the Mesibo console and import it by its GID, "+
		"or delete it, before creating it again", name, e.Err)
}

func (e *GroupMayExistError) Unwrap() []error { return []error{ErrGroupMayExist, e.Err} }

// MessageMayBeDeliveredError marks the failure of a message call whose
// request may have reached the server, so that it matches
// ErrMessageMayBeDelivered; its text is the failure's own.
type MessageMayBeDeliveredError struct {
	Err error // the failure
}

func (e *MessageMayBeDeliveredError) Error() string { return e.Err.Error() }

func (e *MessageMayBeDeliveredError) Unwrap() []error {
	return []error{ErrMessageMayBeDelivered, e.Err}
}

// UserNotFoundError is FindUser's error when no user has exactly the address
// asked for. It matches ErrNotFound.
type UserNotFoundError struct {
	Address string
	// LookAlikes are users the lookup found whose address reads the same as
	// Address without being the same bytes: it differs only in case, or is
	// the same text in another Unicode normalization form (see ReadsSame).
	// A server that returns such a user for Address's pattern may treat the
	// two addresses as one, and its useradd take that user over.
	LookAlikes []User
}

func (e *UserNotFoundError) Error() string {
	msg := fmt.Sprintf("user %q: %v", e.Address, ErrNotFound)
	if len(e.LookAlikes) == 0 {
		return msg
	}
	names := make([]string, len(e.LookAlikes))
	for i, u := range e.LookAlikes {
		names[i] = fmt.Sprintf("%q (UID %d)", u.Address, u.UID)
	}
	return fmt.Sprintf("%s; usersget found %s, which reads the same but is another address", msg, strings.Join(names, ", "))
}

// Is makes errors.Is(err, ErrNotFound) work.
func (e *UserNotFoundError) Is(target error) bool { return target == ErrNotFound }

// AmbiguousLookupError is FindUser's error when it cannot tell whether the
// address exists: usersget answered as many users as it returns at most for
// the pattern that must find the address, and none of them has exactly that
// address. It matches ErrAmbiguousLookup.
type AmbiguousLookupError struct {
	Address string
	// AppID is the app whose row FindUserForApp looked for; empty for
	// FindUser.
	AppID   string
	Pattern string // the usersget pattern whose answer was full
	Matched int    // how many users it answered
}

func (e *AmbiguousLookupError) Error() string {
	if e.AppID != "" {
		return fmt.Sprintf("user %q: %v: usersget answered %d rows (the most it returns) for the pattern %q, "+
			"none of them with that exact address and app ID %q, so that row may exist beyond them", e.Address, ErrAmbiguousLookup, e.Matched, e.Pattern, e.AppID)
	}
	return fmt.Sprintf("user %q: %v: usersget answered %d users (the most it returns) for the pattern %q, "+
		"none of them with that exact address, so the user may exist beyond them", e.Address, ErrAmbiguousLookup, e.Matched, e.Pattern)
}

// Is makes errors.Is(err, ErrAmbiguousLookup) work.
func (e *AmbiguousLookupError) Is(target error) bool { return target == ErrAmbiguousLookup }

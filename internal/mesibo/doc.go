// Package mesibo is a client for the Mesibo backend API: users, groups, group
// members and messages, as described by Mesibo's "Backend APIs" documentation.
//
// The client owns the protocol so that its callers do not have to:
//
//   - Every request is a POST whose body carries op, the app token and the
//     operation's parameters, in one of two request formats
//     (Config.RequestFormat): the legacy form parameters, form-encoded
//     (FormatForm), or Mesibo's JSON backend API (FormatJSON), chosen by
//     default from the endpoint's path (ResolveRequestFormat). Each format
//     has one encoder (encode_form.go, encode_json.go); everything else,
//     validation, retries, decoding, is shared. The token never goes into a
//     URL. Optional parameters are sent only when set, so the server's
//     defaults apply.
//   - Responses are decoded leniently: uid, gid and count may be JSON numbers or
//     numeric strings, and result may be a boolean, "OK"/"FAIL" or 1/0.
//   - A failure envelope becomes an *APIError; errors.Is(err, ErrNotFound) and
//     errors.Is(err, ErrUnauthorized) classify it. Anything that is not a
//     well-formed envelope (a non-200 status, a body that is not JSON, a
//     truncated or oversized body, a broken connection) is a *TransportError.
//     An attempt that outlives Config.RequestTimeout matches ErrRequestTimeout
//     and not context.DeadlineExceeded, so that a caller can tell the client's
//     own timeout from its own cancellation.
//   - Transient failures are retried with exponential backoff and jitter,
//     honouring Retry-After, only where repeating cannot do harm: every operation
//     except groupadd and message, which are retried only when the request
//     certainly was not processed (the connection was never made or the request
//     never fully written, or the server answered 429 or 503). A 4xx answer
//     other than 408 and 429 (a wrong endpoint path answers 404) is a refusal:
//     not processed, and not retried. Neither are failures that no retry can
//     cure: an endpoint that does not speak TLS, a certificate that is not
//     trusted or names another host, a host name that does not exist.
//   - All requests of one Client share a throttle: Config.MaxRequestsPerSecond
//     spaces them evenly, and a 429 or 503 holds back every request of the
//     client, not only the one that received it, for as long as its
//     Retry-After asks or, without one, for the backoff of that request's
//     retry. Requests that will not be retried wait for it too before they
//     are sent. A cancelled context ends any of these waits at once.
//   - Nothing the client returns or logs contains the app token.
//
// # Finding a user by address
//
// The only way to read a user back is usersget, which matches a pattern and
// returns at most 20 users. Mesibo documents "*" as its wildcard and says
// nothing else about the matcher: a glob ("?", "[...]", "\") or SQL LIKE
// ("%", "_", "\") is as plausible. FindUser therefore never sends an address
// as it is: every character that a common matcher reads specially becomes
// "*" (see lookupPattern), so the pattern matches the address under any of
// them, and only a user whose address is exactly the one asked for, byte for
// byte, is taken. Users whose address reads the same without being the same
// (another case, another Unicode normalization form) are reported as
// look-alikes of a not-found address (UserNotFoundError), never taken for it.
// An answer of 20 users without it is ambiguous (ErrAmbiguousLookup), never
// "not found": the user may be beyond the cut, and reporting it absent would
// let useradd take it over. GetUsers, by contrast, sends the caller's pattern
// as it is.
//
// # Where the client's requests and readings are guesses
//
// Mesibo documents less than a client needs; where it is silent, the client
// does as listed here, and nowhere else depends on the guess:
//
//   - JSON bodies are {"op", "token", and "user", "group" or "message"} as
//     Mesibo's documentation and PHP samples show them. Values the sources
//     give no JSON spelling for are written as their form names inside the
//     object: user.groups (useradd's groups, the most groups a user may
//     join). Booleans are JSON booleans (active, the permissions), but
//     groupeditmembers' delete, which the sources write as 0 or 1, is a
//     number. groupgetmembers' count is top-level, beside the group.
//   - usersget has no documented JSON shape: in the JSON format it sends its
//     form parameters, form-encoded, to the same endpoint, which Mesibo's
//     own clients do.
//   - A useradd without a token object (SetUserName) is taken to issue no
//     token, as an older page of Mesibo's documentation says; its answer is
//     not read beyond the envelope.
//   - Member permissions are read from groupgetmembers where a member has
//     them all: a "permissions" object {send, recv, pub, sub, list}, as the
//     JSON API writes them, or the form API's flags cs, cr, canpub, cansub
//     and canlist. A member with none, some, or values that are not
//     booleans has Member.Permissions nil: not reported, never "none".
//     Whether a re-added member's permissions are replaced is up to the
//     server; the client sends all five every time.
//   - A user's name is usersget's "name" field; a row without one has
//     User.Name nil.
//   - A user with access tokens for several app IDs may be answered once per
//     app ID by usersget: rows that share the uid and the address and differ
//     in appid. FindUserForApp takes the row of its app ID; FindUser, the
//     first.
//
// The codes read as "not found" are guesses too: see notFoundCodes.
//
// The package has no Terraform dependency.
package mesibo

// Package mesibo is a client for the Mesibo backend API: users, groups, group
// members and messages, as described by Mesibo's "Backend APIs" documentation.
//
// The client owns the protocol so that its callers do not have to:
//
//   - Every request is a POST with a form-encoded body carrying op, the app
//     token and the operation's parameters. The token never goes into a URL.
//     Optional parameters are sent only when set, so the server's defaults apply.
//   - Responses are decoded leniently: uid, gid and count may be JSON numbers or
//     numeric strings, and result may be a boolean, "OK"/"FAIL" or 1/0.
//   - A failure envelope becomes an *APIError; errors.Is(err, ErrNotFound) and
//     errors.Is(err, ErrUnauthorized) classify it. Anything that is not a
//     well-formed envelope (a non-200 status, a body that is not JSON, a
//     truncated or oversized body, a broken connection) is a *TransportError.
//   - Transient failures are retried with exponential backoff and jitter,
//     honouring Retry-After, only where repeating cannot do harm: every operation
//     except groupadd and message, which are retried only when the request
//     certainly was not processed (the connection was never made or the request
//     never fully written, or the server answered 429 or 503).
//   - Nothing the client returns or logs contains the app token.
//
// The package has no Terraform dependency.
package mesibo

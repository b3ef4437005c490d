// Package emulator is a Mesibo-compatible backend API server that keeps its
// data in memory. The provider's tests run against it, `make demo` uses it
// through the mesibo-emulator command, and users run it to try their
// configurations without a Mesibo account.
//
// It serves the legacy backend API described by Mesibo ("op" and "token"
// parameters, a JSON answer with "op", "result" and, on failure, "error",
// "code", "cause" and "properties") at /api.php, /backend/ and /backend, and
// Mesibo's JSON backend API (a JSON body {"op", "token", and "user", "group"
// or "message": {...}}) at /backend/ and /backend, for the ops useradd,
// userset, userdel, usersget, groupadd, groupset, groupdel,
// groupeditmembers, groupgetmembers (also called getmembers, as Mesibo's own
// helpers call it) and message. Both formats reach the same ops: a JSON body
// is read into the form parameters its values stand for (see "The JSON
// API" below). Every API answer is HTTP 200 with Content-Type
// application/json, success or failure, unless a fault is injected.
// Requests are checked in this order: the request can be read (else
// BADREQUEST), op present (else MISSINGPARA), token right (else AUTHFAIL), op
// known (else BADOP), JSON values of the right type (else BADPARA naming
// every one of the wrong type), required parameters present (else
// MISSINGPARA naming every missing one), numbers well formed (else BADPARA
// naming every bad one), the uid or sender exists (else NOUSER), the gid
// exists (else NOGROUP).
//
// Two endpoints exist for tests only and are not part of the Mesibo API:
// GET /_emulator/state answers all data (see State) and GET /_emulator/stats
// the request and fault counters and the most requests received in any one
// second (see Stats). They are never delayed or faulted and need no token.
//
// Faults (see Fault) imitate what a client meets between it and Mesibo:
// proxies answering 429, 502 or 503, a server failing after it has done the
// work, dropped connections, corrupt or cut bodies. Pre-processing faults
// leave the data untouched; post-processing faults let the change happen and
// then break the answer.
//
// # Choices where the real service is unknown
//
// Public material does not say how the real service behaves in the cases
// below. The emulator behaves as listed; a client should not depend on these
// more than it has to.
//
//   - Not-found codes: an unknown uid answers error NOUSER, an unknown gid
//     NOGROUP, both with code 404 and properties naming the parameter ("uid",
//     "from" or "gid").
//   - Malformed numbers: uid, gid, count, flag, expiry, expiryext, groups and
//     type must be non-negative decimal integers (digits only, no sign,
//     spaces, exponent or hex, at most int64). Anything else answers BADPARA,
//     code 400, properties naming every malformed parameter. active and
//     delete must be exactly 0 or 1, else BADPARA.
//   - count (usersget, groupgetmembers): default 20, values above 20 answer
//     20 entries, 0 answers BADPARA.
//   - Empty values: a parameter present with an empty value (`uid=`) counts as
//     absent, so a required one answers MISSINGPARA and an optional one keeps
//     its default or old value. The exception is name in groupadd and
//     groupset, where an empty value sets an empty name (a name can be cleared).
//   - Repeated parameters: within the query string or the body the last value
//     wins (as PHP does); a body value overrides a query value.
//   - Unreadable requests answer error BADREQUEST with properties [] and a
//     cause saying what to do: a method other than GET and POST (code 405); a
//     body that is JSON by Content-Type, or by its first character when there
//     is no Content-Type, at /api.php (code 415: Mesibo serves JSON at
//     /backend/), or at /backend/ one that is not a single JSON object (code
//     400); a body of any other type than application/x-www-form-urlencoded,
//     multipart/form-data and JSON (code 415); malformed URL encoding in the
//     query or the body (code 400); a body over 1 MiB (code 413). An empty
//     body is fine with any Content-Type.
//   - Op names are case-sensitive ("USERADD" answers BADOP). A request without
//     op answers MISSINGPARA before the token is checked.
//   - AUTHFAIL has properties ["token"] and BADOP properties ["op"]; the cause
//     never contains the token.
//   - id is echoed back as a JSON string, on success and failure, whenever the
//     request has an id parameter (even an empty one).
//   - useradd: a new user gets expiry 525600, active 1, groups 0, flag 0,
//     name "". An existing address keeps its uid and always gets a new token
//     (64 hex characters from crypto/rand); expiry, active and groups are set
//     as for a new user, from the request or, when left out, from the
//     defaults the documentation gives (expiry one year, active 1) and groups
//     0, never kept from before: the documentation describes useradd as
//     issuing the user afresh. flag, which the documentation lists for
//     userset only, and name are set when given (an empty name too, which
//     clears it) and otherwise kept: a name is the user's, not its token's.
//     Only the newest token is kept; nothing in the emulator checks user
//     tokens. appid is required every time and overwrites the old one,
//     unless Options.TokenPerApp (the command's -token-per-app) is set:
//     then a useradd for another app ID than the user's adds a token for that
//     app ID and keeps the others (StateUser.OtherApps), and usersget answers
//     one row per app ID. session, otp and restrictions, which Mesibo's
//     messenger helper sends, are accepted and ignored.
//   - userset, userdel: the user is named by uid or, without a uid, by addr
//     (JSON user.address), as Mesibo's JSON samples do; neither answers
//     MISSINGPARA uid. The form userset takes flag and active only; the JSON
//     userset also a name, and user.token.remove true removes every access
//     token of the user, who stays.
//   - usersget: addr defaults to "*". Mesibo documents "*" as its wildcard
//     and nothing else, so how the rest of the pattern is read is a choice
//     (Options.UsersGetMatch, the command's -usersget-match): "star" (the
//     default) where "*" matches any run of characters (including none) and
//     everything else matches itself; "glob", fnmatch as PHP has it, where
//     "?" and "[...]" are wildcards too and "" escapes; "like", where "*"
//     becomes "%" for a SQL LIKE, so "_" matches any one character and ""
//     escapes. Every matcher must match the whole address, and is
//     case-sensitive unless Options.UsersGetIgnoreCase (the command's
//     -usersget-ignore-case) is set: then letters match in either case, as
//     in a MySQL column with a case-insensitive collation, while useradd
//     and every other op still key users by their exact address. Users are
//     listed in uid order, each as {uid, address, name, appid, active (1 or
//     0), flag}, name left out under Options.OmitUserNames (the command's
//     -omit-user-names), for a server that does not answer names; tokens are
//     not listed. count counts rows. No match answers "users":[].
//   - groupadd: name "", flag 0, expiry 31536000, expiryext 0, active 1 by
//     default. Neither groupadd nor groupset answers more than {"gid":N}.
//     Both add the members m names, with the permission flags given, as
//     groupeditmembers does, as Mesibo's helpers create a group and set its
//     members in one call; an empty m adds none. groupadd ignores a gid.
//   - groupeditmembers: m with no address left after trimming spaces and
//     dropping empty entries answers MISSINGPARA ["m"]. Any address is
//     accepted, user or not. Removing an absent member is a no-op that
//     succeeds.
//   - Member permissions: cs, cr, canpub, cansub and canlist (1 or 0, else
//     BADPARA; JSON members.permissions {send, recv, pub, sub, list}) are
//     stored per member. A new member has every permission but those
//     given as 0. A member added again keeps its place and takes the flags
//     given, each one replacing that permission, and keeps the permissions
//     of the flags not given: an add without flags changes nothing. A member
//     removed loses its permissions; added again, it starts afresh.
//   - groupgetmembers: members are listed in the order they were added, each
//     as {uid, address, permissions {send, recv, pub, sub, list}}, in both
//     formats; permissions are left out under Options.OmitMemberPermissions
//     (the command's -omit-member-permissions), for a server that does not
//     report them. "count" is the number of members in the answer (not the
//     group's size); a member whose address is not a user's has "uid":0.
//   - userdel removes the user's address from every group; a later useradd
//     with the same address gets a new uid and is not put back in the groups.
//     groupdel and userdel leave sent messages alone.
//   - message: from must be an existing user's address (active or not; it
//     need not be a group member), else NOUSER ["from"]; to may be any
//     address; a given gid must exist, else NOGROUP, except gid 0, which is
//     no group (Mesibo's helpers send it with a message to a user). to and
//     gid may both be given and are both stored. type defaults to 0, expiry
//     to 31536000; channel, flag and forced are ignored. The answer's result
//     is "OK" or "FAIL" (never true/false), failures carrying the usual error
//     fields.
//   - ids: uids start at 101 and gids at 501 and are never reused, even after
//     a restart with a state file.
//   - Nothing expires: user, group and message expiries are stored only.
//     TOKENBREACH is never answered. Messages are kept, never delivered.
//   - Fault bodies: 429, 502 and 503 answer an nginx-style HTML page, 500 an
//     Apache-style one; garbage is a PHP warning in HTML followed by the JSON
//     answer, with Content-Type application/json; truncate answers the first
//     half of the JSON answer with a matching Content-Length. Faults are drawn
//     for every API request, valid or not, after the latency.
//   - Other paths answer a plain-text 404. The state file is JSON, written with
//     mode 0600 because it holds access tokens.
//   - The JSON API: a body is read at /backend/ and /backend, with
//     Content-Type application/json (or none, when it begins with "{"). Its
//     top-level scalars are parameters of their own name (op, token, id,
//     count, and usersget's addr, which no source shows in JSON); "user"
//     {uid, address, name, active, flags, groups, token {appid, expiry,
//     remove}}, "group" {gid, name, flags, expiry, expiryext, active,
//     delete, members {m, permissions {send, recv, pub, sub, list}}} and
//     "message" {from, to, gid, type, expiry, message} stand for the form
//     parameters uid, addr, name, active, flag, groups, appid, expiry; gid,
//     name, flag, expiry, expiryext, active, delete, m, cs, cr, canpub,
//     cansub, canlist; from, to, gid, type, expiry, msg. A useradd issues a
//     token only when user.token is an object: without one it creates or
//     updates the user (name, active, flags, groups) and answers {uid,
//     address} without a token, needing no appid. Strings are taken as they
//     are, numbers as written (so 1.5 or 1e3 is as malformed as in a form),
//     true and false as 1 and 0, null as absent; members.m may also be a
//     list of addresses. Other fields (the samples' session, v2, otp,
//     start, duration, call, flags of a message, forced) are ignored. A
//     value of the wrong type (an object for a number, a string for an
//     object) answers BADPARA naming its path, and every failure names the
//     parameters by their JSON paths ("user.address", "group.members.m").
package emulator

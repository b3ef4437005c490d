package mesibo

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults and limits of the API and of this client.
const (
	// DefaultEndpoint is Mesibo's public backend API.
	DefaultEndpoint = "https://api.mesibo.com/api.php"
	// DefaultRequestTimeout bounds one HTTP attempt.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultMaxRetries is how many times a transient failure is retried.
	DefaultMaxRetries = 4
	// MaxListCount is the most entries usersget and groupgetmembers return.
	MaxListCount = 20
	// DefaultMaxMembersPerEdit bounds the addresses sent in one groupeditmembers call.
	DefaultMaxMembersPerEdit = 100
	// maxEditBytes bounds the length of the comma-separated address list sent in
	// one groupeditmembers call, whatever the number of addresses.
	maxEditBytes = 4000
	// maxResponseBytes is the largest answer accepted. The biggest legitimate
	// answer (20 users) is a few kilobytes.
	maxResponseBytes = 1 << 20
	// maxRetryAfter caps how long a Retry-After header can make the client wait.
	maxRetryAfter = 2 * time.Minute
	// snippetBytes is how much of an unexpected answer an error message quotes.
	snippetBytes = 120
)

// Logger receives the client's structured log lines. Fields never contain the
// app token or user access tokens.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Trace(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client. The zero value of each field selects its
// default, except MaxRetries, where zero means no retries: callers that want
// DefaultMaxRetries must say so.
type Config struct {
	// Endpoint is the backend API URL; DefaultEndpoint when empty.
	Endpoint string
	// AllowInsecureHTTP permits an http:// endpoint on a host that is not loopback.
	AllowInsecureHTTP bool
	// AppToken authorises every request. Without it, every call fails with
	// ErrMissingAppToken before anything is sent.
	AppToken string
	// HTTPClient sends the requests; a client with keep-alive connections
	// when nil. Redirects are never followed, whatever its CheckRedirect
	// says. Its Timeout should be zero: RequestTimeout bounds each attempt.
	HTTPClient *http.Client
	// Version is the caller's version, sent in the User-Agent.
	Version string
	// TerraformVersion is the version of the Terraform (or OpenTofu) CLI the
	// provider serves, sent in the User-Agent as other providers send it.
	TerraformVersion string
	// UserAgent is appended to the User-Agent that userAgent composes.
	UserAgent string
	// RequestTimeout bounds each attempt; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// MaxRetries is how many times a transient failure is retried (0: never).
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts; 500ms and 30s when zero.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxMembersPerEdit bounds the addresses in one groupeditmembers call;
	// DefaultMaxMembersPerEdit when zero.
	MaxMembersPerEdit int
	// MaxRequestsPerSecond limits the requests of the whole client, retries
	// included, spaced evenly; zero means no limit.
	MaxRequestsPerSecond float64
	// RequestFormat is how requests are written; when empty,
	// DefaultRequestFormat(Endpoint): FormatJSON for an endpoint whose path
	// ends in /backend or /backend/, FormatForm for any other.
	RequestFormat RequestFormat
	// Logger receives debug and trace lines; none are written when nil,
	// and the costlier ones are not even built.
	Logger Logger
}

// Client calls the Mesibo backend API. It is safe for concurrent use.
type Client struct {
	endpoint          string
	appToken          string
	http              *http.Client
	userAgent         string
	timeout           time.Duration
	maxRetries        int
	waitMin, waitMax  time.Duration
	maxMembersPerEdit int
	log               Logger
	throttle          *throttle
	format            RequestFormat
	enc               encoder

	randMu sync.Mutex
	rand   *rand.Rand
}

// New returns a client for cfg. It fails only for an endpoint that is not a
// usable URL or that would send the app token over plain HTTP to another machine.
func New(cfg Config) (*Client, error) {
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	if err := ValidateEndpoint(endpoint, cfg.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	if cfg.MaxRetries < 0 {
		return nil, fmt.Errorf("%w: MaxRetries must be 0 or more, not %d", ErrInvalidRequest, cfg.MaxRetries)
	}
	if rps := cfg.MaxRequestsPerSecond; rps < 0 || math.IsNaN(rps) || math.IsInf(rps, 0) {
		return nil, fmt.Errorf("%w: MaxRequestsPerSecond must be a positive number, or 0 for no limit, not %v", ErrInvalidRequest, rps)
	}
	format, err := ResolveRequestFormat(string(cfg.RequestFormat), endpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	c := &Client{
		endpoint:          endpoint,
		appToken:          cfg.AppToken,
		http:              cfg.HTTPClient,
		timeout:           cfg.RequestTimeout,
		maxRetries:        cfg.MaxRetries,
		waitMin:           cfg.RetryWaitMin,
		waitMax:           cfg.RetryWaitMax,
		maxMembersPerEdit: cfg.MaxMembersPerEdit,
		log:               cfg.Logger,
		throttle:          newThrottle(cfg.MaxRequestsPerSecond),
		format:            format,
		enc:               encoderFor(format),
		rand:              rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x6d657369626f)),
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	} else {
		// Never follow a redirect, whatever the caller's client would do: a
		// 307 or 308 would send the body, and with it the app token, to
		// wherever the Location header points. The caller's client is not
		// changed.
		hc := *c.http
		hc.CheckRedirect = noRedirects
		c.http = &hc
	}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	if c.waitMin <= 0 {
		c.waitMin = 500 * time.Millisecond
	}
	if c.waitMax <= 0 {
		c.waitMax = 30 * time.Second
	}
	if c.waitMax < c.waitMin {
		c.waitMax = c.waitMin
	}
	if c.maxMembersPerEdit <= 0 {
		c.maxMembersPerEdit = DefaultMaxMembersPerEdit
	}
	c.userAgent = userAgent(cfg.Version, cfg.TerraformVersion, cfg.UserAgent)
	return c, nil
}

// userAgent is the one place the User-Agent of every request is composed:
// "terraform-provider-mesibo/<version> Terraform/<terraformVersion>
// (+https://www.terraform.io)", as the providers built on HashiCorp's SDKs
// send it, then extra. The Terraform part is left out when the CLI did not
// say its version; the provider's version is "dev" when unset.
func userAgent(version, terraformVersion, extra string) string {
	if version == "" {
		version = "dev"
	}
	parts := []string{"terraform-provider-mesibo/" + version}
	if terraformVersion != "" {
		parts = append(parts, "Terraform/"+terraformVersion+" (+https://www.terraform.io)")
	}
	if extra = strings.TrimSpace(extra); extra != "" {
		parts = append(parts, extra)
	}
	return strings.Join(parts, " ")
}

// RequestFormat is the format the client writes its requests in.
func (c *Client) RequestFormat() RequestFormat { return c.format }

// ValidateEndpoint reports whether raw is an endpoint the client will use: an
// absolute https URL, or an http URL whose host is loopback (or any host when
// allowInsecureHTTP is set), without credentials, query or fragment.
//
// The errors say what to change. One that AllowInsecureHTTP would cure
// matches ErrInsecureEndpoint; no other does.
func ValidateEndpoint(raw string, allowInsecureHTTP bool) error {
	if strings.TrimSpace(raw) != raw {
		return errors.New("endpoint begins or ends with whitespace, such as a line break read from a file: remove it")
	}
	if err := missingScheme(raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The parse error quotes the whole URL, which may hold credentials;
		// keep only what was wrong with it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("endpoint is not a valid URL: %w", err)
	}
	// Messages quote the endpoint without credentials, query or fragment.
	shown := *u
	shown.User, shown.RawQuery, shown.ForceQuery, shown.Fragment, shown.RawFragment = nil, "", false, "", ""
	if u.User != nil {
		return fmt.Errorf("endpoint %q must not contain credentials; set the app token instead", shown.String())
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("endpoint must be an https:// URL, not %q", shown.String())
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("endpoint %q has no host", shown.String())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("endpoint %q must not have a query or fragment", shown.String())
	}
	if u.Scheme == "http" && !allowInsecureHTTP && !IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("endpoint %q uses plain http to a host that is not loopback, which would send the app token unencrypted; use https, or allow it explicitly for an on-premise server inside a private network: %w", shown.String(), ErrInsecureEndpoint)
	}
	return nil
}

// missingScheme reports an endpoint written without its scheme, such as
// "api.mesibo.com/api.php" or "localhost:8080/api.php", which would parse as
// a path or as a scheme named after the host, with the URL it likely means.
// It returns nil for anything else, which ValidateEndpoint goes on to check.
func missingScheme(raw string) error {
	lower := strings.ToLower(raw)
	if raw == "" || strings.Contains(raw, "://") || strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:") {
		return nil
	}
	// Anything that is not a URL with https:// in front either is left to
	// ValidateEndpoint, which says what is wrong.
	u, err := url.Parse("https://" + strings.TrimPrefix(raw, "//"))
	switch {
	case err == nil && u.Hostname() != "" && u.User != nil:
		// Never quote credentials.
		return errors.New("endpoint has no scheme, and must not contain credentials: write it as https://host/path and set the app token instead")
	case err == nil && u.Hostname() != "":
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
		return fmt.Errorf("endpoint %q has no scheme: write it as %q", strings.TrimPrefix(u.String(), "https://"), u.String())
	}
	return nil
}

// IsLoopbackHost reports whether host (without port) names this machine.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient() *http.Client {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr := base.Clone()
	tr.MaxIdleConns = 32
	tr.MaxIdleConnsPerHost = 16
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{
		Transport: tr,
		// A redirect could carry the app token, which is in the body, to
		// another host; the API never redirects.
		CheckRedirect: noRedirects,
	}
}

// noRedirects makes an http.Client return a redirect as the answer.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// retryPolicy says when an operation may be sent again after a failure.
type retryPolicy int

const (
	// retrySafe: repeating the request cannot do harm.
	retrySafe retryPolicy = iota
	// retryIfNotProcessed: the request is repeated only when it certainly did
	// not reach the server.
	retryIfNotProcessed
)

// call sends op with the request pl, retrying transient failures as policy
// allows, and decodes a successful answer into out (which may be nil).
// maybeProcessed reports whether a failed request may nevertheless have
// been carried out.
func (c *Client) call(ctx context.Context, op string, pl payload, policy retryPolicy, out any) (maybeProcessed bool, err error) {
	if c.appToken == "" {
		return false, ErrMissingAppToken
	}
	req, err := c.encode(op, pl)
	if err != nil {
		return false, &TransportError{Op: op, Reason: "could not encode the request", Err: c.scrubError(err)}
	}

	var last error // the previous attempt's failure
	for attempt := 1; ; attempt++ {
		// Every attempt, the first included and whatever the retry
		// policy, waits for the client-wide pause and the rate limit.
		var longWait func(time.Duration, bool)
		if c.log != nil {
			longWait = func(d time.Duration, paused bool) {
				fields := map[string]any{"op": op, "attempt": attempt, "wait_ms": d.Milliseconds()}
				msg := "Mesibo API request waits for the rate limit (max_requests_per_second)"
				if paused {
					msg = "Mesibo API request waits: Mesibo answered HTTP 429 or 503, which pauses every request"
				} else {
					fields["max_requests_per_second"] = c.throttle.perSecond
				}
				c.debug(ctx, msg, fields)
			}
		}
		waited, err := c.throttle.wait(ctx, longWait)
		if err != nil {
			if last == nil {
				return maybeProcessed, fmt.Errorf("mesibo %s: %w before the request was sent", op, err)
			}
			return maybeProcessed, fmt.Errorf("mesibo %s: %w while waiting to retry (last attempt: %w)", op, err, last)
		}
		if waited > time.Millisecond {
			c.trace(ctx, "Mesibo API request held back by the client-wide pause or rate limit",
				map[string]any{"op": op, "attempt": attempt, "waited_ms": waited.Milliseconds()})
		}
		start := time.Now()
		res := c.attempt(ctx, op, req, out)
		fields := map[string]any{"op": op, "attempt": attempt, "duration_ms": time.Since(start).Milliseconds()}
		if res.err == nil {
			c.debug(ctx, "Mesibo API call succeeded", fields)
			return false, nil
		}
		last = res.err
		var te *TransportError
		isTransport := errors.As(res.err, &te)
		if isTransport {
			te.Attempts = attempt
			maybeProcessed = maybeProcessed || te.MaybeProcessed
		}
		fields["error"] = res.err.Error()
		if ctx.Err() != nil {
			c.debug(ctx, "Mesibo API call abandoned: context done", fields)
			return maybeProcessed, fmt.Errorf("mesibo %s: %w (last attempt: %w)", op, ctx.Err(), res.err)
		}
		var wait time.Duration
		if isTransport && te.throttled {
			// The server (or a proxy in front of it) asks to slow down:
			// every request of this client waits, not only this one.
			wait = c.backoff(attempt, te.retryAfter)
			c.throttle.pauseFor(wait)
			fields["pause_ms"] = wait.Milliseconds()
		}
		retry := isTransport && te.retryable && attempt <= c.maxRetries
		if retry && policy == retryIfNotProcessed && te.MaybeProcessed {
			retry = false
		}
		if !retry {
			c.debug(ctx, "Mesibo API call failed", fields)
			return maybeProcessed, res.err
		}
		if wait == 0 {
			wait = c.backoff(attempt, te.retryAfter)
		}
		fields["retry_in_ms"] = wait.Milliseconds()
		c.debug(ctx, "Mesibo API call failed, retrying", fields)
		if err := sleep(ctx, wait); err != nil {
			return maybeProcessed, fmt.Errorf("mesibo %s: %w while waiting to retry (last attempt: %w)", op, err, res.err)
		}
	}
}

// backoff is the wait before retry number attempt (1-based): exponential with
// jitter between half and all of the step, or what Retry-After asked for.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxRetryAfter)
	}
	step := c.waitMin
	for i := 1; i < attempt && step < c.waitMax; i++ {
		if step > c.waitMax/2 {
			step = c.waitMax // doubling would pass the cap, or overflow
			break
		}
		step *= 2
	}
	step = min(step, c.waitMax)
	c.randMu.Lock()
	jitter := time.Duration(c.rand.Int64N(int64(step/2) + 1))
	c.randMu.Unlock()
	return step/2 + jitter
}

type attemptResult struct {
	err error
}

// encoded is a request ready to send: its body, with the op and the app
// token, and its content type.
type encoded struct {
	body        string
	contentType string
	format      RequestFormat // of the body: form for a form payload in either format
}

// encode adds op and the app token to pl and writes it out.
func (c *Client) encode(op string, pl payload) (encoded, error) {
	if pl.json == nil {
		form := url.Values{}
		for k, v := range pl.form {
			form[k] = v
		}
		form.Set("op", op)
		form.Set("token", c.appToken)
		return encoded{body: form.Encode(), contentType: "application/x-www-form-urlencoded", format: FormatForm}, nil
	}
	body := *pl.json
	body.Op, body.Token = op, c.appToken
	b, err := encodeJSON(body)
	if err != nil {
		return encoded{}, err
	}
	return encoded{body: string(b), contentType: "application/json", format: FormatJSON}, nil
}

// attempt makes one HTTP request and decodes its answer.
func (c *Client) attempt(ctx context.Context, op string, enc encoded, out any) attemptResult {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var written atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				written.Store(true)
			}
		},
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(actx, trace), http.MethodPost, c.endpoint, strings.NewReader(enc.body))
	if err != nil {
		return attemptResult{&TransportError{Op: op, Reason: "could not build the request", Err: err}}
	}
	req.Header.Set("Content-Type", enc.contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	if c.log != nil { // describing the parameters parses the body again
		c.trace(ctx, "Mesibo API request", map[string]any{
			"op": op, "endpoint": c.endpoint, "format": string(enc.format), "parameters": c.describeBody(enc),
		})
	}
	resp, err := c.http.Do(req)
	if err != nil {
		te := &TransportError{
			Op: op, Reason: "the request failed", Err: c.scrubError(err),
			MaybeProcessed: written.Load(), retryable: true,
		}
		switch {
		case actx.Err() != nil && ctx.Err() == nil:
			// This attempt's own deadline, not the caller's: say so, and
			// do not wrap context.DeadlineExceeded, which would read as
			// the caller's cancellation.
			te.Reason, te.Err, te.timedOut = fmt.Sprintf("no answer within %s", c.timeout), nil, true
		case ctx.Err() == nil && permanentFailure(err):
			te.Reason, te.retryable = "the endpoint cannot be used as configured", false
		}
		return attemptResult{te}
	}
	defer resp.Body.Close()

	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	te := &TransportError{
		Op:             op,
		StatusCode:     resp.StatusCode,
		ContentType:    c.redact(mediaType(c.redact(resp.Header.Get("Content-Type")))),
		Snippet:        c.snippet(raw),
		MaybeProcessed: true,
		retryable:      true,
	}
	c.trace(ctx, "Mesibo API answer", map[string]any{"op": op, "http_status": resp.StatusCode, "bytes": len(raw)})

	if resp.StatusCode != http.StatusOK {
		te.Reason = "unexpected HTTP status " + strconv.Itoa(resp.StatusCode)
		if t := http.StatusText(resp.StatusCode); t != "" {
			te.Reason += " " + t
		}
		switch code := resp.StatusCode; {
		case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
			// Refused before being processed, and a sign that the whole
			// client should slow down.
			te.MaybeProcessed = false
			te.throttled = true
			te.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		case code == http.StatusRequestTimeout:
			// The server gave up waiting: a repeat may succeed. Whether it
			// had started on the request is not said, so it may have.
		case code >= 400 && code < 500:
			// Refused: a wrong endpoint path (404), a proxy's 401/403, a
			// method or body it does not take. Nothing was carried out,
			// and repeating gets the same answer.
			te.MaybeProcessed = false
			te.retryable = false
		case code == http.StatusNotImplemented || code == http.StatusHTTPVersionNotSupported:
			// The server does not support the request at all.
			te.MaybeProcessed = false
			te.retryable = false
		case code >= 500:
		default:
			te.retryable = false
		}
		return attemptResult{te}
	}
	if readErr != nil {
		te.Reason = "reading the answer failed"
		te.Err = c.scrubError(readErr)
		if actx.Err() != nil && ctx.Err() == nil {
			te.Reason, te.Err, te.timedOut = fmt.Sprintf("the answer did not arrive within %s", c.timeout), nil, true
		}
		return attemptResult{te}
	}
	if len(raw) > maxResponseBytes {
		te.Reason = fmt.Sprintf("the answer is larger than %d bytes", maxResponseBytes)
		return attemptResult{te}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		te.Reason = "the answer is empty"
		return attemptResult{te}
	}
	if !json.Valid(trimmed) {
		te.Reason = "the answer is not JSON"
		if trimmed[0] == '{' || trimmed[0] == '[' {
			te.Reason = "the answer is truncated or malformed JSON"
		}
		return attemptResult{te}
	}
	if trimmed[0] != '{' {
		te.Reason = "the answer is not a JSON object"
		return attemptResult{te}
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		te.Reason = "the answer's envelope has fields of the wrong type"
		te.Err = c.scrubError(err)
		te.retryable = false
		return attemptResult{te}
	}
	failed := env.Result != nil && !env.Result.Value
	if env.Result == nil {
		if env.Error == "" {
			te.Reason = `the answer has no "result" field`
			te.retryable = false
			return attemptResult{te}
		}
		failed = true
	}
	if failed {
		return attemptResult{&APIError{
			Op:         op,
			Code:       c.redact(string(env.Error)),
			Status:     int(env.Code.Value),
			Cause:      c.redact(string(env.Cause)),
			Properties: c.redactAll(env.Properties),
		}}
	}
	if out != nil {
		if err := json.Unmarshal(trimmed, out); err != nil {
			te.Reason = "the answer has fields of the wrong type"
			te.Err = c.scrubError(err)
			te.retryable = false
			return attemptResult{te}
		}
	}
	return attemptResult{}
}

// permanentFailure reports whether err, from sending a request, is one that
// no repeat can cure, so that it is reported at once instead of after the
// whole backoff. These are configuration mistakes, not weather:
//
//   - the endpoint does not speak TLS (https:// to a plain-http port) or is not
//     an HTTP server at all;
//   - its certificate is not trusted, expired, or for another host name;
//   - the host name does not exist (NXDOMAIN). A lookup that timed out or
//     found no server to ask is retried: that is the network, not the name.
//
// A refused or reset connection is retried: a server restarting looks the same.
func permanentFailure(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownCA   x509.UnknownAuthorityError
		wrongHost   x509.HostnameError
		invalidCert x509.CertificateInvalidError
		notTLS      tls.RecordHeaderError
		dnsErr      *net.DNSError
	)
	switch {
	case errors.Is(err, http.ErrSchemeMismatch):
		return true
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &wrongHost), errors.As(err, &invalidCert):
		return true
	case errors.As(err, &notTLS):
		return true
	case errors.As(err, &dnsErr):
		return dnsErr.IsNotFound && !dnsErr.IsTimeout && !dnsErr.IsTemporary
	}
	return false
}

func mediaType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return ct
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		if secs > int(maxRetryAfter/time.Second) {
			return maxRetryAfter // larger values would overflow a Duration
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redact removes the app token from text that came from the server.
func (c *Client) redact(s string) string {
	if c.appToken == "" {
		return s
	}
	return strings.ReplaceAll(s, c.appToken, "***")
}

// redactAll applies redact to each of ss.
func (c *Client) redactAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = c.redact(s)
	}
	return out
}

// tokenValue matches the value of a JSON field whose name ends in "token"
// (the access tokens useradd returns), complete or cut short, and a
// form-encoded token parameter echoed back.
var tokenValue = regexp.MustCompile(`(?i)("[a-z_]*token"\s*:\s*")(?:[^"\\]|\\.)*|(\btoken=)[^&\s"'<]*`)

// snippet quotes the beginning of an unexpected answer for an error message,
// with the app token and any access token masked. Masking happens before
// the answer is cut short, so that no part of a token is left behind.
func (c *Client) snippet(raw []byte) string {
	const window = 4096 // room for a token that begins inside the quote
	if len(raw) > window {
		raw = raw[:window]
	}
	// Invalid UTF-8 is replaced before masking, not removed after it:
	// removing bytes could join the pieces of a token around them.
	s := strings.TrimSpace(strings.ToValidUTF8(string(raw), "\uFFFD"))
	s = c.redact(s)
	s = tokenValue.ReplaceAllString(s, "$1$2***")
	if len(s) > snippetBytes {
		s = strings.ToValidUTF8(s[:snippetBytes], "") + "…"
	}
	return s
}

// scrubError keeps network errors free of the app token. The token travels in
// the body, never the URL, so this is a second line of defence.
func (c *Client) scrubError(err error) error {
	if err == nil || c.appToken == "" || !strings.Contains(err.Error(), c.appToken) {
		return err
	}
	return errors.New(c.redact(err.Error()))
}

// describeBody lists a request's parameters for the trace log, with the
// app token masked wherever it appears: a form body's parameters, or a JSON
// body's values under their dotted paths ("user.address").
func (c *Client) describeBody(enc encoded) map[string]string {
	if enc.format == FormatJSON {
		return describeJSON([]byte(enc.body), c.redact)
	}
	vals, _ := url.ParseQuery(enc.body)
	out := make(map[string]string, len(vals))
	for k := range vals {
		if k == "token" {
			out[k] = "***"
			continue
		}
		out[k] = c.redact(vals.Get(k))
	}
	return out
}

func (c *Client) debug(ctx context.Context, msg string, fields map[string]any) {
	if c.log != nil {
		c.log.Debug(ctx, msg, fields)
	}
}

func (c *Client) trace(ctx context.Context, msg string, fields map[string]any) {
	if c.log != nil {
		c.log.Trace(ctx, msg, fields)
	}
}

package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// AppToken is the application token; it is required. Requests that carry
	// another token (or none) get AUTHFAIL.
	AppToken string
	// Latency is a delay before every API answer. A request whose context is
	// cancelled during the delay is dropped without being processed.
	Latency time.Duration
	// FaultRate is the fraction (0..1) of API requests that get a fault.
	FaultRate float64
	// Faults are the kinds to draw from, uniformly. Empty with FaultRate > 0
	// means every kind.
	Faults []Fault
	// Seed seeds the fault draws; 0 picks a random seed. User access tokens
	// always come from crypto/rand, so they never repeat across restarts.
	Seed int64
	// StatePath, if set, is a JSON file the data is loaded from by New (when
	// it exists) and saved to, atomically, after every change.
	StatePath string
	// UsersGetMatch is how usersget reads its addr pattern; MatchStar when
	// empty.
	UsersGetMatch UsersGetMatch
	// UsersGetIgnoreCase makes usersget match letters without regard to
	// case, as a MySQL column with a case-insensitive collation would.
	// Every other op still keys users by their exact address.
	UsersGetIgnoreCase bool
	// OmitMemberPermissions makes groupgetmembers answer members without
	// their permissions, as a server that does not report them would.
	OmitMemberPermissions bool
	// OmitUserNames makes usersget answer users without their names.
	OmitUserNames bool
	// TokenPerApp keeps one access token per app ID: a useradd for another
	// app ID than the user's adds a token instead of replacing it, and
	// usersget answers one row per app ID. Without it a user has one token,
	// for the app ID of its last useradd.
	TokenPerApp bool
	// Logf, if set, receives one line per API request (op, outcome, fault)
	// and state-saving errors. Tokens are never passed to it.
	Logf func(format string, args ...any)
}

// Server is a Mesibo-compatible backend API server that keeps its data in
// memory (and optionally in a state file). It is an http.Handler and is safe
// for concurrent use.
type Server struct {
	appToken  string
	statePath string
	logf      func(format string, args ...any)

	mu          sync.Mutex // guards everything below
	st          *store
	latency     time.Duration
	faultRate   float64
	faults      []Fault
	rng         *mrand.Rand
	count429    int
	requests    map[string]int
	faultCounts map[string]int
	lastSecond  []time.Time // arrivals of API requests within the last second
	peakPerSec  int
}

var _ http.Handler = (*Server)(nil)

// Stats counts what the server has seen, as answered by GET /_emulator/stats.
type Stats struct {
	// Requests counts API requests per op, faulted or not; unknown ops count
	// under their name, requests without an op under "(none)".
	Requests map[string]int `json:"requests"`
	// Faults counts injected faults per kind.
	Faults map[string]int `json:"faults"`
	// PeakRequestsPerSecond is the most API requests that arrived within any
	// one second, by the server's clock, counted when they arrive (before
	// any latency or fault).
	PeakRequestsPerSecond int `json:"peak_requests_per_second"`
}

// Since is what happened between mark, an earlier reading, and s: the
// requests and faults counted after mark, each op and kind that had none
// left out. PeakRequestsPerSecond is not a counter and cannot be split at a
// mark: Since keeps s's, the peak of the server's whole life.
func (s Stats) Since(mark Stats) Stats {
	out := Stats{
		Requests:              map[string]int{},
		Faults:                map[string]int{},
		PeakRequestsPerSecond: s.PeakRequestsPerSecond,
	}
	for op, n := range s.Requests {
		if d := n - mark.Requests[op]; d != 0 {
			out.Requests[op] = d
		}
	}
	for kind, n := range s.Faults {
		if d := n - mark.Faults[kind]; d != 0 {
			out.Faults[kind] = d
		}
	}
	return out
}

// Total is the number of API requests of every op, faulted or not.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Requests {
		n += v
	}
	return n
}

// TotalFaults is the number of injected faults of every kind.
func (s Stats) TotalFaults() int {
	n := 0
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// noOpKey is the Stats.Requests key of requests that name no op.
const noOpKey = "(none)"

// New returns a Server. It fails when AppToken is empty, Latency is negative,
// FaultRate is outside 0..1, a fault kind or the usersget matcher is unknown,
// or the state file cannot be read or written.
func New(opts Options) (*Server, error) {
	if opts.AppToken == "" {
		return nil, errors.New("emulator: an app token is required")
	}
	if opts.Latency < 0 {
		return nil, errors.New("emulator: latency must not be negative")
	}
	if !(opts.FaultRate >= 0 && opts.FaultRate <= 1) {
		return nil, fmt.Errorf("emulator: fault rate %v is outside 0..1", opts.FaultRate)
	}
	if err := checkFaults(opts.Faults); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	match := opts.UsersGetMatch
	if match == "" {
		match = MatchStar
	}
	if err := match.check(); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	seed := uint64(opts.Seed)
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	s := &Server{
		appToken:    opts.AppToken,
		statePath:   opts.StatePath,
		logf:        opts.Logf,
		st:          newStore(),
		latency:     opts.Latency,
		faultRate:   opts.FaultRate,
		faults:      append([]Fault(nil), opts.Faults...),
		rng:         mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		requests:    map[string]int{},
		faultCounts: map[string]int{},
	}
	set := settings{
		tokenPerApp:           opts.TokenPerApp,
		omitMemberPermissions: opts.OmitMemberPermissions,
		omitUserNames:         opts.OmitUserNames,
	}
	s.st.usersGetMatch, s.st.usersGetIgnoreCase, s.st.settings = match, opts.UsersGetIgnoreCase, set
	if s.statePath != "" {
		st, err := loadStore(s.statePath)
		if err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
		s.st = st
		s.st.usersGetMatch, s.st.usersGetIgnoreCase, s.st.settings = match, opts.UsersGetIgnoreCase, set
		// Write at once, so an unwritable path is reported now rather than
		// at the first change.
		if err := s.saveLocked(); err != nil {
			return nil, fmt.Errorf("emulator: write state file: %w", err)
		}
	}
	return s, nil
}

// SetFaults changes the fault rate and kinds while the server runs. rate is
// clamped to 0..1; no kinds with a positive rate means every kind. It panics
// on an unknown kind (use ParseFaults to read kinds from users).
func (s *Server) SetFaults(rate float64, faults ...Fault) {
	if err := checkFaults(faults); err != nil {
		panic("emulator.SetFaults: " + err.Error())
	}
	if math.IsNaN(rate) || rate < 0 {
		rate = 0
	}
	rate = min(rate, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultRate = rate
	s.faults = append([]Fault(nil), faults...)
}

// SetLatency changes the delay before every API answer; negative means none.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// Snapshot returns a deep copy of all data.
func (s *Server) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.snapshot()
}

// Stats returns a copy of the request and fault counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Requests:              make(map[string]int, len(s.requests)),
		Faults:                make(map[string]int, len(s.faultCounts)),
		PeakRequestsPerSecond: s.peakPerSec,
	}
	for k, v := range s.requests {
		st.Requests[k] = v
	}
	for k, v := range s.faultCounts {
		st.Faults[k] = v
	}
	return st
}

// ServeHTTP serves the API at /api.php (form parameters), /backend/ and
// /backend (form parameters and JSON bodies), the state and stats at
// /_emulator/state and /_emulator/stats, and 404 elsewhere.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api.php":
		s.serveAPI(w, r, false)
	case "/backend/", "/backend":
		s.serveAPI(w, r, true)
	case "/_emulator/state":
		s.serveInspect(w, r, func() any { return s.Snapshot() })
	case "/_emulator/stats":
		s.serveInspect(w, r, func() any { return s.Stats() })
	default:
		http.NotFound(w, r)
	}
}

// serveInspect answers a test-only endpoint: never delayed, never faulted.
func (s *Server) serveInspect(w http.ResponseWriter, r *http.Request, value func() any) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b, err := json.MarshalIndent(value(), "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeBody(w, http.StatusOK, "application/json", append(b, '\n'))
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, jsonAPI bool) {
	start := time.Now()
	req := parseRequest(r, jsonAPI)

	s.mu.Lock()
	key := req.op
	if key == "" {
		key = noOpKey
	}
	s.requests[key]++
	s.countArrivalLocked(time.Now()) // under the lock, so arrivals are in order
	latency := s.latency
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.logRequest(r, req.op, "cancelled", "", start)
			return
		}
	}

	s.mu.Lock()
	fault, retryAfter := s.drawFaultLocked()
	var body []byte
	outcome := "-"
	if fault == "" || !fault.preProcessing() {
		rep := s.handleLocked(req)
		outcome = "ok"
		if rep.err != nil {
			outcome = rep.err.Code
		}
		id, hasID := req.params["id"]
		var err error
		if body, err = envelope(req.op, id, hasID, rep); err != nil {
			// Not reachable with the values the ops produce.
			body = []byte(`{"op":"","result":false,"error":"INTERNAL","code":500,"cause":"cannot encode the answer","properties":[]}`)
		}
	}
	s.mu.Unlock()

	s.logRequest(r, req.op, outcome, fault, start)
	if fault != "" {
		writeFault(w, fault, body, retryAfter)
		return
	}
	writeBody(w, http.StatusOK, "application/json", body)
}

// countArrivalLocked keeps the arrivals of the last second and the most
// there have ever been in one second.
func (s *Server) countArrivalLocked(at time.Time) {
	cut := 0
	for cut < len(s.lastSecond) && at.Sub(s.lastSecond[cut]) >= time.Second {
		cut++
	}
	s.lastSecond = append(s.lastSecond[cut:], at)
	s.peakPerSec = max(s.peakPerSec, len(s.lastSecond))
}

// drawFaultLocked decides whether this request gets a fault, and which.
func (s *Server) drawFaultLocked() (f Fault, retryAfter bool) {
	if s.faultRate <= 0 || s.rng.Float64() >= s.faultRate {
		return "", false
	}
	kinds := s.faults
	if len(kinds) == 0 {
		kinds = allFaults
	}
	f = kinds[s.rng.IntN(len(kinds))]
	s.faultCounts[string(f)]++
	if f == Fault429 {
		s.count429++
		retryAfter = s.count429%2 == 1
	}
	return f, retryAfter
}

// handleLocked checks and runs a request, saving the data when it changed.
func (s *Server) handleLocked(req apiRequest) reply {
	if req.problem != nil {
		return fail(req.problem)
	}
	if req.op == "" {
		return fail(missingPara("op"))
	}
	token, given := req.params.get("token")
	if !given {
		return fail(&apiError{Code: "AUTHFAIL", HTTP: 401, Cause: "missing app token", Props: []string{"token"}})
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.appToken)) != 1 {
		return fail(&apiError{Code: "AUTHFAIL", HTTP: 401, Cause: "invalid app token", Props: []string{"token"}})
	}
	run, known := ops[req.op]
	if !known {
		return fail(&apiError{Code: "BADOP", HTTP: 400, Cause: "unknown op", Props: []string{"op"}})
	}
	if req.json != nil {
		if bad := req.json.badTypes; len(bad) > 0 {
			return fail(badPara(bad, "malformed parameter: "+strings.Join(bad, ", ")+" is not of the type the op takes"))
		}
	}
	rep, changed := run(s.st, opRequest{p: req.params, json: req.json})
	if rep.err != nil && req.json != nil {
		// Name the parameters as the request wrote them.
		rep.err = rep.err.renamed(func(param string) string { return req.json.name(req.op, param) })
	}
	if changed && s.statePath != "" {
		if err := s.saveLocked(); err != nil && s.logf != nil {
			s.logf("saving state to %s failed: %v", s.statePath, err)
		}
	}
	return rep
}

func (s *Server) saveLocked() error {
	b, err := s.st.marshalFile()
	if err != nil {
		return err
	}
	return writeFileAtomic(s.statePath, b)
}

// logRequest logs one API request. The op is user input: it is quoted, cut
// short, and hidden if it contains the app token.
func (s *Server) logRequest(r *http.Request, op, outcome string, fault Fault, start time.Time) {
	if s.logf == nil {
		return
	}
	if strings.Contains(op, s.appToken) {
		op = "(redacted)"
	}
	if len(op) > 40 {
		op = op[:40] + "..."
	}
	f := string(fault)
	if f == "" {
		f = "-"
	}
	s.logf("%s %s op=%q outcome=%s fault=%s took=%s", r.Method, r.URL.Path, op, outcome, f,
		time.Since(start).Round(time.Microsecond))
}

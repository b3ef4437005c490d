package provider

// The request recorder: the HTTP transport of a test's provider, which passes
// every request on to the emulator, records what was sent, and lets a test
// change the emulator just before a request arrives or refuse a request.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/mesibo"
)

// memberEditCall is one groupeditmembers request as it reached Mesibo.
type memberEditCall struct {
	remove    bool
	addresses []string // sorted
}

func (c memberEditCall) String() string {
	verb := "add"
	if c.remove {
		verb = "remove"
	}
	return verb + " " + strings.Join(c.addresses, ",")
}

// apiRecorder is the HTTP transport of a test's provider: it passes every
// request on to the emulator and records the requests it passed on that were
// answered. Hooks let a test change the emulator just before a request
// arrives, or answer a request with an API error instead of passing it on.
type apiRecorder struct {
	mu sync.Mutex
	// sent are the form parameters of the requests passed on and answered
	// since the last reset, in order.
	sent []url.Values
	// before runs before a request is passed on.
	before func(op string, form url.Values)
	// refuse, when it returns true, answers the request with an error
	// that no retry can cure, without passing it on.
	refuse func(op string, form url.Values) bool
}

func (r *apiRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	form := requestForm(body)
	op := form.Get("op")
	r.mu.Lock()
	before, refuse := r.before, r.refuse
	r.mu.Unlock()
	if before != nil {
		before(op, form)
	}
	if refuse != nil && refuse(op, form) {
		answer := fmt.Sprintf(`{"op":%q,"result":false,"error":"REFUSED","code":403,"cause":"refused by the test"}`, op)
		return &http.Response{
			StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Content-Type": []string{"application/json"}},
			Body:    io.NopCloser(strings.NewReader(answer)),
			Request: req, ContentLength: int64(len(answer)),
		}, nil
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.sent = append(r.sent, form)
		r.mu.Unlock()
	}
	return resp, err
}

// set replaces the hooks; nil removes them.
func (r *apiRecorder) set(before func(string, url.Values), refuse func(string, url.Values) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.before, r.refuse = before, refuse
}

// reset forgets the recorded requests.
func (r *apiRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = nil
}

// sentOf returns the form parameters of the requests of op recorded since
// the last reset, in order.
func (r *apiRecorder) sentOf(op string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, form := range r.sent {
		if form.Get("op") == op {
			out = append(out, form)
		}
	}
	return out
}

// sentParams checks that every request of op since the last reset, and at
// least one, was sent with the parameter name set to value.
func (r *apiRecorder) sentParams(op, name, value string) func(*terraform.State) error {
	return func(*terraform.State) error {
		sent := r.sentOf(op)
		if len(sent) == 0 {
			return fmt.Errorf("no %s request was sent", op)
		}
		for _, form := range sent {
			if got, ok := form[name]; !ok || len(got) != 1 || got[0] != value {
				return fmt.Errorf("a %s request was sent with %s = %q, want %q", op, name, got, value)
			}
		}
		return nil
	}
}

// edits returns the groupeditmembers requests recorded since the last reset,
// in order.
func (r *apiRecorder) edits() []memberEditCall {
	var out []memberEditCall
	for _, form := range r.sentOf("groupeditmembers") {
		addrs := strings.Split(form.Get("m"), ",")
		slices.Sort(addrs)
		out = append(out, memberEditCall{remove: form.Get("delete") == "1", addresses: addrs})
	}
	return out
}

// editsAre checks the groupeditmembers requests since the last reset, in order.
func (r *apiRecorder) editsAre(want ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		var got []string
		for _, e := range r.edits() {
			got = append(got, e.String())
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("groupeditmembers requests were %q, want %q", got, want)
		}
		return nil
	}
}

// recordedProvider serves the provider with every request going through rec.
func recordedProvider(rec *apiRecorder) map[string]func() (tfprotov6.ProviderServer, error) {
	return factoriesWith(func(c *mesibo.Config) { c.HTTPClient = &http.Client{Transport: rec} })
}

// failingProvider serves the provider with every request going through rec,
// with short retry waits.
func failingProvider(rec *apiRecorder) map[string]func() (tfprotov6.ProviderServer, error) {
	return factoriesWith(func(c *mesibo.Config) {
		fastRetries(c)
		c.HTTPClient = &http.Client{Transport: rec}
	})
}

// refuseOps is an apiRecorder refusal of every request of the given ops.
func refuseOps(ops ...string) func(string, url.Values) bool {
	return func(op string, _ url.Values) bool { return slices.Contains(ops, op) }
}

// loseAnswers is an apiRecorder hook that lets the emulator carry out every
// request of the given ops and then lose its answer (HTTP 502), so that the
// provider cannot tell whether it happened. Other requests are answered.
func loseAnswers(e *testEmulator, ops ...string) func(string, url.Values) {
	return func(op string, _ url.Values) {
		if slices.Contains(ops, op) {
			e.SetFaults(1, emulator.Fault502)
		} else {
			e.SetFaults(0)
		}
	}
}

// heal removes the hooks and the emulator's faults.
func heal(rec *apiRecorder, e *testEmulator) {
	rec.set(nil, nil)
	e.SetFaults(0)
}

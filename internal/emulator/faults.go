package emulator

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Fault is a kind of failure the emulator can inject into an API answer, the
// way a proxy, a load balancer or a struggling server in front of Mesibo would.
type Fault string

// The fault kinds. Pre-processing faults answer before the request touches any
// data; post-processing faults let the request run to completion (its change
// is made and saved) and then break the answer, so a client cannot tell
// whether its request took effect.
const (
	// Fault429 answers 429 Too Many Requests before processing. Every other
	// 429 (the first, third, ...) carries "Retry-After: 1"; the rest carry none.
	Fault429 Fault = "429"
	// Fault503 answers 503 Service Unavailable before processing.
	Fault503 Fault = "503"
	// Fault500 answers 500 Internal Server Error with an HTML body after processing.
	Fault500 Fault = "500"
	// Fault502 answers 502 Bad Gateway with a proxy's HTML body after processing.
	Fault502 Fault = "502"
	// FaultReset closes the TCP connection with a RST after processing,
	// without any answer.
	FaultReset Fault = "reset"
	// FaultGarbage answers 200 with a body that is not JSON after processing.
	FaultGarbage Fault = "garbage"
	// FaultTruncate answers 200 with the first half of the JSON answer after
	// processing.
	FaultTruncate Fault = "truncate"
)

// allFaults lists every kind, in the order used by messages and by an empty
// fault list with a positive rate.
var allFaults = []Fault{Fault429, Fault503, Fault500, Fault502, FaultReset, FaultGarbage, FaultTruncate}

func (f Fault) valid() bool {
	for _, k := range allFaults {
		if f == k {
			return true
		}
	}
	return false
}

// preProcessing reports whether the fault answers before the request is processed.
func (f Fault) preProcessing() bool { return f == Fault429 || f == Fault503 }

func faultNames() string {
	names := make([]string, len(allFaults))
	for i, f := range allFaults {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// ParseFaults parses a comma-separated list of fault kinds such as
// "429,500,reset". Names are case-insensitive, surrounding spaces and empty
// entries are ignored, and a kind listed twice is drawn twice as often. An
// empty list yields no kinds (which, with a positive fault rate, means every
// kind). An unknown name is an error that lists the valid ones.
func ParseFaults(csv string) ([]Fault, error) {
	var out []Fault
	for _, part := range strings.Split(csv, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if name == "" {
			continue
		}
		f := Fault(name)
		if !f.valid() {
			return nil, fmt.Errorf("unknown fault %q: valid faults are %s", name, faultNames())
		}
		out = append(out, f)
	}
	return out, nil
}

func checkFaults(faults []Fault) error {
	for _, f := range faults {
		if !f.valid() {
			return fmt.Errorf("unknown fault %q: valid faults are %s", string(f), faultNames())
		}
	}
	return nil
}

const html500 = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>500 Internal Server Error</title>
</head><body>
<h1>Internal Server Error</h1>
<p>The server encountered an internal error or
misconfiguration and was unable to complete
your request.</p>
</body></html>
`

const html502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const html503 = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const html429 = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// garbagePrefix is what a PHP back end prints when a warning escapes ahead of
// its JSON output.
const garbagePrefix = "<br />\n<b>Warning</b>:  mysqli::query(): MySQL server has gone away in <b>/var/www/html/api.php</b> on line <b>212</b><br />\n"

// writeFault writes the broken answer of kind f. body is the JSON answer the
// request would have had (nil for pre-processing faults). retryAfter is used
// by Fault429 only.
func writeFault(w http.ResponseWriter, f Fault, body []byte, retryAfter bool) {
	h := w.Header()
	switch f {
	case Fault429:
		if retryAfter {
			h.Set("Retry-After", "1")
		}
		writeHTML(w, http.StatusTooManyRequests, html429)
	case Fault503:
		writeHTML(w, http.StatusServiceUnavailable, html503)
	case Fault500:
		writeHTML(w, http.StatusInternalServerError, html500)
	case Fault502:
		writeHTML(w, http.StatusBadGateway, html502)
	case FaultGarbage:
		b := append([]byte(garbagePrefix), body...)
		writeBody(w, http.StatusOK, "application/json", b)
	case FaultTruncate:
		writeBody(w, http.StatusOK, "application/json", body[:len(body)/2])
	case FaultReset:
		resetConnection(w)
	}
}

func writeHTML(w http.ResponseWriter, status int, page string) {
	writeBody(w, status, "text/html; charset=utf-8", []byte(page))
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// resetConnection drops the connection without an answer. On an HTTP/1 TCP
// connection the socket is closed with linger 0, which makes the kernel send a
// RST. Where the connection cannot be taken over (HTTP/2, test recorders) the
// handler aborts, which net/http turns into a dropped connection or stream.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = nc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

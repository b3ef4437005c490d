// Command mesibo-emulator runs a Mesibo-compatible backend API server that
// keeps its data in memory (and optionally in a state file), for tests, the
// demo, and trying Terraform configurations without a Mesibo account.
//
//	mesibo-emulator -listen 127.0.0.1:8080 -app-token TOKEN [-latency 200ms]
//	    [-fault-rate 0.3 -faults 429,500,502,503,reset,garbage,truncate]
//	    [-seed N] [-state FILE] [-usersget-match star|glob|like]
//	    [-usersget-ignore-case] [-omit-member-permissions] [-omit-user-names]
//	    [-token-per-app] [-endpoint-file FILE] [-quiet] [-allow-remote]
//
// It prints "mesibo-emulator listening on http://HOST:PORT/api.php" to
// stdout once it accepts connections, logs one line per request to stderr
// (never a token), and stops gracefully on SIGINT or SIGTERM. See package
// emulator for the behaviour of the API.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/cmd/cmdmain"
	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

func main() { cmdmain.Run("mesibo-emulator", run) }

// errUsage marks command-line errors that were already reported.
var errUsage = cmdmain.ErrUsage

const usageText = `Usage: mesibo-emulator [flags]

Runs a Mesibo-compatible backend API server in memory, for tests, demos and
trying Terraform configurations without a Mesibo account. The API takes form
parameters at /api.php, /backend/ and /backend, and JSON bodies (Mesibo's
JSON backend API) at /backend/ and /backend; GET /_emulator/state shows all
data and GET /_emulator/stats the request and fault counters.

Example:
  mesibo-emulator -listen 127.0.0.1:8080 -app-token demo-token -state demo.json
  curl -d op=useradd -d token=demo-token -d addr=alice -d appid=demo \
    http://127.0.0.1:8080/api.php
  curl -H 'Content-Type: application/json' http://127.0.0.1:8080/backend/ \
    -d '{"op":"useradd","token":"demo-token","user":{"address":"bob","name":"Bob","token":{"appid":"demo"}}}'

  # then point the provider at it (the JSON format: .../backend/):
  export MESIBO_ENDPOINT=http://127.0.0.1:8080/api.php MESIBO_APP_TOKEN=demo-token

Flags:
`

// shutdownGrace bounds how long a stop waits for requests in flight.
const shutdownGrace = 5 * time.Second

// run is the whole command: it parses args, serves until ctx is done, then
// shuts down gracefully. It returns flag.ErrHelp after -h, errUsage after a
// bad flag (already reported on stderr), or the error that stopped it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mesibo-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	var (
		listen        = fs.String("listen", "127.0.0.1:8080", "`address` to listen on; port 0 picks a free port")
		appToken      = fs.String("app-token", "", "application `token` clients must send; if empty, a random one is generated and printed")
		latency       = fs.Duration("latency", 0, "delay before every API answer, e.g. 200ms")
		faultRate     = fs.Float64("fault-rate", 0, "fraction (0..1) of API requests that get a fault")
		faults        = fs.String("faults", "", "comma-separated fault `kinds` to draw from: 429,503 (before processing), 500,502,reset,garbage,truncate (after processing); empty means all")
		seed          = fs.Int64("seed", 0, "seed of the fault draws, for repeatable runs; 0 is random")
		statePath     = fs.String("state", "", "JSON `file` to load the data from and save it to after every change")
		usersGetMatch = fs.String("usersget-match", string(emulator.MatchStar), "how usersget reads its pattern: star (only * is a wildcard), glob (also ?, [...] and \\ escapes) or like (* becomes SQL LIKE's %, so _ matches any character and \\ escapes)")
		ignoreCase    = fs.Bool("usersget-ignore-case", false, "make usersget match letters without regard to case, as a MySQL column with a case-insensitive collation would; useradd still keys users by their exact address")
		omitPerms     = fs.Bool("omit-member-permissions", false, "make groupgetmembers answer members without their permissions, as a server that does not report them")
		omitNames     = fs.Bool("omit-user-names", false, "make usersget answer users without their names")
		tokenPerApp   = fs.Bool("token-per-app", false, "keep an access token per app ID: useradd for another app ID adds a token, and usersget answers a row per app ID")
		endpointFile  = fs.String("endpoint-file", "", "`file` to write the API URL to once listening (removed on exit)")
		quiet         = fs.Bool("quiet", false, "do not log requests")
		allowRemote   = fs.Bool("allow-remote", false, "allow listening on a non-loopback address")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mesibo-emulator: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	kinds, err := emulator.ParseFaults(*faults)
	if err != nil {
		return fmt.Errorf("-faults: %w", err)
	}
	match, err := emulator.ParseUsersGetMatch(*usersGetMatch)
	if err != nil {
		return fmt.Errorf("-usersget-match: %w", err)
	}
	if !*allowRemote {
		if err := checkLoopback(*listen); err != nil {
			return err
		}
	}

	token, generated := *appToken, false
	if token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		token, generated = hex.EncodeToString(b), true
	}

	logw := &lockedWriter{w: stderr}
	opts := emulator.Options{
		AppToken:              token,
		Latency:               *latency,
		FaultRate:             *faultRate,
		Faults:                kinds,
		Seed:                  *seed,
		StatePath:             *statePath,
		UsersGetMatch:         match,
		UsersGetIgnoreCase:    *ignoreCase,
		OmitMemberPermissions: *omitPerms,
		OmitUserNames:         *omitNames,
		TokenPerApp:           *tokenPerApp,
	}
	if !*quiet {
		opts.Logf = func(format string, args ...any) {
			fmt.Fprintf(logw, "%s mesibo-emulator: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		}
	}
	emu, err := emulator.New(opts)
	if err != nil {
		return err
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !*allowRemote && !tcp.IP.IsLoopback() {
		return fmt.Errorf("-listen %s resolved to %s, which is not a loopback address; pass -allow-remote to allow it", *listen, tcp.IP)
	}

	endpoint := "http://" + ln.Addr().String() + "/api.php"
	if *endpointFile != "" {
		if err := writeEndpointFile(*endpointFile, endpoint); err != nil {
			return fmt.Errorf("-endpoint-file: %w", err)
		}
		defer os.Remove(*endpointFile)
	}
	fmt.Fprintf(stdout, "mesibo-emulator listening on %s\n", endpoint)
	if generated {
		fmt.Fprintf(stdout, "mesibo-emulator app token (generated; pass -app-token to choose one): %s\n", token)
	}

	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(logw, "mesibo-emulator: http: ", log.LstdFlags),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(logw, "mesibo-emulator: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(logw, "mesibo-emulator: requests still running after %s were cut off\n", shutdownGrace)
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkLoopback refuses listen addresses that would be reachable from other
// machines: an empty host (all interfaces), a non-loopback IP, or a host name
// other than localhost.
func checkLoopback(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", listen, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "all interfaces"
	}
	return fmt.Errorf("-listen %s would listen on %s, which is not a loopback address; use 127.0.0.1 or pass -allow-remote", listen, shown)
}

// writeEndpointFile writes the URL through a temporary file and a rename, so
// a script polling for the file never reads it half-written.
func writeEndpointFile(path, endpoint string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(endpoint + "\n"); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}

// lockedWriter serializes writes from concurrent request handlers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Package cmdmain is the main function the project's commands share: run
// with a context that an interrupt cancels, and an exit status that tells a
// usage error (2) from a failure (1).
package cmdmain

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// ErrUsage marks command-line errors that were already reported.
var ErrUsage = errors.New("usage error")

// Run runs a command named name, with its arguments and standard streams,
// and exits: 0 when run succeeds or help was asked for, 2 after ErrUsage,
// 1 after any other error, which it prints first.
func Run(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(ExitCode(name, err, os.Stderr))
}

// ExitCode is the exit status of a command that ended with err, which it
// reports on stderr when it is neither help nor a usage error.
func ExitCode(name string, err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

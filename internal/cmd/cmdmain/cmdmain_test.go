package cmdmain

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"
)

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{ErrUsage, 2, ""},
		{fmt.Errorf("flags: %w", ErrUsage), 2, ""},
		{errors.New("disk full"), 1, "cmd: disk full\n"},
	} {
		var stderr bytes.Buffer
		if code := ExitCode("cmd", c.err, &stderr); code != c.code || stderr.String() != c.stderr {
			t.Errorf("ExitCode(%v) = %d, printed %q; want %d, %q", c.err, code, stderr.String(), c.code, c.stderr)
		}
	}
}

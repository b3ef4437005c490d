#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME each (default 10s).
# Targets are discovered with `go test -list`, so new ones are picked up
# without touching this script. The seed corpora are replayed by every
# ordinary `go test` run as well; this adds a short search for new inputs.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

fuzztime="${FUZZTIME:-10s}"

# `go test -list` prints the matching names of a package, then a line
# "ok <package> <time>"; pair each name with the package that follows it.
listing="$(go test -list '^Fuzz' ./...)"
targets="$(awk '
	/^Fuzz/ { names[n++] = $1; next }
	/^ok[ \t]/ { for (i = 0; i < n; i++) print $2, names[i]; n = 0 }
' <<<"$listing")"

if [[ -z "$targets" ]]; then
	echo "no fuzz targets found"
	exit 0
fi

count="$(wc -l <<<"$targets" | tr -d ' ')"
echo "found $count fuzz target(s); running each for $fuzztime"
log="$(mktemp "${TMPDIR:-/tmp}/mesibo-fuzz.XXXXXX")"
trap 'rm -f "$log"' EXIT

# fuzz PKG NAME: one run of one target, its output shown and kept in $log.
fuzz() {
	go test "$1" -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" </dev/null 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

# deadline_race: whether the failed run in $log is Go's own race at the end
# of -fuzztime (go.dev/issue/75804, fixed in Go 1.27): the target fails with
# nothing but "context deadline exceeded", and no failing input is written.
# Any other failure, or a failing input, is a real one.
deadline_race() {
	grep -qx '    context deadline exceeded' "$log" &&
		! grep -qE 'Failing input written|^panic:|_test\.go:[0-9]+:' "$log"
}

while read -r pkg name; do
	echo "==> $pkg $name"
	if fuzz "$pkg" "$name"; then
		continue
	fi
	if deadline_race; then
		echo "==> $name stopped on Go's race at the end of -fuzztime (go.dev/issue/75804), with no failing input: once more"
		fuzz "$pkg" "$name" && continue
	fi
	echo "error: fuzz target $name of $pkg failed" >&2
	exit 1
done <<<"$targets"
echo "fuzzing finished: $count target(s), no failure"

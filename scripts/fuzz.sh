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
while read -r pkg name; do
	echo "==> $pkg $name"
	go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" </dev/null
done <<<"$targets"
echo "fuzzing finished: $count target(s), no failure"

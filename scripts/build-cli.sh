#!/usr/bin/env bash
# scripts/build-cli.sh terraform|opentofu VERSION
#
# Builds the Terraform or OpenTofu CLI of VERSION from the Go module proxy
# into ${MESIBO_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-mesibo/cli}/<kind>-<version>/
# and prints the binary's path (.../terraform or .../tofu) on stdout. A binary
# already there that reports VERSION is reused. A build takes 2 to 6 minutes;
# tools/build-cli (a module of its own) says how it works around what keeps
# `go install` from building these modules. Several runs may build the same
# CLI at once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The tool is compiled into a directory of this run's own, so that runs at
# the same time never replace each other's binary.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/build-cli.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
go -C "$root/tools/build-cli" build -o "$tmp/build-cli" .
cd "$root"
"$tmp/build-cli" "$@"

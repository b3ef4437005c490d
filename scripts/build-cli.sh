#!/usr/bin/env bash
# scripts/build-cli.sh terraform|opentofu VERSION
#
# Builds the Terraform or OpenTofu CLI of VERSION from the Go module proxy
# into ${MESIBO_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-mesibo/cli}/<kind>-<version>/
# and prints the binary's path (.../terraform or .../tofu) on stdout. A binary
# already there that reports VERSION is reused. A build takes 2 to 6 minutes;
# internal/cmd/build-cli says how it works around what keeps `go install`
# from building these modules.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./internal/cmd/build-cli "$@"

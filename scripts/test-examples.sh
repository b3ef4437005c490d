#!/usr/bin/env bash
# make test-examples: `terraform test` in every example directory that has
# .tftest.hcl files (examples/testing), against a local Mesibo emulator.
#
# Builds the provider and the emulator into ./bin, starts the emulator on a
# free loopback port, points Terraform at the built provider with
# dev_overrides, and runs `terraform test` in a copy of each directory. With
# an overridden provider, no `terraform init` is needed before
# `terraform test`, as long as the tests use no modules or providers from a
# registry. TERRAFORM names another CLI (OpenTofu runs the same tests).
# .tftest.hcl files need Terraform 1.6 or later (or OpenTofu): with an older
# CLI this fails, rather than let `terraform test` pass without running any.
# Needs Go and the Terraform CLI; no Mesibo account or network.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# shellcheck source=scripts/lib/emulator-session.sh
source "$repo_root/scripts/lib/emulator-session.sh"
session_start test-examples

if [[ $cli_version =~ ^Terraform\ v1\.[0-5]\. ]]; then
	fail "$cli_version cannot run .tftest.hcl files: terraform test needs Terraform 1.6 or later (or OpenTofu)"
fi

mapfile -t dirs < <(find examples -name '*.tftest.hcl' -exec dirname {} \; | sort -u)
if ((${#dirs[@]} == 0)); then
	fail "no example has a .tftest.hcl file"
fi

for dir in "${dirs[@]}"; do
	step "terraform test ($dir)"
	# A copy, so that nothing Terraform writes lands in the repository.
	ws="$work/$(echo "$dir" | tr '/' '_')"
	workspace_copy "$dir" "$ws"
	"$terraform" -chdir="$ws" test -no-color | tee "$work/test.out"
	# A run that finds no test also ends in "Success!": count them.
	runs="$(cat "$ws"/*.tftest.hcl | grep -c '^run "')"
	if ! grep -q "^Success! $runs passed, 0 failed" "$work/test.out"; then
		fail "$dir has $runs run blocks, and terraform test did not report them all passed"
	fi
done

step "terraform test passed in ${#dirs[@]} example director$( ((${#dirs[@]} == 1)) && echo y || echo ies)"

#!/usr/bin/env bash
# make demo: the provider end to end, on this machine only.
#
# Builds the provider and the Mesibo emulator into ./bin, starts the emulator
# on a free loopback port with a throwaway app token, points Terraform at the
# built provider with dev_overrides, then applies examples/quickstart, prints
# its outputs, checks that a second plan has no changes, and destroys it.
# Needs Go and the Terraform CLI; no Mesibo account, token or network.
# Everything it creates outside ./bin lives in a temporary directory that is
# removed, and the emulator stopped, however the script ends.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# shellcheck source=scripts/lib/emulator-session.sh
source "$repo_root/scripts/lib/emulator-session.sh"
session_start demo

# Work on a copy so that no state file is ever written into the repository.
workspace_copy examples/quickstart "$work/quickstart"
tf() { "$terraform" -chdir="$work/quickstart" "$@"; }

step "terraform apply (examples/quickstart)"
tf apply -auto-approve -input=false

step "terraform output"
tf output

step "terraform plan: a second plan must have no changes"
set +e
tf plan -detailed-exitcode -input=false
plan_status=$?
set -e
case $plan_status in
0) echo "No changes: the configuration converged in one apply." ;;
2) fail "the second plan wants changes: the provider did not converge (see the plan above)" ;;
*) fail "terraform plan failed (exit status $plan_status)" ;;
esac

step "terraform destroy"
tf destroy -auto-approve -input=false

step "demo complete: apply, outputs, an empty second plan and destroy all succeeded"

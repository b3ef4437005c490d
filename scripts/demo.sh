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

bin_dir="$repo_root/bin"
version="${VERSION:-demo}"
endpoint_timeout="${DEMO_ENDPOINT_TIMEOUT:-30}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\ndemo failed: %s\n' "$*" >&2; exit 1; }

if ! command -v terraform >/dev/null 2>&1; then
	fail "the Terraform CLI is not on PATH; install it (https://developer.hashicorp.com/terraform/install) and run 'make demo' again"
fi
if ! command -v go >/dev/null 2>&1; then
	fail "Go is not on PATH"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-demo.XXXXXX")"
emulator_pid=""

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	if [[ $status -ne 0 && -s "$work/emulator.log" ]]; then
		echo "--- emulator log (last 20 lines) ---" >&2
		tail -n 20 "$work/emulator.log" >&2 || true
	fi
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "building the provider and the emulator into ./bin"
mkdir -p "$bin_dir"
go build -trimpath -ldflags "-X main.version=$version" -o "$bin_dir/terraform-provider-mesibo" .
go build -trimpath -o "$bin_dir/mesibo-emulator" ./internal/cmd/mesibo-emulator

step "starting the Mesibo emulator on a free loopback port"
# A throwaway app token for this run only; it is never printed.
app_token="demo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$bin_dir/mesibo-emulator" \
	-listen 127.0.0.1:0 \
	-endpoint-file "$work/endpoint" \
	-app-token "$app_token" \
	-quiet >"$work/emulator.log" 2>&1 &
emulator_pid=$!

deadline=$((SECONDS + endpoint_timeout))
until [[ -s "$work/endpoint" ]]; do
	if ! kill -0 "$emulator_pid" 2>/dev/null; then
		emulator_pid=""
		fail "the emulator exited before it was ready (its log follows)"
	fi
	if ((SECONDS >= deadline)); then
		fail "the emulator did not write its endpoint to $work/endpoint within ${endpoint_timeout}s"
	fi
	sleep 0.1
done
# The file may still be being written: wait for a complete first line.
until endpoint="$(head -n 1 "$work/endpoint" | tr -d '[:space:]')" && [[ -n "$endpoint" ]]; do
	((SECONDS < deadline)) || fail "the emulator's endpoint file stayed empty"
	sleep 0.1
done
if [[ "$endpoint" != http://* && "$endpoint" != https://* ]]; then
	endpoint="http://$endpoint/api.php"
fi
echo "emulator listening on $endpoint"

# Terraform uses the provider just built instead of a registry download.
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "mesibo-community/mesibo" = "$bin_dir"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
export MESIBO_ENDPOINT="$endpoint"
export MESIBO_APP_TOKEN="$app_token"

# Work on a copy so that no state file is ever written into the repository.
mkdir -p "$work/quickstart"
cp -R examples/quickstart/. "$work/quickstart/"
rm -rf "$work/quickstart/.terraform" "$work/quickstart/.terraform.lock.hcl" "$work/quickstart/"*.tfstate*
tf() { terraform -chdir="$work/quickstart" "$@"; }

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

# shellcheck shell=bash
# Sourced by the scripts that run Terraform against a local Mesibo emulator
# (demo.sh, test-examples.sh): build the provider and the emulator into
# ./bin, start the emulator on a free loopback port with a throwaway app
# token, and point Terraform at the built provider through dev_overrides.
#
# The sourcing script sets repo_root, changes to it and calls session_start NAME. Afterwards
# MESIBO_ENDPOINT, MESIBO_APP_TOKEN and TF_CLI_CONFIG_FILE are exported, and
# $work is a temporary directory for the script's own files. However the
# script ends, the emulator is stopped and $work removed.
#
# TERRAFORM names the CLI to run (default: terraform on PATH), for example
# TERRAFORM="$(scripts/build-cli.sh opentofu 1.11.0)"; $terraform holds it.
# The provider build, dev_overrides and workspace copies come from
# scripts/lib/dev-provider.sh (workspace_copy is there for the script too).

# shellcheck source=scripts/lib/dev-provider.sh
source "$repo_root/scripts/lib/dev-provider.sh"

bin_dir="$repo_root/bin"
endpoint_timeout="${DEMO_ENDPOINT_TIMEOUT:-30}"
work=""
emulator_pid=""
session_name="session"
terraform="${TERRAFORM:-terraform}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\n%s failed: %s\n' "$session_name" "$*" >&2; exit 1; }

session_cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	if [[ $status -ne 0 && -n "$work" && -s "$work/emulator.log" ]]; then
		echo "--- emulator log (last 20 lines) ---" >&2
		tail -n 20 "$work/emulator.log" >&2 || true
	fi
	if [[ -n "$work" ]]; then
		rm -rf "$work"
	fi
	exit "$status"
}

# session_start NAME: everything up to a running emulator and a Terraform
# that uses the provider just built. VERSION sets the provider's version.
session_start() {
	session_name=$1
	if ! command -v "$terraform" >/dev/null 2>&1; then
		fail "the Terraform CLI ($terraform) is not on PATH; install it (https://developer.hashicorp.com/terraform/install) and run 'make $session_name' again"
	fi
	if ! command -v go >/dev/null 2>&1; then
		fail "Go is not on PATH"
	fi

	work="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-$session_name.XXXXXX")"
	trap session_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	cli_version="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$terraform" version | sed -n 1p)"
	echo "using $cli_version ($terraform)"

	step "building the provider and the emulator into ./bin"
	dev_provider_build "$bin_dir" "${VERSION:-$session_name}"
	go build -trimpath -o "$bin_dir/mesibo-emulator" ./internal/cmd/mesibo-emulator

	step "starting the Mesibo emulator on a free loopback port"
	# A throwaway app token for this run only; it is never printed.
	local app_token
	app_token="$session_name-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	"$bin_dir/mesibo-emulator" \
		-listen 127.0.0.1:0 \
		-endpoint-file "$work/endpoint" \
		-app-token "$app_token" \
		-quiet >"$work/emulator.log" 2>&1 &
	emulator_pid=$!

	local deadline=$((SECONDS + endpoint_timeout)) endpoint
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
	dev_overrides_write "$work/terraformrc" "$bin_dir"
	export TF_CLI_CONFIG_FILE="$work/terraformrc"
	export TF_IN_AUTOMATION=1
	export CHECKPOINT_DISABLE=1
	export MESIBO_ENDPOINT="$endpoint"
	export MESIBO_APP_TOKEN="$app_token"
}

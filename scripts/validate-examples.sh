#!/usr/bin/env bash
# Runs `terraform validate` on every example directory against the provider
# built from this checkout, so that an example using an attribute the schema
# does not have (or lacks a required one) fails here, not in a reader's hands.
# Then runs the Go tests of what validate cannot see (the CI workflow of
# examples/ci and its backend stanza, internal/examples).
# Needs no credentials and no network: validation never calls the API, and a
# backend block (examples/ci) is never initialised, so no remote state is
# contacted.
#
# What older CLIs cannot read needs Terraform 1.16 or later: the examples of
# actions (action blocks and triggers, with 1.16's destroy events) and list
# resources (.tfquery.hcl files), and the
# import-by-identity.tf of each resource (validated apart from its
# import-by-string-id.tf, which imports the same resource). They are validated
# with the CLI scripts/lib/modern-terraform.sh finds or builds.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

terraform="${TERRAFORM:-terraform}"
work="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-examples.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# shellcheck source=scripts/lib/dev-provider.sh
source scripts/lib/dev-provider.sh
dev_provider_build "$work/plugins"
dev_overrides_write "$work/terraformrc" "$work/plugins"
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

# The CLI that validates the examples: TERRAFORM, or terraform on PATH. The
# examples only Terraform 1.16 or later reads are validated with such a CLI.
terraform="${TERRAFORM:-terraform}"
# shellcheck source=scripts/lib/modern-terraform.sh
source scripts/lib/modern-terraform.sh
modern_tf="$(modern_terraform)"

failed=0
count=0

# validate NAME DIR CLI [FILE-TO-LEAVE-OUT]: terraform validate a copy of DIR
# with CLI, reporting it as NAME.
validate() {
	local name=$1 dir=$2 tf=$3 leave_out=${4:-}
	count=$((count + 1))
	local ws="$work/ws$count" out
	workspace_copy "$dir" "$ws"
	if [[ -n "$leave_out" ]]; then
		rm -f "${ws:?}/$leave_out"
	fi
	# Snippets for the docs leave out the terraform block; give them one.
	if ! grep -qs 'required_providers' "$ws"/*.tf; then
		cat >"$ws/zz_required_providers.tf" <<'EOF'
terraform {
  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}
EOF
	fi
	local args=()
	if compgen -G "$ws/*.tfquery.hcl" >/dev/null; then
		args+=(-query)
	fi
	# Install the example's modules, if any. `terraform init` is never run:
	# it would initialise a backend block (examples/ci names an S3 bucket),
	# and the provider comes from dev_overrides anyway. `terraform get` only
	# installs modules, and `terraform validate` ignores the backend block.
	if ! out="$("$tf" -chdir="$ws" get -no-color 2>&1)"; then
		echo "FAIL  $name"
		sed 's/^/      /' <<<"$out"
		failed=$((failed + 1))
		return
	fi
	if out="$("$tf" -chdir="$ws" validate -no-color "${args[@]}" 2>&1)"; then
		echo "ok    $name"
	else
		echo "FAIL  $name"
		sed 's/^/      /' <<<"$out"
		failed=$((failed + 1))
	fi
}

while IFS= read -r dir; do
	if compgen -G "$dir/*.tfquery.hcl" >/dev/null || grep -qsE '^[[:space:]]*(action "|action_trigger)' "$dir"/*.tf; then
		validate "$dir" "$dir" "$modern_tf"
	elif [[ -e "$dir/import-by-identity.tf" ]]; then
		validate "$dir" "$dir" "$terraform" import-by-identity.tf
		validate "$dir/import-by-identity.tf" "$dir" "$modern_tf" import-by-string-id.tf
	else
		validate "$dir" "$dir" "$terraform"
	fi
done < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -exec dirname {} \; | sort -u)

if ((failed > 0)); then
	echo "error: $failed of $count example configurations do not validate against the provider schema" >&2
	exit 1
fi
echo "all $count example configurations validate"

echo "==> checking the CI workflow and backend of examples/ci"
go test -count=1 ./internal/examples

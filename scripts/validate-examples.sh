#!/usr/bin/env bash
# Runs `terraform validate` on every example directory against the provider
# built from this checkout, so that an example using an attribute the schema
# does not have (or lacks a required one) fails here, not in a reader's hands.
# Then runs the Go tests of what validate cannot see (the CI workflow of
# examples/ci and its backend stanza, internal/examples).
# Needs no credentials and no network: validation never calls the API, and a
# backend block (examples/ci) is never initialised, so no remote state is
# contacted.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

terraform="${TERRAFORM:-terraform}"
work="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-examples.XXXXXX")"
trap 'rm -rf "$work"' EXIT

go build -o "$work/plugins/terraform-provider-mesibo" .
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "mesibo-community/mesibo" = "$work/plugins"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

failed=0
count=0
while IFS= read -r dir; do
	count=$((count + 1))
	ws="$work/ws$count"
	mkdir -p "$ws"
	# The whole directory, so that a module in a subdirectory comes along;
	# without what a local terraform run may have left in it.
	cp -R "$dir"/. "$ws/"
	rm -rf "$ws/.terraform" "$ws/.terraform.lock.hcl" "$ws"/*.tfstate "$ws"/*.tfstate.*
	# Snippets for the docs leave out the terraform block; give them one.
	if ! grep -q 'required_providers' "$ws"/*.tf; then
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
	# Install the example's modules, if any. `terraform init` is never run:
	# it would initialise a backend block (examples/ci names an S3 bucket),
	# and the provider comes from dev_overrides anyway. `terraform get` only
	# installs modules, and `terraform validate` ignores the backend block.
	if ! out="$("$terraform" -chdir="$ws" get -no-color 2>&1)"; then
		echo "FAIL  $dir"
		sed 's/^/      /' <<<"$out"
		failed=$((failed + 1))
		continue
	fi
	if out="$("$terraform" -chdir="$ws" validate -no-color 2>&1)"; then
		echo "ok    $dir"
	else
		echo "FAIL  $dir"
		sed 's/^/      /' <<<"$out"
		failed=$((failed + 1))
	fi
done < <(find examples -name '*.tf' -exec dirname {} \; | sort -u)

if ((failed > 0)); then
	echo "error: $failed of $count example directories do not validate against the provider schema" >&2
	exit 1
fi
echo "all $count example directories validate"

echo "==> checking the CI workflow and backend of examples/ci"
go test -count=1 ./internal/examples

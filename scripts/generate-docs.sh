#!/usr/bin/env bash
# Regenerates docs/ from the provider schema, examples/ and templates/ with the
# pinned tfplugindocs (tools/go.mod).
#
# tfplugindocs would otherwise build the provider itself and fall back to
# downloading a Terraform CLI when none is found. Here the schema is exported
# with a Terraform CLI of the machine and handed to tfplugindocs with
# --providers-schema, so generation never downloads anything.
#
# The CLI must be recent: CLIs older than 1.14 leave the resource identities,
# the action and the list resource out of the schema they export, and the
# docs would lose them; and the examples formatted here use what only 1.16
# reads. scripts/lib/modern-terraform.sh finds or builds a Terraform 1.16 or
# later (MESIBO_DOCS_TERRAFORM names one).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# shellcheck source=scripts/lib/modern-terraform.sh
source scripts/lib/modern-terraform.sh
tf="$(modern_terraform)"
tf_version="$("$tf" version)"
tf_version="${tf_version%%$'\n'*}"
echo "==> formatting examples/ with $tf_version"
"$tf" fmt -recursive examples/

echo "==> exporting the schema with $tf_version"

work="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-docs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "==> building the provider to export its schema"
# shellcheck source=scripts/lib/dev-provider.sh
source scripts/lib/dev-provider.sh
dev_provider_build "$work/plugins"

# tfplugindocs looks the schema up as "registry.terraform.io/hashicorp/<name>",
# which is also the address it uses when it exports a schema itself; the
# override below serves the freshly built binary under that address.
dev_overrides_write "$work/terraformrc" "$work/plugins" hashicorp/mesibo
mkdir -p "$work/config"
cat >"$work/config/main.tf" <<'EOF'
terraform {
  required_providers {
    mesibo = {
      source = "hashicorp/mesibo"
    }
  }
}
EOF

echo "==> exporting the provider schema"
TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 \
	"$tf" -chdir="$work/config" providers schema -json >"$work/schema.json"

echo "==> rendering docs/"
go tool -modfile="$repo_root/tools/go.mod" tfplugindocs generate \
	--provider-dir "$repo_root" \
	--provider-name mesibo \
	--rendered-provider-name Mesibo \
	--providers-schema "$work/schema.json"

echo "==> validating docs/"
# validate logs every file it looks at; show that only when it fails.
if ! go tool -modfile="$repo_root/tools/go.mod" tfplugindocs validate \
	--provider-dir "$repo_root" \
	--provider-name mesibo \
	--providers-schema "$work/schema.json" >"$work/validate.log" 2>&1; then
	cat "$work/validate.log" >&2
	echo "error: docs/ does not pass tfplugindocs validate" >&2
	exit 1
fi
echo "docs/ generated and validated"

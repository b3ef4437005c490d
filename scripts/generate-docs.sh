#!/usr/bin/env bash
# Regenerates docs/ from the provider schema, examples/ and templates/ with the
# pinned tfplugindocs (tools/go.mod).
#
# tfplugindocs would otherwise build the provider itself and fall back to
# downloading a Terraform CLI when none is found. Here the schema is exported
# with the Terraform CLI on PATH and handed to tfplugindocs with
# --providers-schema, so generation never downloads anything.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

if ! command -v terraform >/dev/null 2>&1; then
	echo "error: the Terraform CLI is needed to export the provider schema, and it is not on PATH" >&2
	exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-docs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "==> building the provider to export its schema"
go build -o "$work/plugins/terraform-provider-mesibo" .

# tfplugindocs looks the schema up as "registry.terraform.io/hashicorp/<name>",
# which is also the address it uses when it exports a schema itself; the
# override below serves the freshly built binary under that address.
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "hashicorp/mesibo" = "$work/plugins"
  }
  direct {}
}
EOF
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
	terraform -chdir="$work/config" providers schema -json >"$work/schema.json"

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

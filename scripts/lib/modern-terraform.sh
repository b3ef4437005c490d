# shellcheck shell=bash
# modern_terraform: prints the path of a Terraform CLI of 1.16 or later, the
# first CLI that reads everything the examples and docs use (resource
# identities, actions and list resources since 1.14; the destroy events of
# action triggers, `lifecycle { destroy = false }` and import blocks in
# modules since 1.16), for what needs one (generating docs/, validating the
# examples older CLIs cannot read): MESIBO_DOCS_TERRAFORM when set; else
# terraform on PATH when it is 1.16 or later; else the newest Terraform of
# scripts/supported-clis.txt, built from the Go module proxy into the CLI
# cache by scripts/build-cli.sh the first time (2 to 6 minutes).
# Source it from a script that has cd'ed to the repository root.

# modern_minor: the first Terraform 1.x that modern_terraform accepts.
modern_minor=16

# terraform_is_modern CLI: whether CLI is Terraform 1.$modern_minor or later.
terraform_is_modern() {
	local v
	v="$("$1" version 2>/dev/null)" || return 1
	v="${v%%$'\n'*}"
	[[ "$v" =~ ^Terraform\ v([0-9]+)\.([0-9]+)\. ]] || return 1
	((BASH_REMATCH[1] > 1 || BASH_REMATCH[2] >= modern_minor))
}

modern_terraform() {
	if [[ -n "${MESIBO_DOCS_TERRAFORM:-}" ]]; then
		if ! terraform_is_modern "$MESIBO_DOCS_TERRAFORM"; then
			echo "error: MESIBO_DOCS_TERRAFORM ($MESIBO_DOCS_TERRAFORM) must be Terraform 1.$modern_minor or later" >&2
			return 1
		fi
		printf '%s\n' "$MESIBO_DOCS_TERRAFORM"
		return
	fi
	if command -v terraform >/dev/null 2>&1 && terraform_is_modern terraform; then
		command -v terraform
		return
	fi
	local newest
	newest="$(sed 's/#.*//' scripts/supported-clis.txt | awk '$1 ~ /^terraform-/ { print $1 }' | sort -V | tail -1)"
	echo "==> the terraform on PATH is older than 1.$modern_minor: using ${newest} from the CLI cache (built once if missing)" >&2
	scripts/build-cli.sh terraform "${newest#terraform-}"
}

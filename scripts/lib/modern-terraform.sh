# shellcheck shell=bash
# modern_terraform: prints the path of a Terraform CLI of 1.14 or later, the
# first CLI that knows resource identities, actions and list resources, for
# what needs one (generating docs/, validating the examples of the action and
# the list resource): MESIBO_DOCS_TERRAFORM when set; else terraform on PATH
# when it is 1.14 or later; else the newest Terraform of
# scripts/supported-clis.txt, built from the Go module proxy into the CLI
# cache by scripts/build-cli.sh the first time (2 to 6 minutes).
# Source it from a script that has cd'ed to the repository root.

# terraform_at_least_1_14 CLI: whether CLI is Terraform 1.14 or later.
terraform_at_least_1_14() {
	local v
	v="$("$1" version 2>/dev/null)" || return 1
	v="${v%%$'\n'*}"
	[[ "$v" =~ ^Terraform\ v([0-9]+)\.([0-9]+)\. ]] || return 1
	((BASH_REMATCH[1] > 1 || BASH_REMATCH[2] >= 14))
}

modern_terraform() {
	if [[ -n "${MESIBO_DOCS_TERRAFORM:-}" ]]; then
		if ! terraform_at_least_1_14 "$MESIBO_DOCS_TERRAFORM"; then
			echo "error: MESIBO_DOCS_TERRAFORM ($MESIBO_DOCS_TERRAFORM) must be Terraform 1.14 or later" >&2
			return 1
		fi
		printf '%s\n' "$MESIBO_DOCS_TERRAFORM"
		return
	fi
	if command -v terraform >/dev/null 2>&1 && terraform_at_least_1_14 terraform; then
		command -v terraform
		return
	fi
	local newest
	newest="$(sed 's/#.*//' scripts/supported-clis.txt | awk '$1 ~ /^terraform-/ { print $1 }' | sort -V | tail -1)"
	echo "==> the terraform on PATH is older than 1.14: using ${newest} from the CLI cache (built once if missing)" >&2
	scripts/build-cli.sh terraform "${newest#terraform-}"
}

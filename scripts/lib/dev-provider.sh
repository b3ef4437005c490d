# shellcheck shell=bash
# The one place the scripts build the provider for a local Terraform run,
# point Terraform at it through dev_overrides, and copy a configuration into
# a scratch workspace. Sourced by scripts/lib/emulator-session.sh (demo.sh,
# test-examples.sh), validate-examples.sh and generate-docs.sh, from the
# repository root.

# The address Terraform configurations use for the provider.
dev_provider_address="mesibo-community/mesibo"

# dev_provider_build DIR [VERSION]: builds the provider of this checkout into
# DIR/terraform-provider-mesibo, stamped with VERSION (default dev), as
# `make build` does.
dev_provider_build() {
	local dir=${1:?dev_provider_build: no directory} version=${2:-dev}
	mkdir -p "$dir"
	go build -trimpath -ldflags "-X main.version=$version" -o "$dir/terraform-provider-mesibo" .
}

# dev_overrides_write FILE DIR [ADDRESS]: writes a CLI configuration file
# (for TF_CLI_CONFIG_FILE) that makes Terraform and OpenTofu use the provider
# binary in DIR for ADDRESS (default mesibo-community/mesibo) instead of a
# registry download; every other provider installs as usual.
dev_overrides_write() {
	local file=${1:?dev_overrides_write: no file} dir=${2:?dev_overrides_write: no directory} address=${3:-$dev_provider_address}
	cat >"$file" <<RC
provider_installation {
  dev_overrides {
    "$address" = "$dir"
  }
  direct {}
}
RC
}

# workspace_copy SRC DEST: copies the configuration directory SRC, modules
# in subdirectories included, into DEST, without what a local terraform run
# may have left in SRC (.terraform, the lock file, state files), so that
# nothing a run writes lands in the repository and no earlier run leaks in.
workspace_copy() {
	local src=${1:?workspace_copy: no source} dest=${2:?workspace_copy: no destination}
	mkdir -p "$dest"
	cp -R "$src"/. "$dest/"
	rm -rf "${dest:?}/.terraform" "$dest/.terraform.lock.hcl" "$dest"/*.tfstate "$dest"/*.tfstate.*
}

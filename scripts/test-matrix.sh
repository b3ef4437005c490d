#!/usr/bin/env bash
# make test-matrix: the acceptance tests on every CLI of
# scripts/supported-clis.txt, or on those MATRIX names
# (MATRIX='terraform-1.16.4 opentofu-1.12.6').
#
# First builds every CLI that is not in the cache yet (scripts/build-cli.sh),
# then runs `go test` with TF_ACC=1 on each in turn, pointing
# terraform-plugin-testing at it with TF_ACC_TERRAFORM_PATH (and, for
# OpenTofu, TF_ACC_PROVIDER_HOST=registry.opentofu.org, OpenTofu's registry),
# and ends with a table: pass or FAIL per CLI, its time and its failed tests.
# Fails when any CLI fails. MATRIX_PACKAGES (default ./...) and TESTARGS
# (e.g. '-run TestAccUser') narrow the run. `--list` only prints the CLIs, one
# a line (the GitHub workflow's matrix).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

if [[ -n "${MATRIX:-}" ]]; then
	read -ra clis <<<"$MATRIX"
else
	mapfile -t clis < <(sed 's/#.*//' scripts/supported-clis.txt | awk 'NF { print $1 }')
fi
((${#clis[@]} > 0)) || { echo "error: MATRIX names no CLI" >&2; exit 2; }
for cli in "${clis[@]}"; do
	if [[ ! $cli =~ ^(terraform|opentofu)-[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
		echo "error: '$cli' is not <terraform|opentofu>-<version>, e.g. terraform-1.16.4" >&2
		exit 2
	fi
done
if [[ ${1:-} == --list ]]; then
	printf '%s\n' "${clis[@]}"
	exit 0
fi
read -ra packages <<<"${MATRIX_PACKAGES:-./...}"
read -ra testargs <<<"${TESTARGS:-}"

logs="$(mktemp -d "${TMPDIR:-/tmp}/mesibo-matrix.XXXXXX")"
trap 'rm -rf "$logs"' EXIT

declare -A path result seconds failed
echo "==> building or finding the CLIs: ${clis[*]}"
for cli in "${clis[@]}"; do
	if path[$cli]="$(scripts/build-cli.sh "${cli%%-*}" "${cli#*-}")"; then
		echo "    $cli: ${path[$cli]}"
	else
		path[$cli]=""
		result[$cli]="FAIL (build)"
		seconds[$cli]=0
		failed[$cli]=""
	fi
done

for cli in "${clis[@]}"; do
	[[ -n "${path[$cli]}" ]] || continue
	echo
	echo "==> acceptance tests on $cli"
	env=(TF_ACC=1 "TF_ACC_TERRAFORM_PATH=${path[$cli]}")
	case $cli in
	opentofu-*) env+=(TF_ACC_PROVIDER_HOST=registry.opentofu.org) ;;
	*) env+=(TF_ACC_PROVIDER_HOST=registry.terraform.io) ;;
	esac
	start=$SECONDS
	status=0
	env "${env[@]}" go test "${packages[@]}" -count=1 -timeout 30m ${testargs[@]+"${testargs[@]}"} 2>&1 |
		tee "$logs/$cli.log" || status=$?
	seconds[$cli]=$((SECONDS - start))
	# Top-level tests only: a failed subtest fails its parent too.
	failed[$cli]="$(sed -n 's/^--- FAIL: \([^ ]*\).*/\1/p' "$logs/$cli.log" | sort -u | paste -sd ' ' -)"
	if ((status == 0)); then
		result[$cli]=pass
	else
		result[$cli]=FAIL
	fi
done

echo
printf '%-20s %-13s %8s  %s\n' "CLI" "result" "seconds" "failed tests"
status=0
for cli in "${clis[@]}"; do
	printf '%-20s %-13s %8s  %s\n' "$cli" "${result[$cli]}" "${seconds[$cli]}" "${failed[$cli]}"
	[[ ${result[$cli]} == pass ]] || status=1
done
exit "$status"

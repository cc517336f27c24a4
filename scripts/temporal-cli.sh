#!/usr/bin/env bash
# Resolve the Temporal CLI (which contains the dev server) and print its path on stdout.
# Order: $TEMPORAL_CLI, `temporal` on PATH, the cached build, else build it with Go once.
# The cache lives outside the clone so fresh CI clones on the same machine reuse it.
# The SDK's own binary download needs the internet, which this project cannot assume.
set -euo pipefail

version=v1.5.1 # the last tag without `replace` directives, so `go install` works
cache_dir="${HOME}/.cache/flagops/temporal-cli-${version}"
cached="${cache_dir}/temporal"

if [[ -n "${TEMPORAL_CLI:-}" ]]; then
  if [[ -x "${TEMPORAL_CLI}" ]]; then echo "${TEMPORAL_CLI}"; exit 0; fi
  echo "TEMPORAL_CLI=${TEMPORAL_CLI} is not an executable file" >&2
  exit 1
fi
if on_path=$(command -v temporal 2>/dev/null); then echo "${on_path}"; exit 0; fi
if [[ -x "${cached}" ]]; then echo "${cached}"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
The Temporal CLI was not found and Go is not installed to build it.
Install it one of these ways, then run the tests again:
  - set TEMPORAL_CLI to an existing temporal binary, or put \`temporal\` on PATH;
  - install Go and let this script run: go install github.com/temporalio/cli/cmd/temporal@${version}
MSG
  exit 1
fi

echo "Building the Temporal CLI ${version} with Go into ${cache_dir} (once per machine; several minutes)…" >&2
mkdir -p "${cache_dir}"
started=$(date +%s)
# Build into a temporary directory and move it into place, so an interrupted build leaves no half binary.
tmp_bin=$(mktemp -d "${cache_dir}/build.XXXXXX")
if ! GOBIN="${tmp_bin}" go install "github.com/temporalio/cli/cmd/temporal@${version}" >&2; then
  rm -rf "${tmp_bin}"
  echo "go install failed. Check the module proxy settings: go env GOPROXY GOSUMDB GOFLAGS" >&2
  exit 1
fi
mv -f "${tmp_bin}/temporal" "${cached}"
rm -rf "${tmp_bin}"
echo "Built the Temporal CLI in $(( $(date +%s) - started )) s" >&2
echo "${cached}"

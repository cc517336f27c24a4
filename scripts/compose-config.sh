#!/usr/bin/env bash
# Print the path of `compose-config` (scripts/compose-config/: the Compose file loader docker compose
# v2 is built on, compose-go), building it with Go once per machine into a cache outside the clone.
# docker compose itself cannot be `go install`ed (its go.mod has exclude directives) and this
# machine has no Docker engine; compose-go validates and resolves the file just the same.
set -euo pipefail
cd "$(dirname "$0")/compose-config"
key=$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)
cache_dir="${HOME}/.cache/flagops/compose-config-${key}"
if [[ -x "${cache_dir}/compose-config" ]]; then echo "${cache_dir}/compose-config"; exit 0; fi
echo "Building compose-config (compose-go) into ${cache_dir}…" >&2
mkdir -p "${cache_dir}"
tmp_bin=$(mktemp -d "${cache_dir}/build.XXXXXX")
GOFLAGS=-mod=mod go build -o "${tmp_bin}/compose-config" . >&2
mv "${tmp_bin}/compose-config" "${cache_dir}/compose-config"
rmdir "${tmp_bin}"
echo "${cache_dir}/compose-config"

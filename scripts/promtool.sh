#!/usr/bin/env bash
# Make sure `promtool` (Prometheus's rule checker) is installed and print its path on stdout.
# It comes from Debian's `prometheus` package, installed as root when missing (where systemd runs,
# the package also enables its server; the tests only need the tool). With $PROMTOOL set, that
# binary is used as it is. Idempotent.
set -euo pipefail

if [[ -n "${PROMTOOL:-}" ]]; then
  echo "${PROMTOOL}"
  exit 0
fi
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
if ! command -v promtool >/dev/null 2>&1; then
  echo "Installing promtool from Debian's prometheus package…" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends prometheus >&2
fi
command -v promtool

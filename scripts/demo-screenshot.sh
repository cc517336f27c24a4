#!/usr/bin/env bash
# Screenshot the demo run's history in the Temporal UI (every activity and timer with its
# sentence), to check what an operator auditing a rollback sees. Runs `flagops demo --keep-running`,
# opens the run's history page in headless Chromium (Debian's package, installed if missing, as
# root), writes the PNG, and stops the demo. The PNG is not committed: it is a binary.
#   bash scripts/demo-screenshot.sh [/tmp/flagops-demo-history.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/flagops-demo-history.png}

if ! command -v chromium >/dev/null 2>&1; then
  as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
  echo "Installing Chromium from Debian's packages…" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >&2
fi

story=$(mktemp)
node bin/flagops.mjs demo --keep-running --approval-pause 0s --no-color >"${story}" 2>&1 &
demo=$!
trap 'kill -INT "${demo}" 2>/dev/null || true; wait "${demo}" 2>/dev/null || true; rm -f "${story}"' EXIT

for _ in $(seq 1 600); do
  if grep -q 'The stack stays up' "${story}"; then break; fi
  if ! kill -0 "${demo}" 2>/dev/null; then cat "${story}" >&2; echo "the demo ended before its stack was up" >&2; exit 1; fi
  sleep 0.25
done
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/namespaces/default/workflows/[^ ]*/history' "${story}" | head -n 1)
[[ -n "${url}" ]] || { cat "${story}" >&2; echo "no Temporal UI link in the demo's output" >&2; exit 1; }

# --no-sandbox: Chromium's sandbox cannot start as root; the page is our own local UI.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,2200 \
  --virtual-time-budget=15000 --screenshot="${out}" "${url}" >/dev/null 2>&1
echo "${out}"

#!/usr/bin/env bash
# Provision what the tests need on this machine: the Temporal CLI (dev server), PostgreSQL, and
# promtool (checks the alert rules). Each step is idempotent and instant once done. The test harness starts the servers itself.
set -euo pipefail
cd "$(dirname "$0")/.."
temporal_cli=$(bash scripts/temporal-cli.sh)
"${temporal_cli}" --version >&2
database_url=$(bash scripts/postgres.sh)
psql "${database_url}" -Atqc 'select version()' >&2
promtool=$(bash scripts/promtool.sh)
"${promtool}" --version 2>&1 | head -1 >&2

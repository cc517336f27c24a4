#!/usr/bin/env bash
# Provision what the tests need on this machine: the Temporal CLI (dev server), PostgreSQL,
# promtool (checks the alert rules) and compose-config (validates docker-compose.yml). Each step is
# idempotent and instant once done. The test harness starts the servers itself.
set -euo pipefail
cd "$(dirname "$0")/.."
temporal_cli=$(bash scripts/temporal-cli.sh)
"${temporal_cli}" --version >&2
database_url=$(bash scripts/postgres.sh)
psql "${database_url}" -Atqc 'select version()' >&2
promtool=$(bash scripts/promtool.sh)
"${promtool}" --version 2>&1 | sed -n 1p >&2
compose_config=$(bash scripts/compose-config.sh)
echo "compose-config at ${compose_config}" >&2

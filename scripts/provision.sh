#!/usr/bin/env bash
# Provision what the tests need on this machine: the Temporal CLI (dev server) and PostgreSQL.
# Both steps are idempotent and instant once done. The test harness starts the servers itself.
set -euo pipefail
cd "$(dirname "$0")/.."
temporal_cli=$(bash scripts/temporal-cli.sh)
"${temporal_cli}" --version >&2
database_url=$(bash scripts/postgres.sh)
psql "${database_url}" -Atqc 'select version()' >&2

#!/usr/bin/env bash
# Make sure a PostgreSQL server is reachable for the tests and print its admin URL on stdout.
# With $TEST_DATABASE_URL set, use that server as it is. Otherwise use Debian's PostgreSQL:
# install it if missing (as root), start its cluster, and create the `flagops` role the tests use.
# Idempotent: a second run only checks.
set -euo pipefail

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  if ! psql "${TEST_DATABASE_URL}" -Atqc 'select 1' >/dev/null; then
    echo "TEST_DATABASE_URL is set but the server does not answer" >&2
    exit 1
  fi
  echo "${TEST_DATABASE_URL}"
  exit 0
fi

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian's packages…" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
fi

# The cluster meant: $FLAGOPS_PG_CLUSTER (e.g. `15/main`, or just `main`), else Debian's default
# `main` — never merely the first one `pg_lsclusters` happens to list. Created when missing.
wanted=${FLAGOPS_PG_CLUSTER:-main}
wanted_name=${wanted##*/}
wanted_version=$([[ "${wanted}" == */* ]] && echo "${wanted%%/*}" || true)
find_cluster() {
  pg_lsclusters --no-header | awk -v name="${wanted_name}" -v version="${wanted_version}" '$2 == name && (version == "" || $1 == version) { print; exit }'
}
read -r pg_version pg_cluster pg_port pg_status _ < <(find_cluster) || true
if [[ -z "${pg_version:-}" ]]; then
  pg_version=${wanted_version:-$(ls /usr/lib/postgresql | sort -V | tail -n 1)}
  as_root pg_createcluster "${pg_version}" "${wanted_name}" >&2
  read -r pg_version pg_cluster pg_port pg_status _ < <(find_cluster)
fi
if [[ "${pg_status}" != online* ]]; then
  as_root pg_ctlcluster "${pg_version}" "${pg_cluster}" start >&2
fi
for _ in $(seq 1 50); do
  if pg_isready -q -h 127.0.0.1 -p "${pg_port}"; then break; fi
  sleep 0.2
done

as_postgres() { if [[ $(id -u) -eq 0 ]]; then su postgres -c "$*"; else sudo -n -u postgres sh -c "$*"; fi; }
# CREATEROLE: the cohort tests create a read-only role, as the README tells operators to.
as_postgres "psql -p ${pg_port} -Atqc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flagops') THEN CREATE ROLE flagops LOGIN PASSWORD 'flagops' CREATEDB CREATEROLE; ELSE ALTER ROLE flagops CREATEROLE; END IF; END \\\$\\\$\"" >&2
if [[ -z $(as_postgres "psql -p ${pg_port} -Atqc \"SELECT 1 FROM pg_database WHERE datname = 'flagops'\"") ]]; then
  as_postgres "createdb -p ${pg_port} -O flagops flagops" >&2
fi
echo "postgres://flagops:flagops@127.0.0.1:${pg_port}/flagops"

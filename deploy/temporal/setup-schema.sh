#!/bin/sh
# Creates Temporal's two PostgreSQL databases (persistence and visibility) if missing and brings
# their schemas to the version of the temporal-sql-tool that runs it, from the schemas compiled
# into that tool (--schema-name): the tool and the server must be the same release (1.29.1).
# Safe to run on every deployment: an existing database is kept, a schema at its version is left
# alone. Run by docker compose (temporalio/admin-tools image) and by platform/temporal-postgres.ts.
#
# Environment: POSTGRES_SEEDS (host), DB_PORT, POSTGRES_USER, POSTGRES_PWD, DBNAME (temporal),
# VISIBILITY_DBNAME (temporal_visibility), TEMPORAL_SQL_TOOL (temporal-sql-tool on PATH).
set -eu

tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
export SQL_PLUGIN=postgres12
export SQL_HOST="${POSTGRES_SEEDS:-127.0.0.1}"
export SQL_PORT="${DB_PORT:-5432}"
export SQL_USER="${POSTGRES_USER:?POSTGRES_USER is required}"
export SQL_PASSWORD="${POSTGRES_PWD:?POSTGRES_PWD is required}"

prepare() { # database, embedded schema name
  if ! out=$("$tool" --db "$1" create-database 2>&1); then
    case "$out" in
      *"already exists"*) ;;
      *) printf '%s\n' "$out" >&2; exit 1 ;;
    esac
  fi
  # Version tables and version 0.0 on a new database; a no-op on one already past 0.0.
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema --schema-name "$2"
  echo "temporal schema: $1 ($2) up to date"
}

prepare "${DBNAME:-temporal}" postgresql/v12/temporal
prepare "${VISIBILITY_DBNAME:-temporal_visibility}" postgresql/v12/visibility

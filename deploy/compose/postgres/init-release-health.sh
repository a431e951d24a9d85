#!/bin/bash
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d):
#  - database release_health owned by role release_health (the gate's store; migrations run at start);
#  - role odoo_readonly for the odoo-exporter: read-only on every database (pg_read_all_data,
#    PostgreSQL 14+), with a statement timeout so an exporter query can never hold Odoo up.
# Passwords come from the environment (docker-compose.yml, from .env); none is written here.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v rh_password="$RELEASE_HEALTH_DB_PASSWORD" -v ro_password="$ODOO_READONLY_PASSWORD" <<'SQL'
CREATE ROLE release_health LOGIN PASSWORD :'rh_password';
CREATE DATABASE release_health OWNER release_health;
CREATE ROLE odoo_readonly LOGIN PASSWORD :'ro_password';
GRANT pg_read_all_data TO odoo_readonly;
GRANT pg_monitor TO odoo_readonly;
ALTER ROLE odoo_readonly SET statement_timeout = '5s';
ALTER ROLE odoo_readonly SET default_transaction_read_only = on;
SQL

# SPDX-License-Identifier: BSD-3-Clause
# pgtemp.sh: a throwaway PostgreSQL 15 for the cluster benchmarks, sourced
# by scripts/bench-cluster.sh and scripts/bench.sh --cluster (the shell
# twin of tests/functional/pgtest.py): initdb as an unprivileged user
# (`nobody` when run as root: initdb refuses root), Unix socket in the
# directory only, no TCP.
#
#   . scripts/pgtemp.sh
#   pg_temp_start DIR [FSYNC]   # DIR: an empty directory; FSYNC on|off (on)
#   echo "$PG_TEMP_DSN"         # host=DIR dbname=postgres user=xbgw
#   pg_temp_psql -c "SELECT 1"
#   pg_temp_stop DIR
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_temp_available() {
	[ -x "$PG_BIN/initdb" ] && command -v psql >/dev/null
}

# Run a command as the server's user.
pg_temp_as() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid nobody --regid nogroup --clear-groups "$@"
	else
		"$@"
	fi
}

pg_temp_start() {
	PG_TEMP_DIR=$1
	if ! pg_temp_available; then
		echo "pgtemp: PostgreSQL 15 not installed (scripts/install-deps.sh installs postgresql-15)" >&2
		return 1
	fi
	chmod 755 "$PG_TEMP_DIR"
	[ "$(id -u)" -eq 0 ] && chown nobody "$PG_TEMP_DIR"
	(cd "$PG_TEMP_DIR" && pg_temp_as "$PG_BIN/initdb" -D "$PG_TEMP_DIR/data" -A trust \
		-U xbgw >/dev/null) || return 1
	(cd "$PG_TEMP_DIR" && pg_temp_as "$PG_BIN/pg_ctl" -D "$PG_TEMP_DIR/data" \
		-l "$PG_TEMP_DIR/log" -w -o "-c listen_addresses='' -k $PG_TEMP_DIR \
		-c max_connections=20 -c fsync=${2:-on}" start >/dev/null) || return 1
	PG_TEMP_DSN="host=$PG_TEMP_DIR dbname=postgres user=xbgw"
}

pg_temp_psql() {
	psql -h "$PG_TEMP_DIR" -U xbgw -d postgres -q -v ON_ERROR_STOP=1 "$@"
}

pg_temp_stop() {
	(cd "$1" && pg_temp_as "$PG_BIN/pg_ctl" -D "$1/data" -m immediate -w stop \
		>/dev/null 2>&1) || true
}

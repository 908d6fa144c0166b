#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench-cluster.sh [SECONDS]: grant and ledger round trips per second that
# one PostgreSQL 15 sustains for 3 gateways x 1,000 tenants, measured with
# pgbench (libpq, one connection per gateway, as xbgw's cluster thread)
# calling the very SQL functions of config/cluster.sql that xbgw calls:
#   grant:  SELECT xb_grant(gateway, epoch, seq, tenant, month, quota, ask, f)
#   checkpoint: SELECT xb_ledger_ship(gateway, seq, months[], tenants[],
#           ...)  (one checkpoint of 1,000 usage records, one per tenant, in
#           one statement: what xbgw sends once per checkpoint)
#   ledger row: SELECT xb_ledger_put(...)  (one record; the old way, one
#           round trip per record, for comparison)
# The server runs in a temp dir (Unix socket only, fsync on: a real
# commit per round trip), as an unprivileged user when run as root.
set -eu
SECS=${1:-10}
BIN=/usr/lib/postgresql/15/bin
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/pgtemp.sh"
T=$(mktemp -d /tmp/xbgw-bench-cluster-XXXXXX)
cleanup() {
	pg_temp_stop "$T"
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
cd "$T"
pg_temp_start "$T" on
PSQL=pg_temp_psql
$PSQL -1 -f "$ROOT/config/cluster.sql" >/dev/null
for g in 1 2 3; do $PSQL -c "SELECT xb_gateway_start('gw$g', '', 1)" >/dev/null; done
cat >"$T/grant.sql" <<'SQL'
\set t random(1, 1000)
\set s random(1, 4000000000000000)
SELECT * FROM xb_grant('gw' || :client_id + 1, 1, :s, 'tenant' || :t, 202701, 1000000000000, 1000000, false);
SQL
# 1,000 tenants' records as the parallel arrays xbgw sends; seq from the
# server's clock (monotone per gateway, so every row really changes).
python3 - "$T/checkpoint.sql" <<'PY'
import sys
n = 1000
arr = lambda xs: "'{%s}'" % ",".join(xs)
txt = lambda xs: arr('"%s"' % x for x in xs)
with open(sys.argv[1], "w") as f:
    f.write("\\set b random(1, 4000000000000)\n")
    f.write("SELECT xb_ledger_ship('gw' || :client_id + 1, "
            "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint, "
            "%s::integer[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::bigint[], %s::text[], %s::bigint[], %s::bigint[]);\n" % (
                arr(["202701"] * n), txt("tenant%d" % t for t in range(1, n + 1)),
                txt(["SG"] * n), txt(["web"] * n), txt(["peak"] * n),
                arr(["1000000"] * n), txt(["USD"] * n),
                arr(str(1000 + t) for t in range(n)), arr(str(1514000 + t) for t in range(n))))
PY
cat >"$T/ledger.sql" <<'SQL'
\set t random(1, 1000)
\set b random(1, 4000000000000)
SELECT xb_ledger_put('gw' || :client_id + 1, :b, 202701, 'tenant' || :t, 'SG', 'web', 'peak', 1000000, 'USD', :b / 1000, :b);
SQL
echo "3 gateways (connections) x 1,000 tenants, $SECS s each, one PostgreSQL 15 (fsync on)"
for w in grant checkpoint ledger; do
	tps=$(cd "$T" && $BIN/pgbench -h "$T" -U xbgw -n -c 3 -j 3 -T "$SECS" \
		-f "$T/$w.sql" postgres 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p')
	case $w in
	checkpoint) echo "checkpoint round trips/s (1,000 rows each, one statement): $tps" ;;
	ledger) echo "ledger row round trips/s (one row each, the old way): $tps" ;;
	*) echo "$w round trips/s: $tps" ;;
	esac
done

#!/usr/bin/env bash
# A private PostgreSQL 15 + PostGIS cluster for the tests, in a temporary folder, reachable only
# through its Unix socket there (no TCP), trust authentication, fsync off.
#   bash tests/pg/cluster.sh start   prints the connection (libpq keywords) on stdout
#   bash tests/pg/cluster.sh stop DIR
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/cleanheat-pg.XXXXXX)
    run=()
    if [ "$(id -u)" -eq 0 ]; then  # the server refuses to run as root: it runs as postgres
      chown postgres: "$dir"
      run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$dir/data" -U cleanheat_admin -A trust -E UTF8 --locale C --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses= -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=$dir port=5432 user=cleanheat_admin dbname=postgres"
    ;;
  stop)
    dir=${2:?usage: cluster.sh stop DIR}
    run=()
    [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: cluster.sh start | stop DIR" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throw-away PgBouncer in transaction pooling mode in front of this machine's PostgreSQL,
# for the test suite and CI (docs/high-availability.md). Not a production configuration.
#
#   scripts/pgbouncer.sh start DIR [PORT]   # config, log and pid in DIR; prints the port
#   scripts/pgbouncer.sh stop DIR
#
# Any database name goes through (`* =` wildcard), so the test databases Django creates
# (test_<name>) are pooled like the site's. Authentication: trust, as the local PostgreSQL
# of CI (PGBOUNCER_UPSTREAM_HOST/PORT: where PostgreSQL listens, default 127.0.0.1:5432).
# PgBouncer refuses to run as root: as root it drops to the `postgres` user (-u).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
binary=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

case "$cmd" in
start)
  port=${3:-6432}
  mkdir -p "$dir"
  user=${PGBOUNCER_USER:-postgres}
  cat >"$dir/userlist.txt" <<EOF
"$user" ""
EOF
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=${PGBOUNCER_UPSTREAM_HOST:-127.0.0.1} port=${PGBOUNCER_UPSTREAM_PORT:-5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = $user
pool_mode = transaction
; Server connections per (database, user): the suite's concurrency tests run up to ~30
; transactions at once; PostgreSQL allows 100 in all on this machine.
default_pool_size = ${PGBOUNCER_POOL_SIZE:-40}
max_client_conn = 2000
; A freed server connection is closed after a minute idle, so that a test database can be
; dropped soon after its run (tests/conftest.py also ends its sessions before the DROP).
server_idle_timeout = 60
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  run_as=()
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$dir"
    run_as=(-u postgres)
  fi
  "$binary" -d "${run_as[@]}" "$dir/pgbouncer.ini"
  for _ in $(seq 50); do
    if pg_isready -q -h 127.0.0.1 -p "$port" -d postgres; then
      echo "$port"
      exit 0
    fi
    sleep 0.1
  done
  echo "pgbouncer did not start on port $port:" >&2
  cat "$dir/pgbouncer.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -f "$dir/pgbouncer.pid" ]; then
    pid=$(cat "$dir/pgbouncer.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/pgbouncer.pid"
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR [PORT]" >&2
  exit 2
  ;;
esac

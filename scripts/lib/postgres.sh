# A throwaway PostgreSQL for the fleet scripts: initdb in a temporary directory, pg_ctl on a
# loopback port, removed by pg_stop. Source this file, then:
#   pg_start DIR      starts a cluster in DIR/pg (trust auth, loopback only); sets PG_PORT, PG_USER, DATABASE_URL
#   pg_psql SQL...    runs psql against it
#   pg_stop           stops it (fast shutdown)
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -x "$dir/initdb" ]] || { echo "PostgreSQL is not installed: run scripts/setup" >&2; return 1; }
  echo "$dir"
}

pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_start() {
  local base=$1 bin
  bin=$(pg_bin) || return 1
  PG_DIR="$base/pg"
  mkdir -p "$PG_DIR"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_DIR"; chmod 700 "$PG_DIR"; fi
  PG_USER=$( [[ $(id -u) -eq 0 ]] && echo postgres || id -un )
  PG_PORT=${PG_PORT:-$(pg_free_port)}
  pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
    || { cat "$base/initdb.log" >&2; return 1; }
  pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=on -c max_connections=200" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" fleet
  DATABASE_URL="postgres://$PG_USER@127.0.0.1:$PG_PORT/fleet?sslmode=disable"
  export PG_PORT PG_USER PG_DIR DATABASE_URL
}

pg_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d fleet "$@"
}

pg_stop() {
  [[ -n "${PG_DIR:-}" && -d "$PG_DIR/data" ]] || return 0
  pg_as_owner "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}

#!/usr/bin/env bash
# A throwaway PostgreSQL cluster, for tests and benchmarks.
#
#   scripts/postgres.sh start DIR [PORT]   fresh cluster in DIR on 127.0.0.1:PORT (default 5433);
#                                          prints LIGHTD_TEST_POSTGRES_URL=… on stdout
#   scripts/postgres.sh stop DIR           stops the server started from DIR and removes DIR
#   POSTGRES_OWNER_PID=PID … start …       also stop the cluster by itself once PID exits
#   POSTGRES_DURABLE=1 … start …           keep fsync and synchronous commits on (benchmarks that
#                                          compare with SQLite's durable commits)
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user that
# Debian's package creates. fsync is off and the data lives in DIR: nothing here is meant to
# survive a crash. Needs the Debian package postgresql (its binaries, not its service).
# Progress goes to stderr and the server's log to DIR/log, so `eval "$(… start …)"` works.
set -euo pipefail

START_TIMEOUT="${POSTGRES_START_TIMEOUT:-60}"
TEST_USER=lightd
TEST_PASSWORD=lightd-test-password

log() { echo "postgres: $*" >&2; }
die() {
  log "error: $*"
  [[ -n "${DIR:-}" && -f "${DIR}/log/server.log" ]] && tail -n 20 "${DIR}/log/server.log" >&2 || true
  exit 1
}
now_ms() { date +%s%3N; }

# Debian keeps the server binaries out of PATH, under one directory per major version.
bindir() {
  local dir
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    pg_config --bindir
    return
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "${dir}" && -x "${dir}/initdb" ]] || die "initdb not found (apt-get install postgresql)"
  echo "${dir}"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  [[ -n "${DIR}" ]] || die "usage: $0 start DIR [PORT]"
  local bin t0
  bin=$(bindir)
  if [[ -e "${DIR}/pgdata" ]]; then
    log "stopping the cluster left in ${DIR}"
    stop_watcher
    stop_cluster
  fi
  port_in_use "${PORT}" && die "port ${PORT} is already in use on 127.0.0.1"
  t0=$(now_ms)
  mkdir -p "${DIR}"/{log,run}
  if ((EUID == 0)); then
    chown -R postgres: "${DIR}"
    runuser -u postgres -- test -x "${DIR}" || die "the postgres user cannot reach ${DIR} (pick a DIR under /tmp)"
  fi
  printf '%s\n' "${TEST_PASSWORD}" >"${DIR}/run/pwfile"
  if ((EUID == 0)); then chown postgres: "${DIR}/run/pwfile"; fi
  as_owner "${bin}/initdb" -D "${DIR}/pgdata" -U "${TEST_USER}" --pwfile="${DIR}/run/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
    >>"${DIR}/log/initdb.out" 2>&1 || die "initdb failed: $(tail -n 5 "${DIR}/log/initdb.out")"
  # Enough connections for several instances' pools; no durability work (the cluster is thrown
  # away) unless a benchmark asks for Postgres's defaults.
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [[ "${POSTGRES_DURABLE:-}" == 1 ]] && durability=""
  as_owner "${bin}/pg_ctl" -D "${DIR}/pgdata" -l "${DIR}/log/server.log" -w -t "${START_TIMEOUT}" \
    -o "-h 127.0.0.1 -p ${PORT} -k ${DIR}/run -c max_connections=300 ${durability}" \
    start >>"${DIR}/log/pg_ctl.out" 2>&1 || die "pg_ctl start failed"
  local deadline=$((t0 + START_TIMEOUT * 1000))
  until "${bin}/pg_isready" -q -h 127.0.0.1 -p "${PORT}"; do
    (($(now_ms) < deadline)) || die "timed out waiting for pg_isready"
    sleep 0.05
  done
  log "ready on 127.0.0.1:${PORT} in $(($(now_ms) - t0)) ms"

  # Optional: tie the cluster's life to a process (a test runner that cannot run exit hooks).
  if [[ -n "${POSTGRES_OWNER_PID:-}" ]]; then
    (
      while alive "${POSTGRES_OWNER_PID}"; do sleep 0.5; done
      stop_cluster
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"${DIR}/run/watcher.pid"
  fi

  echo "LIGHTD_TEST_POSTGRES_URL=postgres://${TEST_USER}:${TEST_PASSWORD}@127.0.0.1:${PORT}/postgres"
}

# True while the process runs (a zombie waiting for its reaper counts as gone).
alive() { [[ -r "/proc/$1/stat" ]] && [[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != "Z" ]]; }

# Stops only the server whose data directory is DIR: fast shutdown, then an immediate one.
stop_cluster() {
  local bin
  bin=$(bindir)
  if [[ -e "${DIR}/pgdata/postmaster.pid" ]]; then
    as_owner "${bin}/pg_ctl" -D "${DIR}/pgdata" -m fast -w -t 10 stop >/dev/null 2>&1 ||
      as_owner "${bin}/pg_ctl" -D "${DIR}/pgdata" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  fi
  rm -rf "${DIR}"
}

stop_watcher() {
  local pid
  [[ -e "${DIR}/run/watcher.pid" ]] || return 0
  pid=$(cat "${DIR}/run/watcher.pid")
  if alive "${pid}"; then kill -TERM "${pid}" 2>/dev/null || true; fi
}

MODE="${1:-}"
DIR="${2:-}"
PORT="${3:-5433}"
case "${MODE}" in
start) start ;;
stop)
  [[ -n "${DIR}" ]] || die "usage: $0 stop DIR"
  stop_watcher
  stop_cluster
  log "stopped, ${DIR} removed"
  ;;
*)
  echo "usage: $0 start DIR [PORT] | $0 stop DIR" >&2
  exit 2
  ;;
esac

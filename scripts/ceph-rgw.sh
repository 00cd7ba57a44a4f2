#!/usr/bin/env bash
# A throwaway one-node Ceph cluster with an S3 gateway (RGW), for tests and benchmarks.
#
#   scripts/ceph-rgw.sh start DIR [PORT]   fresh cluster in DIR, RGW on 127.0.0.1:PORT (default 7480);
#                                          prints S3_ENDPOINT=… S3_ACCESS_KEY=… S3_SECRET_KEY=… on stdout
#   scripts/ceph-rgw.sh stop DIR           kills the daemons started from DIR and removes DIR
#   CEPH_RGW_OWNER_PID=PID … start …       also stop the cluster by itself once PID exits
#
# One monitor, one OSD on memstore (bytes live in RAM, so the cluster never survives a
# restart: every start begins from an empty DIR) and radosgw's beast frontend. Debian's
# Ceph 16 has no SQLite "dbstore" RGW backend, hence the mon + OSD. Everything binds to
# 127.0.0.1. Needs the Debian packages radosgw ceph-mon ceph-osd ceph-common.
# Progress goes to stderr and the daemons' logs to DIR/log, so `eval "$(… start …)"` works.
set -euo pipefail

ACCESS_KEY="${CEPH_RGW_ACCESS_KEY:-LIGHTDTESTACCESSKEY0}"
SECRET_KEY="${CEPH_RGW_SECRET_KEY:-lightdTestSecretKey0000000000000000000000}"
# memstore refuses writes beyond this; RAM is only used as bytes arrive (the 1 GiB bench fits).
MEMSTORE_BYTES="${CEPH_RGW_MEMSTORE_BYTES:-$((6 * 1024 * 1024 * 1024))}"
START_TIMEOUT="${CEPH_RGW_START_TIMEOUT:-60}"

log() { echo "ceph-rgw: $*" >&2; }
die() {
  log "error: $*"
  [[ -n "${DIR:-}" && -d "${DIR}/log" ]] && tail -n 20 "${DIR}"/log/*.log >&2 2>/dev/null || true
  exit 1
}
now_ms() { date +%s%3N; }

# A free TCP port on 127.0.0.1 (the kernel picks one; python3 comes with ceph-common).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Polls a command until it succeeds or the start deadline passes (never a fixed sleep).
wait_for() {
  local what="$1"
  shift
  while ! "$@" >/dev/null 2>&1; do
    (($(now_ms) < DEADLINE)) || die "timed out waiting for ${what}"
    sleep 0.05
  done
}

ceph_cli() { timeout 20 ceph -c "${DIR}/ceph.conf" --connect-timeout 15 "$@"; }

osd_is_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

rgw_answers() { [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT}/")" == "200" ]]; }

spawn() {
  local name="$1"
  shift
  "$@" </dev/null >>"${DIR}/log/${name}.out" 2>&1 &
  echo $! >"${DIR}/run/${name}.pid"
}

write_conf() {
  local fsid="$1" mon_port="$2"
  cat >"${DIR}/ceph.conf" <<EOF
[global]
fsid = ${fsid}
mon_host = v2:127.0.0.1:${mon_port}
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_ipv6 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# With auth none every messenger mode must be crc, or radosgw loops on auth error -13.
ms_mon_client_mode = crc
ms_client_mode = crc
ms_mon_cluster_mode = crc
ms_cluster_mode = crc
ms_service_mode = crc
ms_mon_service_mode = crc
run_dir = ${DIR}/run
admin_socket = ${DIR}/run/\$name.asok
log_file = ${DIR}/log/\$name.log
crash_dir = ${DIR}/crash
keyring = ${DIR}/keyring
mon_cluster_log_file = ${DIR}/log/cluster.log
mon_data = ${DIR}/mon
osd_data = ${DIR}/osd
rgw_data = ${DIR}/rgw
# One OSD: pools of size 1, placement across OSDs rather than hosts.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
# Paxos rounds every 0.1 s instead of 1 s: start-up ~2 s instead of ~12 s.
paxos_propose_interval = 0.1
paxos_min_wait = 0.01
osd_objectstore = memstore
memstore_device_bytes = ${MEMSTORE_BYTES}
osd_heartbeat_grace = 60
mon_osd_down_out_interval = 0

[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:${PORT}
rgw_thread_pool_size = 128
rgw_enable_usage_log = false
# Deleted objects' bytes are freed by RGW's garbage collector, by default hours later;
# memstore keeps them in RAM until then, so collect every couple of seconds.
rgw_gc_obj_min_wait = 2
rgw_gc_processor_period = 2
rgw_gc_processor_max_time = 10
EOF
}

start() {
  [[ -n "${DIR}" ]] || die "usage: $0 start DIR [PORT]"
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool curl python3; do
    command -v "${tool}" >/dev/null || die "${tool} not found (apt-get install radosgw ceph-mon ceph-osd ceph-common curl)"
  done
  if [[ -e "${DIR}/run" ]]; then
    log "stopping the cluster left in ${DIR}"
    stop_watcher
    stop_cluster
  fi
  port_in_use "${PORT}" && die "port ${PORT} is already in use on 127.0.0.1"
  local t0 mon_port fsid osd_uuid
  t0=$(now_ms)
  DEADLINE=$((t0 + START_TIMEOUT * 1000))
  mkdir -p "${DIR}"/{mon,osd,rgw,run,log,crash}
  mon_port=$(free_port)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "${fsid}" "${mon_port}"

  # Monitor.
  ceph-authtool --create-keyring "${DIR}/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "${fsid}" --addv a "[v2:127.0.0.1:${mon_port}]" "${DIR}/monmap" >/dev/null
  ceph-mon -c "${DIR}/ceph.conf" --mkfs -i a --monmap "${DIR}/monmap" --keyring "${DIR}/keyring" \
    >>"${DIR}/log/mkfs.out" 2>&1 || die "ceph-mon --mkfs failed"
  spawn mon ceph-mon -c "${DIR}/ceph.conf" -f -i a

  # OSD on memstore (`osd new` waits for the monitor to answer).
  local id
  id=$(ceph_cli osd new "${osd_uuid}") || die "ceph osd new failed"
  [[ "${id}" == "0" ]] || die "expected osd id 0, got '${id}'"
  ceph-osd -c "${DIR}/ceph.conf" -i 0 --mkfs --osd-uuid "${osd_uuid}" \
    >>"${DIR}/log/mkfs.out" 2>&1 || die "ceph-osd --mkfs failed"
  spawn osd ceph-osd -c "${DIR}/ceph.conf" -f -i 0
  wait_for "osd.0 up" osd_is_up
  log "mon + osd up in $(($(now_ms) - t0)) ms"

  # The S3 user; radosgw-admin also creates RGW's pools, so radosgw starts on a ready zone.
  timeout 30 radosgw-admin -c "${DIR}/ceph.conf" user create --uid=lightd --display-name=lightd \
    --access-key="${ACCESS_KEY}" --secret-key="${SECRET_KEY}" >>"${DIR}/log/radosgw-admin.out" 2>&1 ||
    die "radosgw-admin user create failed"
  spawn rgw radosgw -c "${DIR}/ceph.conf" -f -n client.rgw
  wait_for "radosgw on 127.0.0.1:${PORT}" rgw_answers
  log "RGW ready on 127.0.0.1:${PORT} in $(($(now_ms) - t0)) ms"

  # Optional: tie the cluster's life to a process (a test runner that cannot run exit hooks).
  if [[ -n "${CEPH_RGW_OWNER_PID:-}" ]]; then
    (
      while alive "${CEPH_RGW_OWNER_PID}"; do sleep 0.5; done
      stop_cluster
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"${DIR}/run/watcher.pid"
  fi

  echo "S3_ENDPOINT=http://127.0.0.1:${PORT}"
  echo "S3_ACCESS_KEY=${ACCESS_KEY}"
  echo "S3_SECRET_KEY=${SECRET_KEY}"
}

# True while the process runs (a zombie waiting for its reaper counts as gone).
alive() { [[ -r "/proc/$1/stat" ]] && [[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != "Z" ]]; }

# Kills only the daemons whose pids this script recorded in DIR, clients first: radosgw
# stopped after its OSD or monitor waits for them for seconds.
stop_cluster() {
  local name pid deadline
  for name in rgw osd mon; do
    [[ -e "${DIR}/run/${name}.pid" ]] || continue
    pid=$(cat "${DIR}/run/${name}.pid")
    alive "${pid}" || continue
    kill -TERM "${pid}" 2>/dev/null || true
    deadline=$(($(now_ms) + 3000))
    while alive "${pid}" && (($(now_ms) < deadline)); do sleep 0.02; done
    if alive "${pid}"; then
      kill -KILL "${pid}" 2>/dev/null || true
      while alive "${pid}"; do sleep 0.02; done
    fi
  done
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
PORT="${3:-7480}"
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

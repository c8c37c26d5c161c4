#!/usr/bin/env bash
# Starts Debian's Barbican 15 API (barbican-api under uwsgi, no authentication, MariaDB) on
# 127.0.0.1 for side-by-side benchmarks, or stops it.
#
#   bash bench/upstream-barbican.sh start    # prints the URL on the last line
#   bash bench/upstream-barbican.sh stop     # stops the uwsgi master it started, drops its database
#
# Environment: BARBICAN_DIR (default .tmp/upstream-barbican), BARBICAN_PORT (19311),
# BARBICAN_PROCESSES (2), BARBICAN_DB_NAME (osts_bench_barbican), MYSQL_URL_HOST/MYSQL_PORT/
# MYSQL_USER (127.0.0.1, 3306, root; the user needs no password and may create databases).
# Installs the Debian packages it needs when missing.
set -euo pipefail

DIR=$(realpath -m "${BARBICAN_DIR:-.tmp/upstream-barbican}")
PORT=${BARBICAN_PORT:-19311}
PROCESSES=${BARBICAN_PROCESSES:-2}
DB_HOST=${MYSQL_URL_HOST:-127.0.0.1}
DB_PORT=${MYSQL_PORT:-3306}
DB_USER=${MYSQL_USER:-root}
DB_NAME=${BARBICAN_DB_NAME:-osts_bench_barbican}
PACKAGES=(barbican-api uwsgi-plugin-python3 python3-pymysql mariadb-client)

stop() {
  if [ -s "$DIR/uwsgi.pid" ]; then
    local pid
    pid=$(cat "$DIR/uwsgi.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$DIR/uwsgi.pid"
  fi
  if command -v mariadb >/dev/null; then
    mariadb -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -e "DROP DATABASE IF EXISTS $DB_NAME" || true
  fi
}

install_packages() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    # Debian starts services when it installs them; keep barbican from starting on its own.
    [ -e /usr/sbin/policy-rc.d ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    apt-get -o DPkg::Lock::Timeout=900 update -q
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q "${missing[@]}"
  fi
}

write_config() {
  mkdir -p "$DIR/home/.barbican" "$DIR/log"
  # simple_crypto's master key: 32 random bytes, URL-safe base64, kept between runs.
  [ -s "$DIR/kek" ] || head -c 32 /dev/urandom | base64 | tr '+/' '-_' > "$DIR/kek"
  chmod 600 "$DIR/kek"
  cat > "$DIR/barbican.conf" <<CONF
[DEFAULT]
host_href = http://127.0.0.1:$PORT
sql_connection = mysql+pymysql://$DB_USER@$DB_HOST:$DB_PORT/$DB_NAME?charset=utf8mb4
db_auto_create = False
log_file = $DIR/log/barbican.log

[queue]
enable = False

[secretstore]
enabled_secretstore_plugins = store_crypto

[crypto]
enabled_crypto_plugins = simple_crypto

[simple_crypto_plugin]
kek = $(cat "$DIR/kek")

[oslo_policy]
enforce_new_defaults = False
CONF
  # oslo.config looks in ~/.barbican/ before /etc/barbican/, so HOME selects this file.
  ln -sf "$DIR/barbican.conf" "$DIR/home/.barbican/barbican.conf"
  # Route /v1 to the unauthenticated pipeline, which takes X-Project-Id instead of a token.
  sed 's#^/v1: barbican-api-keystone$#/v1: barbican_api#' /etc/barbican/barbican-api-paste.ini \
    > "$DIR/api-paste.ini"
  cat > "$DIR/uwsgi.ini" <<INI
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$PORT
master = true
processes = $PROCESSES
threads = 1
lazy-apps = true
enable-threads = true
die-on-term = true
buffer-size = 65535
listen = 100
add-header = Connection: close
paste = config:$DIR/api-paste.ini
chdir = $DIR
pidfile = $DIR/uwsgi.pid
logto = $DIR/log/uwsgi.log
disable-logging = true
INI
}

start() {
  install_packages
  stop
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
    echo "port $PORT is already in use; set BARBICAN_PORT to a free port" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  mariadb -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" \
    -e "DROP DATABASE IF EXISTS $DB_NAME; CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4"
  write_config
  HOME="$DIR/home" barbican-manage db upgrade > "$DIR/log/db-upgrade.log" 2>&1
  HOME="$DIR/home" nohup /usr/bin/uwsgi_python3 --ini "$DIR/uwsgi.ini" > /dev/null 2>&1 &
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Project-Id: probe' \
      "http://127.0.0.1:$PORT/v1/secrets?limit=1" || true)
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  if [ "$code" != 200 ]; then
    echo "upstream Barbican did not respond on port $PORT (last status $code); see $DIR/log" >&2
    exit 1
  fi
  echo "http://127.0.0.1:$PORT"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

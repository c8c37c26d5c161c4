#!/usr/bin/env bash
# Starts PostgreSQL, MariaDB and RabbitMQ on 127.0.0.1 when they are installed but not listening.
set -uo pipefail

listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do
    listening "$port" && return 0
    sleep 1
  done
  echo "$name did not start listening on 127.0.0.1:$port" >&2
  return 1
}

if ! listening 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_for PostgreSQL 5432
fi
if ! listening 3306 && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB 3306
fi
if ! listening 5672 && command -v rabbitmq-server >/dev/null; then
  rabbitmq-server -detached
  wait_for RabbitMQ 5672
fi
exit 0

#!/usr/bin/env bash
# Installs everything the full test suite needs on a Debian 12 machine, then runs it.
# Run it as root from a clean clone: it installs Debian packages, starts PostgreSQL, MariaDB and
# RabbitMQ when they are not running, and runs lint, type checks and every suite on every database.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
mapfile -t packages < <(grep -v '^\s*#' scripts/ci-packages.txt | grep -v '^\s*$')
if [ "${#packages[@]}" -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${packages[@]}"
fi

npm ci --no-fund --no-audit
bash scripts/ensure-services.sh

npm run lint
npm run typecheck
npm test -- --all-databases

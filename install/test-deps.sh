#!/usr/bin/env bash
# Installs the real servers the test suite talks to, from Debian's packages, when they are
# missing. The tests start their own instances on free loopback ports with their own data
# directories (PostgreSQL and MariaDB too: test/helpers/db-servers.ts); the packaged daemons are
# never started by this script.
set -euo pipefail

# command → Debian package that provides it
declare -A need=(
  [mosquitto]=mosquitto
  [mosquitto_passwd]=mosquitto
  [influxd]=influxdb
  [snmpd]=snmpd
  [snmpget]=snmp
  [snmptrap]=snmp
  [storescp]=dcmtk
  [echoscu]=dcmtk
  [prometheus]=prometheus
  [promtool]=prometheus
  [openssl]=openssl
  [systemd-analyze]=systemd
  [systemctl]=systemd
  [ping]=iputils-ping
  [dcmqrscp]=dcmtk
  [prometheus-alertmanager]=prometheus-alertmanager
  [curl]=curl
  [kill]=procps
  [pgrep]=procps
  [initdb]=postgresql
  [mariadb-install-db]=mariadb-server
  [mariadbd]=mariadb-server
)

# A program on PATH or in the system directories, not a shell builtin (`kill` is one).
installed() {
  type -P "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ] || [ -x "/bin/$1" ] ||
    compgen -G "/usr/lib/postgresql/*/bin/$1" >/dev/null # PostgreSQL's server programs, by version
}

missing=()
for cmd in "${!need[@]}"; do
  installed "$cmd" || missing+=("${need[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ]; then
  echo "test-deps: missing Debian packages: $pkgs" >&2
  echo "test-deps: run as root, or: sudo apt-get install -y --no-install-recommends $pkgs" >&2
  exit 1
fi

echo "test-deps: installing $pkgs"
# Keep the packages' own daemons from starting on their standard ports during install.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $pkgs >/tmp/wardwatch-apt.log 2>&1; then
  apt-get update >/tmp/wardwatch-apt-update.log 2>&1
  apt-get install -y --no-install-recommends $pkgs >/tmp/wardwatch-apt.log 2>&1 || {
    echo "test-deps: apt-get install failed; the last lines of its log:" >&2
    tail -n 20 /tmp/wardwatch-apt.log >&2
    exit 1
  }
fi
echo "test-deps: installed $pkgs"

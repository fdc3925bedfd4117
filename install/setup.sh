#!/usr/bin/env bash
# What `npm ci` needs on a fresh Debian or Ubuntu machine besides Node and npm: the compiler,
# make and Python that node-gyp builds better-sqlite3 (the embedded store) with. Its prebuilt
# binaries come from GitHub, which a hospital network usually cannot reach, so the addon is built
# from source against the headers of the Node that runs it. Installs only what is missing, from
# the distribution's packages (as root, or through sudo); does nothing on a machine that has them.
set -euo pipefail

node_ok=$(node -e 'const [a, b] = process.versions.node.split(".").map(Number); console.log(a > 20 || (a === 20 && b >= 10) ? 1 : 0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "setup: Wardwatch needs Node 20.10 or later; found: $(node -v 2>/dev/null || echo 'no node')" >&2
  exit 1
fi

# command → Debian package that provides it
declare -A need=([python3]=python3 [make]=make [g++]=g++)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  pkgs=${missing[*]}
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: missing Debian packages: $pkgs" >&2
    echo "setup: run this script as root, or: apt-get install -y --no-install-recommends $pkgs" >&2
    exit 1
  fi
  echo "setup: installing $pkgs (to build the SQLite store)"
  log=$(mktemp /tmp/wardwatch-setup.XXXXXX)
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >"$log" 2>&1; then
    # A fresh machine often has no package lists yet.
    "${as_root[@]}" apt-get update >>"$log" 2>&1 || true
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >>"$log" 2>&1 || {
      echo "setup: apt-get install $pkgs failed; the last lines of its log ($log):" >&2
      tail -n 20 "$log" >&2
      exit 1
    }
  fi
  rm -f "$log"
fi

# node-gyp downloads Node's headers from nodejs.org unless it is told where they are. Node from
# a package (NodeSource, Debian) ships them under its prefix: point this project's npm there
# (npm 11's `npm config set` refuses node-gyp's keys, so the line is written by hand).
project=$(cd "$(dirname "$0")/.." && pwd)
nodedir=$(cd "$project" && npm config get nodedir 2>/dev/null || true)
if [ -z "$nodedir" ] || [ "$nodedir" = undefined ]; then
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  major=$(node -p 'process.versions.node.split(".")[0]')
  if grep -qs "define NODE_MAJOR_VERSION $major\$" "$prefix/include/node/node_version.h"; then
    echo "nodedir=$prefix" >>"$project/.npmrc"
    echo "setup: node-gyp will use Node's headers in $prefix/include/node (nodedir in .npmrc)"
  else
    echo "setup: Node's headers are not next to node; node-gyp will download them from nodejs.org" >&2
    echo "setup: on a network that cannot reach it, install them and add nodedir=<prefix> to .npmrc" >&2
  fi
fi
echo "setup: ready for npm ci"

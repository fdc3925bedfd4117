#!/usr/bin/env bash
# The README's quick start on a throwaway Debian 12 that has Node and npm and nothing else, so a
# missing install step fails here before it fails for a user. A machine where the project is
# developed has compilers, databases and brokers installed, which hides such steps.
#
#   install/fresh-root.sh                 each command of the README's quick start, in order
#   install/fresh-root.sh 'npm ci && …'   one command of your own
#
# What it does: a Debian 12 minbase root (debootstrap, cached as a tarball), this machine's node
# and npm copied in with its npm config (registry, CA file, node headers), a clean clone of the
# current commit (uncommitted changes are not in it), then each command run in a chroot as root
# from the clone's root directory. A command that starts `wardwatch up` (`npm start`) passes when
# the banner appears and the process is still running 20 s later; it is then stopped with SIGTERM
# to npm. No command may leave a process behind. Prints each command's outcome and wall time.
#
# Needs root (debootstrap, chroot, bind mounts), installs debootstrap from Debian when missing.
# The chroot shares this machine's network: it sees the package registries and whatever listens
# on this machine's loopback, which is why the tests start their own servers on free ports.
#
# Environment: WARDWATCH_FRESH_CACHE (the base tarball), WARDWATCH_FRESH_KEEP=1 (keep the root and
# say where), WARDWATCH_FRESH_UP_LIMIT (seconds `npm start` may take to come up, default 1800).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${WARDWATCH_FRESH_CACHE:-$HOME/.cache/wardwatch/bookworm-minbase.tar}
up_limit=${WARDWATCH_FRESH_UP_LIMIT:-1800}

[ "$(id -u)" -eq 0 ] || { echo "fresh-root: needs root (debootstrap, chroot, bind mounts)" >&2; exit 2; }
node_bin=$(command -v node) || { echo "fresh-root: node is not installed here" >&2; exit 2; }
npm_cli=$(readlink -f "$(command -v npm)") || { echo "fresh-root: npm is not installed here" >&2; exit 2; }

commands=()
if [ $# -gt 0 ]; then
  commands=("$@")
else
  # The first ```sh block under "## Quick start", one command a line, comments dropped.
  while IFS= read -r line; do commands+=("$line"); done < <(
    awk '/^## Quick start/{q=1; next} /^## /{q=0} q && /^```sh/{b=1; next} b && /^```/{exit} b' "$here/README.md" |
      sed -e 's/[[:space:]]#.*$//' -e 's/[[:space:]]*$//' | grep -v '^$'
  )
  [ ${#commands[@]} -gt 0 ] || { echo "fresh-root: no quick start commands found in README.md" >&2; exit 2; }
fi

if [ ! -f "$cache" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null
  echo "fresh-root: building the Debian 12 base root (once; cached in $cache)"
  base=$(mktemp -d)
  mirror=http://deb.debian.org/debian
  [ -f /etc/apt/sources.list.d/debian.sources ] && mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  debootstrap --variant=minbase bookworm "$base/root" "$mirror" >"$base.log" 2>&1 || {
    tail -n 20 "$base.log" >&2; exit 1
  }
  # The same package sources as this machine (a mirror a closed network can reach).
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$base/root/etc/apt/sources.list.d/"
    rm -f "$base/root/etc/apt/sources.list"
  fi
  mkdir -p "$(dirname "$cache")"
  tar -C "$base/root" -cf "$cache.part" . && mv "$cache.part" "$cache"
  rm -rf "$base" "$base.log"
fi

work=$(mktemp -d /var/tmp/wardwatch-fresh.XXXXXX)
root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$cache"

# Node and npm as a user has them: the binary, npm, the headers native addons build against, and
# the npm config that points at the registry this network reaches.
cp "$node_bin" "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules" "$root/usr/include" "$root/root"
cp -a "$(dirname "$npm_cli")/.." "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
node_prefix=$(dirname "$(dirname "$node_bin")")
[ -d "$node_prefix/include/node" ] && cp -a "$node_prefix/include/node" "$root/usr/include/node"
# Without nodedir: pointing node-gyp at Node's headers is install/setup.sh's job, as for a user.
[ -f "$HOME/.npmrc" ] && grep -v '^nodedir' "$HOME/.npmrc" >"$root/root/.npmrc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"

commit=$(git -C "$here" rev-parse HEAD)
git clone -q --no-local "$here" "$root/srv/wardwatch"
git -C "$root/srv/wardwatch" checkout -q "$commit"

mount --bind "$root" "$root" # so that / is a mount point inside: the filesystem collector sees it
for m in proc sys dev dev/pts; do mkdir -p "$root/$m"; mount --bind "/$m" "$root/$m"; done

# Processes whose root directory is the chroot: none may outlive a command.
inside() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
  done
  return 0
}
cleanup() {
  local pids
  pids=$(inside)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
  umount -l "$root" 2>/dev/null || true
  if [ "${WARDWATCH_FRESH_KEEP:-0}" = 1 ]; then echo "fresh-root: kept $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT

in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm_config_cafile=/etc/ssl/certs/ca-certificates.crt \
    bash -c "cd /srv/wardwatch && $1"
}

# A long-running command (`npm start`): up when the banner shows and it is still running 20 s
# later; then stopped as a supervisor or `timeout` would, with SIGTERM to npm alone, after which
# no process may be left in the root.
run_until_up() {
  local cmd=$1 log=$2 pid deadline npm
  : >"$log"
  setsid bash -c "$(declare -f in_root); root='$root'; in_root $(printf %q "$cmd")" >"$log" 2>&1 &
  pid=$!
  deadline=$((SECONDS + up_limit))
  until grep -q 'Wardwatch is up' "$log"; do
    kill -0 "$pid" 2>/dev/null || { echo "fresh-root: exited before it came up" >>"$log"; return 1; }
    [ $SECONDS -lt $deadline ] || { echo "fresh-root: not up after $up_limit s" >>"$log"; kill -KILL -- "-$pid"; return 1; }
    sleep 2
  done
  sleep 20
  kill -0 "$pid" 2>/dev/null || { echo "fresh-root: came up, then exited" >>"$log"; return 1; }
  npm=$(for p in $(inside); do tr '\0' ' ' <"/proc/$p/cmdline" | grep -q '^npm start' && echo "$p"; done | head -n 1)
  if [ -n "$npm" ]; then kill -TERM "$npm"; else kill -TERM -- "-$pid"; fi
  for _ in $(seq 1 20); do [ -z "$(inside)" ] && break; sleep 0.5; done
  if [ -n "$(inside)" ]; then
    echo "fresh-root: still running 10 s after SIGTERM:" >>"$log"
    for p in $(inside); do tr '\0' ' ' <"/proc/$p/cmdline" >>"$log"; echo >>"$log"; done
    return 1
  fi
  wait "$pid" 2>/dev/null || true
}

echo "fresh-root: Debian 12 minbase, node $("$node_bin" -v), commit ${commit:0:12}, root $root"
in_root 'apt-get update' >"$work/apt-update.log" 2>&1 || { tail -n 20 "$work/apt-update.log" >&2; exit 1; }
failed=0
n=0
for cmd in "${commands[@]}"; do
  n=$((n + 1))
  log=$work/command-$n.log
  start=$SECONDS
  if [[ $cmd == *"npm start"* ]]; then
    run_until_up "$cmd" "$log" && ok=1 || ok=0
  else
    in_root "$cmd" >"$log" 2>&1 && ok=1 || ok=0
    # A test run that leaves a server behind would leave it on a user's machine too.
    left=$(for p in $(inside); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)
    [ -z "$left" ] || { printf 'fresh-root: still running after the command:\n%s\n' "$left" >>"$log"; ok=0; }
  fi
  took=$((SECONDS - start))
  if [ $ok = 1 ]; then
    printf 'fresh-root: PASS %4d s  %s\n' "$took" "$cmd"
    { grep -E '^# \{ total' "$log" || true; } | tail -n 1 | sed 's/^/  | /' # tap's count, after a test run
  else
    printf 'fresh-root: FAIL %4d s  %s; the last lines of its output:\n' "$took" "$cmd"
    tail -n 40 "$log" | sed 's/^/  | /'
    failed=1
    WARDWATCH_FRESH_KEEP=1
  fi
done
exit $failed

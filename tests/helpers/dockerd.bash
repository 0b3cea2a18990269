# The reference: Debian's docker.io (dockerd 20.10), started by a test with a private data root,
# exec root, pid file and socket, and stopped by its pid. `load ../helpers/dockerd`.
#
#   dk_start [net]  start it, never with firewall rules (--iptables=false: the tests send no
#                   traffic that needs NAT). Without "net" it has no bridge at all
#                   (--bridge=none). With "net" its default bridge is one the helper makes,
#                   tdk<pid> on 10.213.N.0/24, never docker0: several references (or a host's
#                   own docker) can run side by side. dk_stop removes that bridge and the
#                   bridges of the networks the test left.
#   dk ARGS...      Debian's docker CLI (/usr/bin/docker, 20.10) against it
#   dk_load_busybox the busybox image of the tinydocker root in $TINYDOCKER_ROOT, by save | load
#   dk_stop         stop it by pid and remove what it made
# DK_DIR is the private directory; dk_available says whether the reference is installed.

DOCKER_REF=${DOCKER_REF:-/usr/bin/docker}
# shellcheck source=offline.bash
. "$(dirname "${BASH_SOURCE[0]}")/offline.bash"

dk_available() { [ -x /usr/sbin/dockerd ] && [ -x "$DOCKER_REF" ]; }

dk() { "$DOCKER_REF" -H "unix://$DK_DIR/sock" "$@"; }

dk_start() { # [net]
  DK_DIR=$(mktemp -d /tmp/td-dockerd.XXXXXX)
  local netargs=(--bridge=none --iptables=false --ip6tables=false)
  if [ "${1:-}" = net ]; then
    DK_BRIDGE=tdk$$
    ip link add "$DK_BRIDGE" type bridge || return 1
    echo "$DK_BRIDGE" >"$DK_DIR/bridge"
    ip addr add "10.213.$(($$ % 250 + 1)).1/24" dev "$DK_BRIDGE"
    ip link set "$DK_BRIDGE" up
    netargs=(--bridge="$DK_BRIDGE" --iptables=false --ip6tables=false)
  fi
  env "${TD_OFFLINE_ENV[@]}" /usr/sbin/dockerd --data-root "$DK_DIR/data" --exec-root "$DK_DIR/exec" -p "$DK_DIR/pid" \
    -H "unix://$DK_DIR/sock" "${netargs[@]}" >"$DK_DIR/log" 2>&1 &
  DK_PID=$!
  echo "$DK_PID" >"$DK_DIR/dockerd.pid"
  local i
  for i in $(seq 120); do
    if [ -S "$DK_DIR/sock" ] && dk version >/dev/null 2>&1; then return 0; fi
    kill -0 "$DK_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "dockerd did not start: $(tail -5 "$DK_DIR/log")" >&2
  dk_stop
  return 1
}

dk_load_busybox() {
  "$TINYDOCKER" save busybox | dk load >/dev/null
}

dk_stop() {
  [ -n "${DK_DIR:-}" ] || return 0
  local pid
  pid=$(cat "$DK_DIR/dockerd.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    dk ps -aq 2>/dev/null | xargs -r "$DOCKER_REF" -H "unix://$DK_DIR/sock" rm -f >/dev/null 2>&1 || true
    dk network prune -f >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # its own containerd (managed under the exec root) goes with it; wait for its mounts to go
  if [ -f "$DK_DIR/bridge" ]; then
    ip link del "$(cat "$DK_DIR/bridge")" 2>/dev/null || true
  fi
  findmnt -rn -o TARGET | grep "^$DK_DIR" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$DK_DIR"
  DK_DIR= DK_PID=
  return 0
}

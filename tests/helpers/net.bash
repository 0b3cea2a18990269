# Network test helpers: private root, unique names, netns "containers" and a client netns.
# Traffic only to loopback, our bridges/netns and netns made here.
NETTOOL=${NETTOOL:-$BUILD_DIR/tests/helpers/td-nettool}

net_setup() {
  td_setup_roots
  TN=tdt$(printf '%04x%02x' $RANDOM $((RANDOM % 256)))
  NETNS=()
  WWW=$TEST_TMP/www
  mkdir -p "$WWW" && echo "hello-$TN" >"$WWW/index.html"
}

net_teardown() {
  local ns
  if [ -f "${TEST_TMP:-/nonexistent}/host_listener.pid" ]; then
    kill "$(cat "$TEST_TMP/host_listener.pid")" 2>/dev/null
  fi
  # net_ns may run in a subshell (bats `run`): find our netns by their prefix
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$TN-"); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  ip link del "${TN}c" 2>/dev/null
  [ -n "${TD_ROOT:-}" ] && "$NETTOOL" network cleanup >/dev/null 2>&1
  td_teardown_roots
}

nt() { "$NETTOOL" "$@"; }

# A netns standing in for a container: net_ns NAME -> /run/netns/$TN-NAME
net_ns() {
  ip netns add "$TN-$1"
  NETNS+=("$TN-$1")
}

# attach NAME [flags...]: the netns becomes container id "$TN-NAME"
net_attach() {
  local n=$1
  shift
  [ -e "/run/netns/$TN-$n" ] || net_ns "$n"
  nt network _attach --name "$n" "$@" "$TN-$n" "/run/netns/$TN-$n"
}

in_ns() { # NAME cmd...
  local n=$1
  shift
  ip netns exec "$TN-$n" "$@"
}

httpd_in() { # NAME [port]
  in_ns "$1" busybox httpd -p "${2:-80}" -h "$WWW"
}

ip_of() { # NAME -> its eth0 address
  in_ns "$1" ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1
}

# A "client host" netns joined to the host by its own veth ($TN"c" on the host side).
# Sets CLIENT_HOST_IP (host side) and CLIENT_IP.
net_client() {
  local a=$((200 + RANDOM % 50)) b=$((RANDOM % 250))
  CLIENT_HOST_IP=10.$a.$b.1 CLIENT_IP=10.$a.$b.2
  net_ns client
  ip link add "${TN}c" type veth peer name eth0 netns "$TN-client"
  ip addr add "$CLIENT_HOST_IP/30" dev "${TN}c"
  ip link set "${TN}c" up
  ip -n "$TN-client" addr add "$CLIENT_IP/30" dev eth0
  ip -n "$TN-client" link set eth0 up
  ip -n "$TN-client" link set lo up
  ip -n "$TN-client" route add default via "$CLIENT_HOST_IP"
}

# A free /24 from 10.160-199.x (other tests may hold some: try until create works).
net_create_random() { # NAME [flags]
  local name=$1 i
  shift
  for i in $(seq 1 20); do
    SUBNET_PREFIX=10.$((160 + RANDOM % 40)).$((RANDOM % 256))
    if nt network create --subnet "$SUBNET_PREFIX.0/24" "$@" "$name" >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

curl_ok() { # [ns] url -> body on stdout
  curl -s -m 3 "$@"
}

# The name of this root's nft table (its comment is the root's real path).
net_table() {
  local t r
  r=$(realpath "$TD_ROOT")
  for t in $(nft list tables | awk '$2 == "inet" && $3 ~ /^tinydocker/ {print $3}'); do
    if nft list table inet "$t" 2>/dev/null | grep -qF "comment \"$r\""; then
      echo "$t"
      return 0
    fi
  done
  return 1
}

# A TCP listener on the host (all addresses) answering "host-$TN"; its pid in HOST_LISTENER,
# killed by net_teardown. Sets HOST_PORT.
host_listener() {
  HOST_PORT=$((20000 + RANDOM % 20000))
  mkdir -p "$TEST_TMP/hostwww" && echo "host-$TN" >"$TEST_TMP/hostwww/index.html"
  busybox httpd -f -p "$HOST_PORT" -h "$TEST_TMP/hostwww" >/dev/null 2>&1 3>&- &
  HOST_LISTENER=$!
  echo "$HOST_LISTENER" >"$TEST_TMP/host_listener.pid"
  local i
  for i in $(seq 1 50); do
    curl -s -m 1 "http://127.0.0.1:$HOST_PORT/" >/dev/null && return 0
    sleep 0.1
  done
  return 1
}

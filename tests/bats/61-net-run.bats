#!/usr/bin/env bats
# Networking through `tinydocker run`: busybox containers from a plain rootfs (--rootfs).
load ../helpers/common
load ../helpers/net

td() { "$TINYDOCKER" "$@"; }

setup() {
  net_setup
  ROOTFS=$TEST_TMP/rootfs
  td_make_busybox_rootfs "$ROOTFS"
  mkdir -p "$ROOTFS/www" && echo "hello-$TN" >"$ROOTFS/www/index.html"
}

teardown() {
  if [ -x "$TINYDOCKER" ] && [ -n "${TD_ROOT:-}" ]; then
    ids=$(td ps -aq 2>/dev/null || true)
    [ -n "$ids" ] && td rm -f $ids >/dev/null 2>&1
    td network cleanup >/dev/null 2>&1 || true
  fi
  net_teardown
}

web() { # name [run flags...]: a detached busybox httpd
  local n=$1
  shift
  td run -d --rootfs "$ROOTFS" --name "$n" "$@" httpd -f -p 80 -h /www >/dev/null
  # serving before the caller asks (a loaded host may take a while to start httpd)
  local _
  for _ in $(seq 100); do
    [ -n "$(td exec "$n" sh -c "$HTTP_GET" 127.0.0.1 2>/dev/null)" ] && return 0
    sleep 0.1
  done
}

ctr_ip() { # from the kernel's view inside the container
  td exec "$1" ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1
}

# busybox wget (static glibc) segfaults on this machine; nc speaks enough HTTP
HTTP_GET='printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 "$0" "${1:-80}" | tail -1'
get_in() { # network host [port] -> body, fetched from a fresh container on network
  td run --rm --rootfs "$ROOTFS" --network "$1" sh -c "$HTTP_GET" "$2" "${3:-80}"
}

@test "default network: eth0 with an address and a default route, lo up" {
  run td run --rm --rootfs "$ROOTFS" sh -c 'ip -4 -o addr show eth0; ip route; ip -o link show lo'
  [ "$status" -eq 0 ]
  [[ "$output" == *"eth0"*"inet "* ]]
  [[ "$output" == *"default via "* ]]
  [[ "$output" == *"lo"*"UP"* ]]
}

@test "--network none has only lo; --network host sees the host's links" {
  run td run --rm --rootfs "$ROOTFS" --network none sh -c 'ls /sys/class/net'
  [ "$status" -eq 0 ]
  [ "$output" = lo ]
  hostlinks=$(ls /sys/class/net | wc -l)
  run td run --rm --rootfs "$ROOTFS" --network host sh -c 'ls /sys/class/net | wc -l'
  [ "$status" -eq 0 ]
  [ "$output" -ge 2 ]
}

@test "container to container by name, alias and IP on a user network; host to container" {
  net_create_random "$TN-n"
  td network ls | grep -q "$TN-n"
  web "$TN-web" --network "$TN-n" --network-alias "api-$TN"
  ip=$(ctr_ip "$TN-web")
  [[ "$ip" == "$SUBNET_PREFIX."* ]]
  run get_in "$TN-n" "$TN-web"
  [ "$status" -eq 0 ]
  [ "$output" = "hello-$TN" ]
  run get_in "$TN-n" "$ip"
  [ "$output" = "hello-$TN" ]
  run get_in "$TN-n" "api-$TN"
  [ "$output" = "hello-$TN" ]
  [ "$(curl -s -m 3 "http://$ip/")" = "hello-$TN" ]
}

@test "names are kept current as containers come and go" {
  net_create_random "$TN-n"
  td run -d --rootfs "$ROOTFS" --name "$TN-a" --network "$TN-n" sleep 100 >/dev/null
  web "$TN-b" --network "$TN-n"
  run td exec "$TN-a" sh -c "$HTTP_GET" "$TN-b"
  [ "$output" = "hello-$TN" ]
  td rm -f "$TN-b" >/dev/null
  run td exec "$TN-a" cat /etc/hosts
  [[ "$output" != *"$TN-b"* ]]
}

@test "published ports: from 127.0.0.1, from a client netns; port command; rm removes them" {
  net_client
  web "$TN-web" -p 127.0.0.1::80 -p 80
  lport=$(td port "$TN-web" 80 | grep 127.0.0.1 | cut -d: -f2)
  aport=$(td port "$TN-web" 80 | grep 0.0.0.0 | cut -d: -f2)
  [ -n "$lport" ]
  [ -n "$aport" ]
  [ "$(curl -s -m 3 http://127.0.0.1:$lport/)" = "hello-$TN" ]
  [ "$(curl -s -m 3 http://127.0.0.1:$aport/)" = "hello-$TN" ]
  [ "$(in_ns client curl -s -m 3 http://$CLIENT_HOST_IP:$aport/)" = "hello-$TN" ]
  run td run --rm --rootfs "$ROOTFS" -p "$aport:80" true
  [ "$status" -ne 0 ]
  [[ "$output" == *"already"* ]]
  ip=$(ctr_ip "$TN-web")
  td rm -f "$TN-web" >/dev/null
  ! nft list ruleset | grep -q ": $ip . 80" || false
  ! curl -s -m 2 http://127.0.0.1:$aport/ || false
}

@test "isolation between networks and --internal" {
  host_listener
  net_create_random "$TN-n1"
  gw1=$SUBNET_PREFIX.1
  net_create_random "$TN-n2"
  net_create_random "$TN-in" --internal
  gwi=$SUBNET_PREFIX.1
  web "$TN-w2" --network "$TN-n2" -p 80
  ip2=$(ctr_ip "$TN-w2")
  pub=$(td port "$TN-w2" 80 | head -1 | cut -d: -f2)
  web "$TN-wi" --network "$TN-in"
  # a normal network reaches the host's listener through its gateway, and a published port
  run get_in "$TN-n1" "$gw1" "$HOST_PORT"
  [ "$output" = "host-$TN" ]
  run get_in "$TN-n1" "$gw1" "$pub"
  [ "$output" = "hello-$TN" ]
  # ... but not another network's container
  run get_in "$TN-n1" "$ip2"
  [ "$output" != "hello-$TN" ]
  # an internal network: its peers by name, nothing else (host listener on the gateway,
  # a published port through the gateway, another network), and no default route
  run get_in "$TN-in" "$TN-wi"
  [ "$output" = "hello-$TN" ]
  run get_in "$TN-in" "$gwi" "$HOST_PORT"
  [ "$output" != "host-$TN" ]
  run get_in "$TN-in" "$gwi" "$pub"
  [ "$output" != "hello-$TN" ]
  run get_in "$TN-in" "$ip2"
  [ "$output" != "hello-$TN" ]
  run td run --rm --rootfs "$ROOTFS" --network "$TN-in" ip route
  [[ "$output" != *default* ]]
  # the host still reaches the internal container
  [ "$(curl -s -m 3 "http://$(ctr_ip "$TN-wi")/")" = "hello-$TN" ]
}

@test "container:ID shares the network namespace" {
  web "$TN-web"
  run td run --rm --rootfs "$ROOTFS" --network "container:$TN-web" sh -c "$HTTP_GET" 127.0.0.1
  [ "$status" -eq 0 ]
  [ "$output" = "hello-$TN" ]
}

# the monitor deletes a stopped container's host veth after it has answered the client:
# wait (up to 5 s) until bridge has count ports
ports_become() { # bridge count
  local i
  for i in $(seq 1 50); do
    [ "$(ip -o link show master "$1" | wc -l)" -eq "$2" ] && return 0
    sleep 0.1
  done
  echo "ports of $1: $(ip -o link show master "$1")"
  return 1
}

@test "run --rm: the address is free when run returns, the veth goes right after; the same --ip at once" {
  net_create_random "$TN-n"
  br=$(td network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  nid=$(td network inspect "$TN-n" | jq -r '.[0].Id')
  ip=$SUBNET_PREFIX.77
  for i in 1 2 3; do
    td run --rm --rootfs "$ROOTFS" --network "$TN-n" --ip "$ip" true
    # released before the exit code came back: no address claim, no endpoint record
    [ ! -e "$TD_ROOT/networks/$nid/ips/$ip" ]
    [ -z "$(ls "$TD_ROOT/networks/$nid" | grep json)" ]
  done
  # the same address (hence the same MAC) at once, the last veth perhaps not yet deleted:
  # the host reaches the new container, not the old port
  web "$TN-w" --network "$TN-n" --ip "$ip"
  [ "$(curl -s -m 3 "http://$ip/")" = "hello-$TN" ]
  ports_become "$br" 1
  td rm -f "$TN-w" >/dev/null
  ports_become "$br" 0
}

@test "container:ID keeps the netns alive: its owner's veth is still deleted when the owner stops" {
  net_create_random "$TN-n"
  br=$(td network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  td run -d --rootfs "$ROOTFS" --name "$TN-a" --network "$TN-n" sleep 100 >/dev/null
  td run -d --rootfs "$ROOTFS" --name "$TN-b" --network "container:$TN-a" sleep 100 >/dev/null
  [ "$(ip -o link show master "$br" | wc -l)" -eq 1 ]
  td kill "$TN-a" >/dev/null
  ports_become "$br" 0
  # b still runs in the netns, which kept its eth0 until the pair was deleted
  [ "$(td inspect -f '{{.State.Running}}' "$TN-b")" = true ]
  run td exec "$TN-b" ls /sys/class/net
  [ "$output" = lo ]
}

@test "--hostname --add-host --dns --dns-search end up in /etc" {
  run td run --rm --rootfs "$ROOTFS" --hostname h1 --add-host db:10.9.9.9 --dns 10.0.0.53 \
    --dns-search a.test sh -c 'hostname; cat /etc/hosts /etc/resolv.conf'
  [ "$status" -eq 0 ]
  [[ "$output" == h1* ]]
  [[ "$output" == *"10.9.9.9	db"* ]]
  [[ "$output" == *"nameserver 10.0.0.53"* ]]
  [[ "$output" == *"search a.test"* ]]
}

@test "bad input: unknown network, malformed -p, --ip on the default network" {
  run td run --rm --rootfs "$ROOTFS" --network "$TN-nosuch" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"not found"* ]]
  run td run --rm --rootfs "$ROOTFS" -p 80:99999 true
  [ "$status" -eq 125 ]
  run td run --rm --rootfs "$ROOTFS" -p foo true
  [ "$status" -eq 125 ]
  [ -z "$(td ps -aq)" ]
}

@test "rm of a network in use is refused" {
  net_create_random "$TN-n"
  br=$(td network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  td run -d --rootfs "$ROOTFS" --name "$TN-a" --network "$TN-n" sleep 100 >/dev/null
  run td network rm "$TN-n"
  [ "$status" -ne 0 ]
  [[ "$output" == *"active endpoint"* ]]
  ip link show "$br" >/dev/null
  [ "$(td inspect -f '{{.State.Status}}' "$TN-a")" = running ]
  td rm -f "$TN-a" >/dev/null
  run td network rm "$TN-n"
  [ "$status" -eq 0 ]
  ! ip link show "$br" 2>/dev/null || false
}

@test "network create: bad input through tinydocker is refused, nothing created" {
  net_create_random "$TN-ok"
  ok=$SUBNET_PREFIX
  before=$(ip -o link show type bridge | wc -l)
  files=$(ls "$TD_ROOT/networks" | wc -l)
  run td network create --subnet 10.251.7.0/24 --gateway 10.251.8.1 "$TN-b"
  [ "$status" -eq 1 ] # docker CLI: daemon errors exit 1
  [[ "$output" == *"gateway"* ]]
  [ "${#lines[@]}" -eq 1 ]
  run td network create --subnet "$ok.128/25" "$TN-b"
  [ "$status" -eq 1 ] # docker CLI: daemon errors exit 1
  [[ "$output" == *"overlaps with network $TN-ok"* ]]
  run td network create --subnet 10.251.7.0/33 "$TN-b"
  [ "$status" -eq 1 ] # docker CLI: daemon errors exit 1
  run td network create --subnet 10.251.7.9/24 "$TN-b"
  [ "$status" -eq 1 ] # docker CLI: daemon errors exit 1
  [[ "$output" == *"host bits"* ]]
  run td network create --driver macvlan "$TN-b"
  [ "$status" -eq 1 ] # docker CLI: daemon errors exit 1
  run td network create "$TN-ok"
  [ "$status" -eq 1 ] # docker CLI: daemon errors exit 1
  [[ "$output" == *"already exists"* ]]
  [ "$(ip -o link show type bridge | wc -l)" -eq "$before" ]
  [ "$(ls "$TD_ROOT/networks" | wc -l)" -eq "$files" ]
  ! td network ls | grep -q "$TN-b" || false
}

@test "a host port held by a host process, or published twice, is refused before create" {
  host_listener
  run td run -d --rootfs "$ROOTFS" -p "$HOST_PORT:80" sleep 100
  [ "$status" -eq 125 ]
  [[ "$output" == *"$HOST_PORT"* ]]
  [ -z "$(td ps -aq)" ]
  web "$TN-a" -p 127.0.0.1::80
  port=$(td port "$TN-a" 80 | cut -d: -f2)
  # the same host port on all addresses overlaps 127.0.0.1
  run td run -d --rootfs "$ROOTFS" -p "$port:80" sleep 100
  [ "$status" -eq 125 ]
  [[ "$output" == *"already"* ]]
  [ "$(td ps -aq | wc -l)" -eq 1 ]
  [ "$(curl -s -m 3 "http://127.0.0.1:$port/")" = "hello-$TN" ]
}

@test "IPAM through run: an exhausted subnet is a clear error; a freed address is reused" {
  sub=10.$((160 + RANDOM % 40)).$((RANDOM % 256))
  td network create --subnet "$sub.0/29" "$TN-s" >/dev/null || skip "subnet busy"
  # .1 is the gateway: .2 to .6 are five containers
  for n in 2 3 4 5 6; do
    td run -d --rootfs "$ROOTFS" --name "$TN-c$n" --network "$TN-s" sleep 100 >/dev/null
    [ "$(ctr_ip "$TN-c$n")" = "$sub.$n" ]
  done
  run td run -d --rootfs "$ROOTFS" --name "$TN-x" --network "$TN-s" sleep 100
  [ "$status" -ne 0 ]
  [[ "$output" == *"no available IPv4 address"* ]]
  [ "$(td ps -aq --filter status=running | wc -l)" -eq 5 ]
  run td run -d --rootfs "$ROOTFS" --network "$TN-s" --ip "$sub.3" sleep 100
  [ "$status" -ne 0 ]
  [[ "$output" == *"already in use"* ]]
  td rm -f "$TN-c4" >/dev/null
  td rm -f "$TN-x" >/dev/null 2>&1 || true
  td run -d --rootfs "$ROOTFS" --name "$TN-y" --network "$TN-s" sleep 100 >/dev/null
  [ "$(ctr_ip "$TN-y")" = "$sub.4" ]
  # the kernel's view: the address is on the container's eth0 (its /proc/PID/net)
  pid=$(td inspect -f '{{.State.Pid}}' "$TN-y")
  grep -q "$sub.4" "/proc/$pid/net/fib_trie"
}

# pids of this root's engine processes (the run clients and their monitors), by environ
engine_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -d' ' -f1-2)" = "$TINYDOCKER run" ] || continue
    grep -qzx "TINYDOCKER_ROOT=$TD_ROOT" "$p/environ" 2>/dev/null && echo "${p#/proc/}"
  done
}

@test "kill -9 during setup, then rm -f: no veths, rules or addresses left" {
  net_create_random "$TN-n"
  br=$(td network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  nid=$(td network inspect "$TN-n" | jq -r '.[0].Id')
  for i in $(seq 1 10); do
    "$TINYDOCKER" run -d --rootfs "$ROOTFS" --network "$TN-n" -p 80 sleep 100 >/dev/null 2>&1 3>&- &
    pid=$!
    sleep "0.0$((RANDOM % 15))"
    # the client and the monitor that does the network setup
    kill -9 $pid $(engine_pids) 2>/dev/null || true
    wait $pid 2>/dev/null || true
  done
  sleep 1
  ids=$(td ps -aq)
  [ -z "$ids" ] || td rm -f $ids >/dev/null 2>&1 || true
  td network _gc
  [ -z "$(td ps -aq)" ]
  [ "$(td network inspect "$TN-n" | jq '.[0].Containers | length')" -eq 0 ]
  [ "$(ip -o link show master "$br" | wc -l)" -eq 0 ]
  ! nft list ruleset | grep -q ": $SUBNET_PREFIX\." || false
  # no address or host port is still claimed
  [ -z "$(ls "$TD_ROOT/networks/$nid/ips" 2>/dev/null)" ]
  [ -z "$(ls "$TD_ROOT/networks/ports" 2>/dev/null)" ]
  [ -z "$(engine_pids)" ]
}

@test "100 containers on one network" {
  net_create_random "$TN-big"
  start=$(date +%s%N)
  for i in $(seq 1 100); do
    td run -d --rootfs "$ROOTFS" --name "$TN-m$i" --network "$TN-big" sleep 300 >/dev/null
  done
  end=$(date +%s%N)
  echo "# 100 x run -d: $(( (end - start) / 1000000 )) ms" >&3
  [ "$(td network inspect "$TN-big" | jq '.[0].Containers | length')" -eq 100 ]
  run td exec "$TN-m1" ping -c 1 -W 2 "$TN-m100"
  [ "$status" -eq 0 ]
  td rm -f $(td ps -aq) >/dev/null
  [ "$(td network inspect "$TN-big" | jq '.[0].Containers | length')" -eq 0 ]
}

@test "network connect / disconnect a running container" {
  net_create_random "$TN-c1"
  net_create_random "$TN-c2"
  p2=$SUBNET_PREFIX
  td run -d --rootfs "$ROOTFS" --name "$TN-a" --network "$TN-c1" sleep 100 >/dev/null
  run td network connect --alias "x-$TN" "$TN-c2" "$TN-a"
  [ "$status" -eq 0 ]
  td exec "$TN-a" ip -4 -o addr show eth1 | grep -q "$p2.2/24"
  # inspect CONTAINER shows the network it joined (the engine recorded it), with its alias
  # (docker's Aliases: the given one, then the short id on a user-defined network)
  sid=$(td inspect -f '{{.Id}}' "$TN-a" | cut -c1-12)
  run td inspect -f '{{json .NetworkSettings.Networks}}' "$TN-a"
  echo "$output" | jq -e --arg n "$TN-c2" --arg ip "$p2.2" --arg a "x-$TN" --arg s "$sid" \
    '.[$n].IPAddress == $ip and .[$n].IPPrefixLen == 24 and .[$n].Aliases == [$a, $s] and
     (.[$n].NetworkID | length) == 64' >/dev/null
  [ "$(echo "$output" | jq 'keys | length')" -eq 2 ]
  [ "$(td network inspect "$TN-c2" | jq -r '.[0].Containers[].Aliases[0]')" = "x-$TN" ]
  run td network connect "$TN-c2" "$TN-a"
  [ "$status" -ne 0 ]
  [[ "$output" == *"already connected"* ]]
  td network disconnect "$TN-c2" "$TN-a"
  ! td exec "$TN-a" ip link show eth1 2>/dev/null || false
  [ "$(td inspect -f '{{json .NetworkSettings.Networks}}' "$TN-a" | jq -c 'keys')" = "[\"$TN-c1\"]" ]
  [ "$(td network inspect "$TN-c2" | jq '.[0].Containers | length')" -eq 0 ]
}

@test "network connect refuses --network none/host/container: containers (docker's errors); none leaves no store entry" {
  net_create_random "$TN-c3"
  td run -d --rootfs "$ROOTFS" --name "$TN-n" --network none sleep 100 >/dev/null
  td run -d --rootfs "$ROOTFS" --name "$TN-h" --network host sleep 100 >/dev/null
  td run -d --rootfs "$ROOTFS" --name "$TN-j" --network "container:$TN-n" sleep 100 >/dev/null
  run td network connect "$TN-c3" "$TN-n"
  [ "$status" -ne 0 ]
  [[ "$output" == *"private (none) mode"* ]]
  for c in "$TN-h" "$TN-j"; do
    run td network connect "$TN-c3" "$c"
    [ "$status" -ne 0 ]
    [[ "$output" == *"cannot be connected to any other network"* ]]
  done
  [ "$(td network inspect "$TN-c3" | jq '.[0].Containers | length')" -eq 0 ]
  # the none container's netns still has nothing but lo
  pid=$(td inspect -f '{{.State.Pid}}' "$TN-n")
  [ "$(nsenter -t "$pid" -n ip -o link show | grep -vc ': lo:')" -eq 0 ]
  td rm -f "$TN-j" "$TN-h" "$TN-n" >/dev/null
}

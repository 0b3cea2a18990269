#!/usr/bin/env bats
# net/ through td-nettool, with netns the test makes standing in for containers.
load ../helpers/common
load ../helpers/net

setup() { net_setup; }
teardown() { net_teardown; }

@test "network create / ls / inspect / rm" {
  net_create_random "$TN-n1" --label team=net
  run nt network ls
  [ "$status" -eq 0 ]
  [[ "$output" == *"$TN-n1"* ]]
  run nt network inspect "$TN-n1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Subnet')" = "$SUBNET_PREFIX.0/24" ]
  # docker's IPAM.Config: a --subnet given alone has no Gateway there (64-net-ipam.bats)
  [ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Gateway')" = null ]
  [ "$(echo "$output" | jq -r '.[0].Labels.team')" = "net" ]
  br=$(echo "$output" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  # the kernel has the bridge with the gateway address
  ip -4 -o addr show dev "$br" | grep -q "$SUBNET_PREFIX.1/24"
  [ "$(cat /proc/sys/net/ipv4/conf/$br/route_localnet)" = 1 ]
  run nt network rm "$TN-n1"
  [ "$status" -eq 0 ]
  ! ip link show "$br" 2>/dev/null || false
  run nt network ls -q
  [ -z "$output" ]
}

@test "default pool picks a subnet that no host route has" {
  run nt network create "$TN-p1"
  [ "$status" -eq 0 ]
  sub=$(nt network inspect "$TN-p1" | jq -r '.[0].IPAM.Config[0].Subnet')
  run nt network create "$TN-p2"
  sub2=$(nt network inspect "$TN-p2" | jq -r '.[0].IPAM.Config[0].Subnet')
  [ "$sub" != "$sub2" ]
  # each picked subnet is routed only through its own bridge
  [ "$(ip route show "$sub" | wc -l)" -eq 1 ]
  [ "$(ip route show "$sub2" | wc -l)" -eq 1 ]
}

@test "bad input is rejected and nothing is created" {
  net_create_random "$TN-ok"
  before=$(ip -o link show type bridge | wc -l)
  run nt network create --subnet 10.1.2.0/33 "$TN-b1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid CIDR"* ]]
  run nt network create --subnet 10.1.2.5/24 "$TN-b1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"host bits"* ]]
  run nt network create --subnet nonsense "$TN-b1"
  [ "$status" -eq 125 ]
  run nt network create --subnet "$SUBNET_PREFIX.128/25" "$TN-b1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"overlaps with network $TN-ok"* ]]
  # overlaps the host's own eth0 route
  hostnet=$(ip -4 route show scope link | awk '$1 ~ /\// {print $1; exit}')
  if [ -n "$hostnet" ]; then
    run nt network create --subnet "$hostnet" "$TN-b1"
    [ "$status" -eq 125 ]
    [[ "$output" == *"overlaps"* ]]
  fi
  run nt network create --subnet 10.251.7.0/24 --gateway 10.251.8.1 "$TN-b1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"gateway"* ]]
  run nt network create --subnet 10.251.7.0/24 --ip-range 10.251.0.0/16 "$TN-b1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no matching subnet for range"* ]]
  run nt network create "$TN-ok"
  [ "$status" -eq 125 ]
  [[ "$output" == *"already exists"* ]]
  run nt network create --driver overlay "$TN-b1"
  [ "$status" -eq 125 ]
  run nt network create "bad/name"
  [ "$status" -eq 125 ]
  run nt network rm "$TN-nosuch"
  [ "$status" -ne 0 ]
  [[ "$output" == *"not found"* ]]
  run nt network _attach --network "$TN-nosuch" x /proc/self/ns/net
  [ "$status" -eq 125 ]
  [[ "$output" == *"not found"* ]]
  [ "$(ip -o link show type bridge | wc -l)" -eq "$before" ]
  [ "$(nt network ls -q | wc -l)" -eq 1 ]
}

@test "container to container by IP, host to container" {
  net_create_random "$TN-n"
  run net_attach a --network "$TN-n"
  [ "$status" -eq 0 ]
  [[ "$output" == "$SUBNET_PREFIX.2 $SUBNET_PREFIX.1/24 02:42:"* ]]
  net_attach b --network "$TN-n"
  [ "$(ip_of a)" = "$SUBNET_PREFIX.2" ]
  [ "$(ip_of b)" = "$SUBNET_PREFIX.3" ]
  in_ns a ip route | grep -q "default via $SUBNET_PREFIX.1 dev eth0"
  in_ns a ip link show lo | grep -q ',UP'
  httpd_in a
  [ "$(in_ns b curl -s -m 3 http://$SUBNET_PREFIX.2/)" = "hello-$TN" ]
  [ "$(curl -s -m 3 http://$SUBNET_PREFIX.2/)" = "hello-$TN" ]
}

@test "published port from 127.0.0.1, from a client netns, and hairpin" {
  net_create_random "$TN-n"
  run net_attach web --network "$TN-n" -p 127.0.0.1::80 -p 80
  [ "$status" -eq 0 ]
  lport=$(echo "$output" | grep -o '127.0.0.1:[0-9]*' | cut -d: -f2)
  aport=$(echo "$output" | grep -o '0.0.0.0:[0-9]*' | cut -d: -f2)
  httpd_in web
  net_client
  [ "$(curl -s -m 3 http://127.0.0.1:$lport/)" = "hello-$TN" ]
  [ "$(curl -s -m 3 http://127.0.0.1:$aport/)" = "hello-$TN" ]
  [ "$(in_ns client curl -s -m 3 http://$CLIENT_HOST_IP:$aport/)" = "hello-$TN" ]
  # bound to 127.0.0.1 only: not reachable through the client's address
  ! in_ns client curl -s -m 2 http://$CLIENT_HOST_IP:$lport/ || false
  # the container itself through its published port (hairpin)
  [ "$(in_ns web curl -s -m 3 http://$SUBNET_PREFIX.1:$aport/)" = "hello-$TN" ]
  # no route into the container for unsolicited outside traffic
  ! in_ns client curl -s -m 2 http://$SUBNET_PREFIX.2/ || false
  # detach removes the port elements
  nt network _detach "$TN-web"
  ! nft list ruleset | grep -q ": $SUBNET_PREFIX.2 . 80" || false
}

@test "a port already published, or out of range, is refused" {
  net_create_random "$TN-n"
  port=$((20000 + RANDOM % 20000))
  net_attach a --network "$TN-n" -p "$port:80"
  run net_attach b --network "$TN-n" -p "$port:80"
  [ "$status" -eq 125 ]
  [[ "$output" == *"already published"* ]]
  run net_attach b --network "$TN-n" -p "127.0.0.1:$port:80"
  [ "$status" -eq 125 ]
  run net_attach b --network "$TN-n" -p "70000:80"
  [ "$status" -eq 125 ]
  [[ "$output" == *"out of range"* ]]
  run net_attach b --network "$TN-n" -p "80:80/sctp"
  [ "$status" -eq 125 ]
  # nothing was left by the refusals
  [ "$(nt network inspect "$TN-n" | jq '.[0].Containers | length')" -eq 1 ]
  ! in_ns b ip link show eth0 2>/dev/null || false
  # udp on the same number is a different port
  run net_attach b --network "$TN-n" -p "$port:80/udp"
  [ "$status" -eq 0 ]
}

@test "networks are isolated; --internal has no way out" {
  net_client
  net_create_random "$TN-n1"
  net_create_random "$TN-n2"
  p2=$SUBNET_PREFIX
  net_create_random "$TN-in" --internal
  net_attach a --network "$TN-n1"
  net_attach b --network "$TN-n2"
  net_attach c --network "$TN-in"
  # from a normal network the outside answers (RST from the client: rc 7, not a timeout)
  run in_ns a curl -s -m 3 http://$CLIENT_IP:1/
  [ "$status" -eq 7 ]
  # from an internal network there is no route out at all
  ! in_ns c ip route | grep -q default || false
  run in_ns c curl -s -m 2 http://$CLIENT_IP:1/
  [ "$status" -ne 0 ]
  [[ "$output" != *"hello"* ]]
  # even with a route added by hand, the host drops it
  in_ns c ip route add default via "$(nt network inspect "$TN-in" | jq -r '.[0].IPAM.Config[0].Subnet | sub("0/24$"; "1")')"
  run in_ns c curl -s -m 2 http://$CLIENT_IP:1/
  [ "$status" -ne 7 ]
  [ "$status" -ne 0 ]
  # network 1 cannot reach network 2, the host can
  httpd_in b
  run in_ns a curl -s -m 2 http://$p2.2/
  [ "$status" -ne 0 ]
  [ "$(curl -s -m 3 http://$p2.2/)" = "hello-$TN" ]
}

@test "--internal: nothing outside the network, host addresses and other networks included" {
  net_client
  host_listener
  net_create_random "$TN-n1"
  gw1=$SUBNET_PREFIX.1
  net_create_random "$TN-in" --internal
  pin=$SUBNET_PREFIX
  gw=$pin.1
  table=$(net_table)
  # the rules are keyed by the internal set: no per-network or per-container rule
  nft list chain inet "$table" input | grep -q 'iifname @internal drop'
  nft list set inet "$table" internal | grep -q "$(nt network inspect "$TN-in" | jq -r '.[0].Options["com.docker.network.bridge.name"]')"
  net_attach a --network "$TN-n1"
  web=$((20000 + RANDOM % 20000))
  net_attach w --network "$TN-n1" -p "$web:80"
  httpd_in w
  net_attach c --network "$TN-in"
  net_attach d --network "$TN-in"
  httpd_in d
  # a container of a normal network reaches the host's listener through its gateway, and a
  # published port: the same probes from the internal network could succeed
  [ "$(in_ns a curl -s -m 3 "http://$gw1:$HOST_PORT/")" = "host-$TN" ]
  [ "$(in_ns a curl -s -m 3 "http://$gw1:$web/")" = "hello-$TN" ]
  # a container on the internal network reaches its peer, and the host reaches both
  [ "$(in_ns c curl -s -m 3 "http://$pin.3/")" = "hello-$TN" ]
  [ "$(curl -s -m 3 "http://$pin.3/")" = "hello-$TN" ]
  # ... but not the host's listener on the gateway address
  run in_ns c curl -s -m 2 "http://$gw:$HOST_PORT/"
  [ "$status" -ne 0 ]
  [ "$output" != "host-$TN" ]
  # nor, with a default route added by hand, the host's other addresses, another network's
  # container, a published port through the gateway, or the outside
  in_ns c ip route add default via "$gw"
  for url in "http://$CLIENT_HOST_IP:$HOST_PORT/" "http://$gw1:$HOST_PORT/" \
    "http://$(ip_of w)/" "http://$gw:$web/" "http://$CLIENT_IP:1/"; do
    run in_ns c curl -s -m 2 "$url"
    echo "$url -> $status $output"
    [ "$status" -ne 0 ]
    [ "$status" -ne 7 ]
  done
  # and nothing from outside gets in, through the host or a published port
  run in_ns a curl -s -m 2 "http://$pin.3/"
  [ "$status" -ne 0 ]
}

@test "an older table without the input chain is brought up to date, elements kept" {
  net_create_random "$TN-in" --internal
  table=$(net_table)
  nft delete chain inet "$table" input
  net_create_random "$TN-n2"
  nft list chain inet "$table" input | grep -q 'iifname @internal drop'
  [ "$(nft list chain inet "$table" forward | grep -c 'iifname @internal drop')" -eq 1 ]
  [ "$(nft list set inet "$table" bridges | grep -o '"tdb' | wc -l)" -eq 2 ]
}

@test "masquerade: the outside sees the host's address" {
  net_client
  net_create_random "$TN-n"
  net_attach a --network "$TN-n"
  # the client runs a CGI that answers with the address it saw
  mkdir -p "$WWW/cgi-bin"
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$WWW/cgi-bin/ip"
  chmod +x "$WWW/cgi-bin/ip"
  httpd_in client
  run in_ns a curl -s -m 3 "http://$CLIENT_IP/cgi-bin/ip"
  [ "$status" -eq 0 ]
  [ "${output//[^0-9.]/}" = "${CLIENT_HOST_IP//[^0-9.]/}" ]
  [[ "$output" == *":$CLIENT_HOST_IP]" ]]
  # without masquerade the host itself is seen as itself
  [[ "$(curl -s -m 3 "http://$CLIENT_IP/cgi-bin/ip")" == *":$CLIENT_HOST_IP]" ]]
}

@test "IPAM: fixed --ip, exhaustion with a clear error, reuse after release" {
  sub=10.$((160 + RANDOM % 40)).$((RANDOM % 256))
  nt network create --subnet "$sub.0/29" "$TN-s" >/dev/null || skip "subnet busy"
  run net_attach f --network "$TN-s" --ip "$sub.6"
  [ "$status" -eq 0 ]
  [ "$(ip_of f)" = "$sub.6" ]
  run net_attach g --network "$TN-s" --ip "$sub.6"
  [ "$status" -eq 125 ]
  [[ "$output" == *"already in use"* ]]
  run net_attach g --network "$TN-s" --ip "$sub.1"
  [ "$status" -eq 125 ]
  run net_attach g --network "$TN-s" --ip "10.0.0.9"
  [ "$status" -eq 125 ]
  for n in a b c d; do net_attach "$n" --network "$TN-s" >/dev/null; done
  [ "$(ip_of a)" = "$sub.2" ]
  [ "$(ip_of d)" = "$sub.5" ]
  run net_attach e --network "$TN-s"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no available IPv4 address"* ]]
  ! in_ns e ip link show eth0 2>/dev/null || false
  nt network _detach "$TN-b"
  run net_attach e --network "$TN-s"
  [ "$status" -eq 0 ]
  [ "$(ip_of e)" = "$sub.3" ]
  # a dead "container" (its netns gone) gives its address back on exhaustion
  ip netns del "$TN-c"
  run net_attach h --network "$TN-s"
  [ "$status" -eq 0 ]
  [ "$(ip_of h)" = "$sub.4" ]
}

@test "release sets the host veth down, unplug deletes it; an address reused meanwhile works; gc sweeps" {
  net_create_random "$TN-n"
  br=$(nt network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  nid=$(nt network inspect "$TN-n" | jq -r '.[0].Id')
  net_attach a --network "$TN-n" >/dev/null
  ip=$(ip_of a)
  va=$(jq -r .Veth "$TD_ROOT/networks/$nid/$TN-a.json")
  # the bridge learns a's MAC on its port
  busybox ping -c 1 -W 2 "$ip" >/dev/null
  idx=$(nt network _release "$TN-a")
  [ "$idx" = "$(cat "/sys/class/net/$va/ifindex")" ]
  # still there but down; the address claim and the record are gone
  [ $(($(cat "/sys/class/net/$va/flags") & 1)) -eq 0 ]
  [ ! -e "$TD_ROOT/networks/$nid/ips/$ip" ]
  [ ! -e "$TD_ROOT/networks/$nid/$TN-a.json" ]
  # the same address (so the same MAC) on another netns while a's port exists: the host
  # reaches the new one (a, still configured, is never answered through its down port)
  net_attach b --network "$TN-n" --ip "$ip" >/dev/null
  httpd_in b
  [ "$(curl -s -m 3 "http://$ip/")" = "hello-$TN" ]
  nt network _unplug "$idx"
  ! ip link show "$va" 2>/dev/null || false
  # attached again while its released veth (same name, its eth0 still in the netns) exists:
  # the old pair is replaced
  nt network _release "$TN-b" >/dev/null
  net_attach b --network "$TN-n" --ip "$ip" >/dev/null
  [ "$(curl -s -m 3 "http://$ip/")" = "hello-$TN" ]
  # a release whose unplug never came: the gc deletes the down veth, not b's
  net_attach c --network "$TN-n" >/dev/null
  vc=$(jq -r .Veth "$TD_ROOT/networks/$nid/$TN-c.json")
  vb=$(jq -r .Veth "$TD_ROOT/networks/$nid/$TN-b.json")
  nt network _release "$TN-c" >/dev/null
  ip link show "$vc" >/dev/null
  nt network _gc
  ! ip link show "$vc" 2>/dev/null || false
  ip link show "$vb" >/dev/null
  [ "$(ip -o link show master "$br" | wc -l)" -eq 1 ]
}

@test "IPAM under concurrent attaches: distinct addresses and ports, all recorded" {
  net_create_random "$TN-n"
  for i in $(seq 1 20); do net_ns "p$i"; done
  pids=()
  for i in $(seq 1 20); do
    "$NETTOOL" network _attach -p 80 --network "$TN-n" "$TN-p$i" "/run/netns/$TN-p$i" \
      >"$TEST_TMP/p$i.out" 2>&1 3>&- &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  # every one got an address of its own, on its own eth0 (the kernel's view)
  for i in $(seq 1 20); do ip_of "p$i"; done | sort | uniq -c | awk '$1 != 1 {exit 1}'
  [ "$(for i in $(seq 1 20); do ip_of "p$i"; done | grep -c "^$SUBNET_PREFIX\.")" -eq 20 ]
  [ "$(nt network inspect "$TN-n" | jq '.[0].Containers | length')" -eq 20 ]
  # and a host port of its own, each one an element of the nft map
  [ "$(cat "$TEST_TMP"/p*.out | grep -o '0.0.0.0:[0-9]*' | sort -u | wc -l)" -eq 20 ]
  [ "$(nft list map inet "$(net_table)" pub4any | grep -o ": $SUBNET_PREFIX\.[0-9]* . 80" | wc -l)" -eq 20 ]
}

@test "names: hosts files list peers and aliases, kept current" {
  net_create_random "$TN-n"
  net_attach a --network "$TN-n" --hostname a --hosts "$TEST_TMP/hosts-a" --add-host db:10.9.9.9
  grep -q "^$SUBNET_PREFIX.2	a$" "$TEST_TMP/hosts-a"
  grep -q "^10.9.9.9	db$" "$TEST_TMP/hosts-a"
  ino=$(stat -c %i "$TEST_TMP/hosts-a")
  net_attach b --network "$TN-n" --hostname b --alias api --hosts "$TEST_TMP/hosts-b"
  grep -q "^$SUBNET_PREFIX.3	b api$" "$TEST_TMP/hosts-a"
  grep -q "^$SUBNET_PREFIX.2	a$" "$TEST_TMP/hosts-b"
  # updated in place (the file is a bind mount in a real container)
  [ "$(stat -c %i "$TEST_TMP/hosts-a")" = "$ino" ]
  nt network _detach "$TN-b"
  ! grep -q "api" "$TEST_TMP/hosts-a" || false
}

@test "rm of a network in use is refused; prune keeps used networks" {
  net_create_random "$TN-used"
  net_create_random "$TN-free"
  net_attach a --network "$TN-used"
  run nt network rm "$TN-used"
  [ "$status" -ne 0 ]
  [[ "$output" == *"active endpoint"* ]]
  run nt network prune -f
  [[ "$output" == *"$TN-free"* ]]
  [ "$(nt network ls -q | wc -l)" -eq 1 ]
}

@test "kill -9 during setup leaves nothing after gc" {
  net_create_random "$TN-n"
  for i in $(seq 1 12); do
    net_ns "k$i"
    # the tool itself in the background (not a shell function around it), so kill hits it
    "$NETTOOL" network _attach -p "$((30000 + RANDOM % 20000)):80" --network "$TN-n" "$TN-k$i" "/run/netns/$TN-k$i" >/dev/null 2>&1 3>&- &
    pid=$!
    sleep "0.00$((RANDOM % 9))"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
  done
  # unfinished setups are reclaimed by gc alone (their veths deleted by name)
  run nt network _gc
  [ "$status" -eq 0 ]
  ! nt network inspect "$TN-n" | jq -r '.[0].Containers[]' | grep -q setup || false
  # the engine's crash recovery then detaches the containers that are gone
  for i in $(seq 1 12); do nt network _detach "$TN-k$i"; done
  [ "$(nt network inspect "$TN-n" | jq '.[0].Containers | length')" -eq 0 ]
  br=$(nt network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  [ "$(ip -o link show master "$br" | wc -l)" -eq 0 ]
  ! nft list ruleset | grep -q ": $SUBNET_PREFIX\." || false
  [ "$(ls "$TD_ROOT/networks" | grep -c tmp)" -eq 0 ]
}

@test "100 containers on one network" {
  net_create_random "$TN-big"
  for i in $(seq 1 100); do net_ns "m$i"; done
  start=$(date +%s%N)
  for i in $(seq 1 100); do
    nt network _attach --network "$TN-big" --name "m$i" "$TN-m$i" "/run/netns/$TN-m$i" >/dev/null
  done
  end=$(date +%s%N)
  echo "# 100 attaches: $(( (end - start) / 1000000 )) ms" >&3
  [ "$(nt network inspect "$TN-big" | jq '.[0].Containers | length')" -eq 100 ]
  httpd_in m1
  [ "$(in_ns m100 curl -s -m 3 http://$SUBNET_PREFIX.2/)" = "hello-$TN" ]
  for i in $(seq 1 100); do nt network _detach "$TN-m$i"; done
  [ "$(nt network inspect "$TN-big" | jq '.[0].Containers | length')" -eq 0 ]
}

@test "tinydocker-nft carries the rules: libnftables' errors come through it, bad usage is refused" {
  nft_tool=$BUILD_DIR/tinydocker-nft
  net_create_random "$TN-n1"
  table=$(net_table)
  br=$(nt network inspect "$TN-n1" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  # the table the helper made, with the network's elements, as the host's nft sees it
  nft list set inet "$table" bridges | grep -qF "\"$br\""
  nft list set inet "$table" masq | grep -qF "$SUBNET_PREFIX.0/24"
  # by hand: what libnftables prints, and its error text with exit 1
  echo "list set inet $table bridges" | "$nft_tool" run | grep -qF "\"$br\""
  echo "list set inet $table bridges" | "$nft_tool" list-json | jq -e ".nftables[1].set.elem | index(\"$br\")"
  run "$nft_tool" run <<<"list table inet $table-none"
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == "Error: No such file or directory"* ]]
  # bad usage: one line naming the helper, exit 125, nothing run
  for args in "" "bogus" "run extra"; do
    run "$nft_tool" $args </dev/null
    echo "$args -> $status $output"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "tinydocker-nft: "* ]]
  done
  # through the engine: a failed transaction names libnftables' first error line
  nft flush chain inet "$table" postrouting
  nft delete set inet "$table" masq
  run nt network create --subnet "10.$((160 + RANDOM % 40)).$((RANDOM % 256)).0/24" "$TN-n2"
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"nftables: Error: "* ]]
  ! nt network inspect "$TN-n2" >/dev/null 2>&1 || false
}

@test "network cleanup removes bridges, veths and our nft table" {
  net_create_random "$TN-n"
  net_attach a --network "$TN-n" -p 80
  table=$(net_table)
  br=$(nt network inspect "$TN-n" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  ip link show "$br" >/dev/null
  run nt network cleanup
  [ "$status" -eq 0 ]
  [ -z "$(nt network ls -q)" ]
  ! ip link show "$br" 2>/dev/null || false
  ! nft list table inet "$table" 2>/dev/null || false
  ! in_ns a ip link show eth0 2>/dev/null || false
}

@test "cleanup --orphans removes what a deleted root left, and nothing else" {
  other=$(mktemp -d /tmp/td-orphan.XXXXXX)
  TINYDOCKER_ROOT=$other nt network create "$TN-orph" >/dev/null
  br=$(TINYDOCKER_ROOT=$other nt network inspect "$TN-orph" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  net_ns o
  TINYDOCKER_ROOT=$other nt network _attach --network "$TN-orph" "$TN-o" "/run/netns/$TN-o" >/dev/null
  net_create_random "$TN-mine"
  mine=$(nt network inspect "$TN-mine" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  rm -rf "$other"
  run nt network cleanup --orphans
  [ "$status" -eq 0 ]
  [[ "$output" == *"bridge $br"* ]]
  ! ip link show "$br" 2>/dev/null || false
  # the container's veth went with it, even though its netns is still alive
  [ "$(in_ns o ip -o link | grep -c eth0)" -eq 0 ]
  ip link show "$mine" >/dev/null
}

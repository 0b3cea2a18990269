#!/usr/bin/env bats
# The engine's side of networking: --network none|host|bridge|container:ID, published ports
# in inspect/ps/port, /etc/hosts, bad -p and unknown networks rejected before create.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "--network none: only lo, and it is up (docker's); host: the host's netns" {
  run td run --rm --network none busybox sh -c 'ls /sys/class/net'
  [ "$output" = lo ]
  # IFF_UP|IFF_LOOPBACK, as docker has it: 127.0.0.1 answers
  run td run --rm --network none busybox sh -c 'cat /sys/class/net/lo/flags; ping -c1 -W2 127.0.0.1 >/dev/null && echo answered'
  [ "${lines[0]}" = 0x9 ]
  [ "${lines[1]}" = answered ]
  id=$(td run -d --network host busybox sleep 30)
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  [ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/self/ns/net)" ]
}

@test "default bridge: an address, recorded in inspect; the hosts file names the container" {
  id=$(td run -d --name nb busybox httpd -f -p 80)
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' nb)
  [[ "$ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
  run td exec nb ip -4 addr show eth0
  [[ "$output" == *"inet $ip/"* ]]
  run td exec nb cat /etc/hosts
  [[ "$output" == *"$ip"*"${id:0:12}"* ]]
  # host to container (TCP to the container's httpd)
  sleep 0.3
  timeout 5 bash -c "echo > /dev/tcp/$ip/80"
}

@test "--network container:ID shares the other container's netns" {
  td run -d --name nc1 busybox sleep 30
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' nc1)
  run td run --rm --network container:nc1 busybox ip -4 addr show eth0
  [[ "$output" == *"inet $ip/"* ]]
}

@test "-p publishes: ps PORTS, inspect Ports, port" {
  td run -d --name np -p 127.0.0.1::80 -p 18089:8080/udp busybox sleep 30
  run td ps --format '{{.Ports}}'
  [[ "$output" == *"->80/tcp"* && "$output" == *"0.0.0.0:18089->8080/udp"* ]]
  run td port np
  [[ "$output" == *"8080/udp -> 0.0.0.0:18089"* ]]
  [ "$(td inspect np | jq -r '.[0].NetworkSettings.Ports["8080/udp"][0].HostPort')" = 18089 ]
}

@test "bad -p and unknown networks are refused before anything is created" {
  run td run -p 99999:80 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Invalid hostPort: 99999"* ]]
  run td run --network nosuchnet busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"nosuchnet"* ]]
  run td run --network container:nosuchctr busybox true
  [ "$status" -eq 125 ]
  [ "$(td_count)" -eq 0 ]
}

@test "rm -f releases the endpoint: veth, address claim, record" {
  id=$(td run -d busybox sleep 30)
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' "$id")
  nid=$(td network inspect bridge | jq -r '.[0].Id')
  br=$(td network inspect bridge | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  [ "$(ip -o link show master "$br" | wc -l)" -eq 1 ]
  [ -L "$TD_ROOT/networks/$nid/ips/$ip" ]
  [ "$(td network inspect bridge | jq '.[0].Containers | length')" -eq 1 ]
  td rm -f "$id"
  [ "$(ip -o link show master "$br" | wc -l)" -eq 0 ]
  [ ! -e "$TD_ROOT/networks/$nid/ips/$ip" ]
  [ "$(td network inspect bridge | jq '.[0].Containers | length')" -eq 0 ]
}

@test "-P publishes the image's ExposedPorts; inspect of a detached container shows them" {
  c=$(td create busybox true)
  td commit --change 'EXPOSE 80' --change 'EXPOSE 53/udp' "$c" exposed:p >/dev/null
  td rm "$c" >/dev/null
  id=$(td run -d -P exposed:p httpd -f -p 80 -h /etc)
  j=$(td inspect "$id")
  tport=$(echo "$j" | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort')
  uport=$(echo "$j" | jq -r '.[0].NetworkSettings.Ports["53/udp"][0].HostPort')
  ip=$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress')
  [ "$tport" -gt 0 ]
  [ "$uport" -gt 0 ]
  [ "$(echo "$j" | jq -r '.[0].NetworkSettings.IPAddress')" = "$ip" ]
  # the kernel's view: the address is the container's own (its /proc/PID/net) ...
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  grep -q "$ip" "/proc/$pid/net/fib_trie"
  # ... the nft map sends both host ports there, and the tcp one answers from 127.0.0.1
  nft list ruleset | grep -q "tcp . $tport : $ip . 80"
  nft list ruleset | grep -q "udp . $uport : $ip . 53"
  run td port "$id"
  [[ "$output" == *"80/tcp -> 0.0.0.0:$tport"* ]]
  [[ "$output" == *"53/udp -> 0.0.0.0:$uport"* ]]
  for i in $(seq 1 30); do
    out=$(curl -s -m 2 "http://127.0.0.1:$tport/hostname") && break
    sleep 0.1
  done
  [ "$out" = "${id:0:12}" ]
  # without -P nothing is published
  id2=$(td run -d exposed:p sleep 30)
  [ "$(td inspect "$id2" | jq '.[0].NetworkSettings.Ports | length')" -eq 0 ]
  td rm -f "$id" "$id2" >/dev/null
  ! nft list ruleset | grep -q ": $ip . 80" || false
  td rmi exposed:p >/dev/null
}

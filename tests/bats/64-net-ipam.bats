#!/usr/bin/env bats
# network create's IPAM flags as docker has them: --subnet, --gateway, --ip-range,
# --aux-address, --ipam-driver default; docker's CLI validation and errors; inspect's
# IPAM.Config; the allocator keeps to the ip-range and never hands out an aux address or the
# gateway (checked in each container's netns, the kernel's view).
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  td_engine_teardown
  local n
  for n in $(td network ls -q --filter name=ipam 2>/dev/null); do td network rm "$n" >/dev/null 2>&1 || true; done
}
teardown_file() { td_engine_teardown_file; }

# A free 10.x.y.0/24 of the 10.160-199 test range into $P (other tests may hold some).
ipam_net() { # NAME flags... (P.0/24 appended as --subnet, "@" in flags replaced by $P)
  local name=$1 i
  shift
  for i in $(seq 20); do
    P=10.$((160 + RANDOM % 40)).$((RANDOM % 256))
    if td network create --subnet "$P.0/24" "${@//@/$P}" "$name" >/dev/null 2>&1; then return 0; fi
  done
  return 1
}

# The container's eth0 address, as its netns has it.
ctr_ip() { # NAME
  local pid
  pid=$(td inspect -f '{{.State.Pid}}' "$1")
  nsenter -t "$pid" -n ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1
}

n_nets() { td network ls -q | wc -l; }

@test "--ip-range and --aux-address: every address in the range, never an aux one, then full" {
  ipam_net ipam1 --gateway @.1 --ip-range @.16/29 --aux-address a=@.17 --aux-address b=@.20
  # .16-.23: the aux .17 and .20 are out, so six addresses, then none
  local i ip seen=""
  for i in 1 2 3 4 5 6; do
    td run -d --name "c$i" --network ipam1 busybox sleep 100 >/dev/null
    ip=$(ctr_ip "c$i")
    local last=${ip##*.}
    [ "${ip%.*}" = "$P" ]
    [ "$last" -ge 16 ] && [ "$last" -le 23 ]
    [ "$last" -ne 17 ] && [ "$last" -ne 20 ]
    [[ " $seen " != *" $last "* ]]
    seen="$seen $last"
  done
  run td run -d --name c7 --network ipam1 busybox sleep 100
  [ "$status" -eq 125 ]
  [[ "$output" == *"no available IPv4 address"* ]]
  # --ip: an address outside the range but in the subnet is fine (docker's), an aux one is not
  run td run -d --name c8 --network ipam1 --ip "$P.100" busybox sleep 100
  [ "$status" -eq 0 ]
  [ "$(ctr_ip c8)" = "$P.100" ]
  run td run -d --name c9 --network ipam1 --ip "$P.17" busybox sleep 100
  [ "$status" -eq 125 ]
  [[ "$output" == *"already in use"* ]]
}

@test "inspect: IPAM.Config as docker prints it (Subnet, IPRange, Gateway, AuxiliaryAddresses)" {
  ipam_net ipam2 --ipam-driver default --gateway @.254 --ip-range @.128/25 --aux-address h1=@.9 --aux-address h2=@.10
  run td network inspect -f '{{json .IPAM}}' ipam2
  [ "$output" = "{\"Driver\":\"default\",\"Options\":{},\"Config\":[{\"Subnet\":\"$P.0/24\",\"IPRange\":\"$P.128/25\",\"Gateway\":\"$P.254\",\"AuxiliaryAddresses\":{\"h1\":\"$P.9\",\"h2\":\"$P.10\"}}]}" ]
  run td network inspect -f '{{range .IPAM.Config}}{{.Subnet}}|{{.IPRange}}|{{.Gateway}}|{{.AuxiliaryAddresses}}{{end}}' ipam2
  [ "$output" = "$P.0/24|$P.128/25|$P.254|map[h1:$P.9 h2:$P.10]" ]
  # the bridge has the gateway asked for
  br=$(td network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' ipam2)
  [[ "$(ip -4 -o addr show dev "$br")" == *"inet $P.254/24"* ]]
  # a subnet alone: no Gateway in Config (docker's), the first host is the bridge's all the same
  ipam_net ipam3
  run td network inspect -f '{{range .IPAM.Config}}[{{.Subnet}}][{{.Gateway}}][{{.IPRange}}]{{end}}' ipam3
  [ "$output" = "[$P.0/24][][]" ]
  td run -d --name g1 --network ipam3 busybox sleep 100 >/dev/null
  [ "$(ctr_ip g1)" = "$P.2" ]
  # --ip-range without --gateway: docker's IPAM picks the gateway from the range (its first
  # host address), and the first container gets the next one
  ipam_net ipam5 --ip-range @.64/26
  br=$(td network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' ipam5)
  [[ "$(ip -4 -o addr show dev "$br")" == *"inet $P.64/24"* ]]
  td run -d --name g2 --network ipam5 busybox sleep 100 >/dev/null
  [ "$(ctr_ip g2)" = "$P.65" ]
  pid=$(td inspect -f '{{.State.Pid}}' g2)
  [[ "$(nsenter -t "$pid" -n ip route show default)" == "default via $P.64 "* ]]
}

@test "bad input: docker's errors, exit 1, no network and no bridge made" {
  local before
  before=$(n_nets)
  bad() { # message flags...
    local msg=$1
    shift
    run td network create "$@" ipambad
    [ "$status" -eq 1 ] || { echo "status $status for $*: $output"; return 1; }
    [[ "$output" == *"$msg"* ]] || { echo "for $*: $output"; return 1; }
  }
  bad "no matching subnet for gateway 10.78.0.1" --subnet 10.77.0.0/16 --gateway 10.78.0.1
  bad "no matching subnet for range 10.78.0.0/24" --subnet 10.77.0.0/16 --ip-range 10.78.0.0/24
  bad "no matching subnet for aux-address 10.78.0.5" --subnet 10.77.0.0/16 --aux-address a=10.78.0.5
  bad "no matching subnet for aux-address bad" --subnet 10.77.0.0/16 --aux-address a=bad
  bad "no matching subnet for gateway bad" --subnet 10.77.0.0/16 --gateway bad
  bad "multiple overlapping subnet configuration is not supported" --subnet 10.77.0.0/16 --subnet 10.77.1.0/24
  bad "every ip-range or gateway must have a corresponding subnet" --subnet 10.77.0.0/16 --gateway 10.77.0.1 --gateway 10.77.0.2
  bad "every ip-range or gateway must have a corresponding subnet" --gateway 10.77.0.1
  bad "every ip-range or gateway must have a corresponding subnet" --ip-range 10.77.0.0/24
  bad "cannot configure multiple gateways (10.77.0.2, 10.77.0.1) for the same subnet (10.77.0.0/16)" \
    --subnet 10.77.0.0/16 --subnet 10.88.0.0/16 --gateway 10.77.0.1 --gateway 10.77.0.2
  bad "invalid CIDR" --subnet 10.77.0.0/40
  bad "invalid subnet: invalid CIDR address: 10.77.0.0/40" --subnet 10.77.0.0/40 --gateway 10.77.0.1
  bad "bridge driver doesn't support multiple subnets" --subnet 10.77.0.0/16 --subnet 10.88.0.0/16
  bad 'plugin "nosuch" not found' --subnet 10.77.0.0/16 --ipam-driver nosuch
  bad "ip-range 10.76.0.0/15 is not inside subnet" --subnet 10.76.0.0/16 --ip-range 10.76.0.0/15
  [ "$(n_nets)" -eq "$before" ]
  run td network inspect ipambad
  [ "$status" -eq 1 ]
}

@test "attack: an --aux-address on the gateway, the network or broadcast address, or twice, is refused" {
  local before
  before=$(n_nets)
  run td network create --subnet 10.77.0.0/24 --aux-address gw=10.77.0.1 ipambad
  [ "$status" -eq 1 ]
  [[ "$output" == *"failed to allocate secondary ip address (gw:10.77.0.1): Address already in use"* ]]
  run td network create --subnet 10.77.0.0/24 --gateway 10.77.0.50 --aux-address gw=10.77.0.50 ipambad
  [ "$status" -eq 1 ]
  [[ "$output" == *"(gw:10.77.0.50): Address already in use"* ]]
  run td network create --subnet 10.77.0.0/24 --aux-address n=10.77.0.0 ipambad
  [ "$status" -eq 1 ]
  run td network create --subnet 10.77.0.0/24 --aux-address b=10.77.0.255 ipambad
  [ "$status" -eq 1 ]
  run td network create --subnet 10.77.0.0/24 --aux-address a=10.77.0.9 --aux-address b=10.77.0.9 ipambad
  [ "$status" -eq 1 ]
  [[ "$output" == *"Address already in use"* ]]
  [ "$(n_nets)" -eq "$before" ]
}

@test "attack: a gateway inside the ip-range is never handed to a container, nor is it --ip's" {
  ipam_net ipam4 --gateway @.18 --ip-range @.16/30 --aux-address x=@.19
  # .16/30: .16 .17 .18 .19; .18 is the gateway and .19 reserved: .16 and .17 only
  # (.16 is a host address of the /24, not its network address)
  td run -d --name h1 --network ipam4 busybox sleep 100 >/dev/null
  td run -d --name h2 --network ipam4 busybox sleep 100 >/dev/null
  [ "$(printf '%s\n' "$(ctr_ip h1)" "$(ctr_ip h2)" | sort | tr '\n' ' ')" = "$P.16 $P.17 " ]
  run td run -d --name h3 --network ipam4 busybox sleep 100
  [ "$status" -eq 125 ]
  run td run -d --name h4 --network ipam4 --ip "$P.18" busybox sleep 100
  [ "$status" -eq 125 ]
  # the gateway answers from the host's bridge, not from a container
  run td exec h1 ping -c1 -W2 "$P.18"
  [ "$status" -eq 0 ]
}

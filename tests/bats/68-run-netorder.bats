#!/usr/bin/env bats
# docker 20.10's order in a container's own /etc/hosts lines: one line per network, in the order
# the container was attached (run --network A, then each network connect), whatever order the
# networks were created in; and the --network container:X joiner's HostsPath, ResolvConfPath
# and HostnamePath in inspect: empty until it is started, X's from then on (stopped too).
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  td_engine_teardown
  td network rm no1 no2 no3 >/dev/null 2>&1 || true
}
teardown_file() { td_engine_teardown_file; }

# the container's own lines of /etc/hosts (its short id), as the network names they belong to
own_lines() { # ctr
  local sid ip line out=""
  sid=$(td inspect -f '{{.Id}}' "$1")
  sid=${sid:0:12}
  while IFS=$'\t' read -r ip line; do
    [ "$line" = "$sid" ] || continue
    for n in no1 no2 no3; do
      [ "$(td inspect -f "{{with index .NetworkSettings.Networks \"$n\"}}{{.IPAddress}}{{end}}" "$1")" = "$ip" ] &&
        out="$out$n "
    done
  done < <(td exec "$1" cat /etc/hosts)
  echo "$out"
}

@test "/etc/hosts: the container's own lines follow the order it was attached, not the networks' creation order" {
  td network create no1 >/dev/null
  td network create no2 >/dev/null
  td network create no3 >/dev/null
  # created second, attached first (the networks' store lists them in an order of its own: each
  # direction is tried, so the test fails whatever that order is if the lines follow it)
  td run -d --name oa --network no2 busybox sleep 60 >/dev/null
  td network connect no1 oa
  [ "$(own_lines oa)" = "no2 no1 " ]
  td run -d --name ob --network no1 busybox sleep 60 >/dev/null
  td network connect no2 ob
  [ "$(own_lines ob)" = "no1 no2 " ]
  # a third, and a disconnect/connect moves a network to the end (a new attach)
  td network connect no3 oa
  [ "$(own_lines oa)" = "no2 no1 no3 " ]
  td network disconnect no2 oa
  td network connect no2 oa
  [ "$(own_lines oa)" = "no1 no3 no2 " ]
  # --add-host lines stay first, the peers (ob on no1 and no2) after the own lines
  td run -d --name oc --network no3 --add-host foo:1.2.3.4 busybox sleep 60 >/dev/null
  td network connect no2 oc
  td network connect no1 oc
  [ "$(own_lines oc)" = "no3 no2 no1 " ]
  sid=$(td inspect -f '{{.Id}}' oc)
  run td exec oc cat /etc/hosts
  [ "${lines[6]}" = $'1.2.3.4\tfoo' ]
  [[ "${lines[7]}" == *$'\t'"${sid:0:12}" ]]
  [[ "${lines[9]}" == *$'\t'"${sid:0:12}" ]]
  [[ "${lines[10]}" != *$'\t'"${sid:0:12}" ]]
}

paths() { td inspect -f '[{{.HostsPath}}] [{{.ResolvConfPath}}] [{{.HostnamePath}}]' "$1"; }

@test "inspect: --network container:X's HostsPath, ResolvConfPath and HostnamePath are empty until it starts, X's from then on" {
  xid=$(td run -d --name px busybox sleep 60)
  xd="$TD_ROOT/containers/$xid"
  td create --name pj --network container:px busybox sleep 60 >/dev/null
  [ "$(paths pj)" = "[] [] []" ]
  td start pj >/dev/null
  [ "$(paths pj)" = "[$xd/hosts] [$xd/resolv.conf] [$xd/hostname]" ]
  [ "$(paths px)" = "$(paths pj)" ]
  # the kernel's view is the same as before: X's files mounted (68-run-netctr.bats)
  grep -q " $xd/hosts /etc/hosts " "/proc/$(td inspect -f '{{.State.Pid}}' pj)/mountinfo"
  td stop -t 0 pj >/dev/null
  [ "$(paths pj)" = "[$xd/hosts] [$xd/resolv.conf] [$xd/hostname]" ]
  # run: X's at once
  td run -d --name pk --network container:px busybox sleep 60 >/dev/null
  [ "$(paths pk)" = "$(paths px)" ]
}

@test "inspect: any container's etc paths are empty until its first start (docker's), its own from a start that failed in the runtime on" {
  td create --name pc busybox sleep 60 >/dev/null
  [ "$(paths pc)" = "[] [] []" ]
  td create --name pn --network none busybox >/dev/null
  [ "$(paths pn)" = "[] [] []" ]
  id=$(td inspect -f '{{.Id}}' pc)
  td start pc >/dev/null
  d="$TD_ROOT/containers/$id"
  [ "$(paths pc)" = "[$d/hosts] [$d/resolv.conf] [$d/hostname]" ]
  # the files themselves are there from the create on (what a created container's cp sees)
  [ -f "$TD_ROOT/containers/$(td inspect -f '{{.Id}}' pn)/hosts" ]
  # docker sets them before its runtime runs: a start that fails there leaves them set
  run -127 td run --name pf busybox /nonexistent
  fid=$(td inspect -f '{{.Id}}' pf)
  [ "$(td inspect -f '{{.State.Status}}' pf)" = created ]
  [ "$(paths pf)" = "[$TD_ROOT/containers/$fid/hosts] [$TD_ROOT/containers/$fid/resolv.conf] [$TD_ROOT/containers/$fid/hostname]" ]
  # a network connect after the start writes the container's own hosts file
  td network create no1 >/dev/null
  td network connect no1 pc
  ip=$(td inspect -f '{{.NetworkSettings.Networks.no1.IPAddress}}' pc)
  grep -q "^$ip[[:space:]]" "$d/hosts"
}

@test "network connect before the start: kept in the record, attached by the start after the container's own network, in that order" {
  td network create no1 >/dev/null
  td network create no2 >/dev/null
  td network create no3 >/dev/null
  td create --name cb --network no2 busybox sleep 60 >/dev/null
  td network connect --alias cba no1 cb
  td network connect no3 cb
  # a second connect changes nothing (docker's); a network that does not exist is refused
  td network connect no1 cb
  run td network connect nonet cb
  [ "$status" -ne 0 ]
  [[ "$output" == *"network nonet not found"* ]]
  # docker adds the short id to the aliases at the connect already
  sid=$(td inspect -f '{{.Id}}' cb)
  [ "$(td inspect -f '{{json .NetworkSettings.Networks.no1.Aliases}} [{{.NetworkSettings.Networks.no1.IPAddress}}]' cb)" = "[\"cba\",\"${sid:0:12}\"] []" ]
  # disconnected before the start: gone from the record
  td network disconnect no3 cb
  [ "$(td inspect -f '{{with index .NetworkSettings.Networks "no3"}}on{{end}}' cb)" = "" ]
  td start cb >/dev/null
  [ "$(own_lines cb)" = "no2 no1 " ]
  # the kernel's view: an address of each network in the container's netns
  pid=$(td inspect -f '{{.State.Pid}}' cb)
  for n in no1 no2; do
    ip=$(td inspect -f "{{with index .NetworkSettings.Networks \"$n\"}}{{.IPAddress}}{{end}}" cb)
    [ -n "$ip" ]
    grep -q "$ip" "/proc/$pid/net/fib_trie"
  done
  td inspect -f '{{json .NetworkSettings.Networks.no1.Aliases}}' cb | jq -e 'index("cba") != null'
  [ "$(td inspect -f '{{with index .NetworkSettings.Networks "no3"}}on{{end}}' cb)" = "" ]
  # kept through a stop: the next start attaches both again
  td stop -t 0 cb >/dev/null
  td start cb >/dev/null
  [ "$(own_lines cb)" = "no2 no1 " ]
  # connected while running: kept through a stop too; disconnected while running: gone
  td run -d --name cr --network no3 busybox sleep 60 >/dev/null
  td network connect no1 cr
  td network connect no2 cr
  td network disconnect no1 cr
  td stop -t 0 cr >/dev/null
  [ "$(td inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' cr)" = "no2 no3 " ]
  td start cr >/dev/null
  [ "$(own_lines cr)" = "no3 no2 " ]
}

nets_json() { td inspect "$1" | jq -c '.[0].NetworkSettings.Networks'; }
# docker's empty endpoint (a created container's own network), Aliases as given
empty_ep() { # aliases-json
  printf '{"IPAMConfig":null,"Links":null,"Aliases":%s,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null}' "$1"
}

@test "inspect: a created container lists its own network beside those connected before the start, sorted by name (docker's)" {
  td network create no1 >/dev/null
  td network create no2 >/dev/null
  # the default bridge, and a network connected before the start
  td create --name cd busybox sleep 60 >/dev/null
  [ "$(nets_json cd | jq -c .bridge)" = "$(empty_ep null)" ]
  td network connect no1 cd
  [ "$(nets_json cd | jq -c keys_unsorted)" = '["bridge","no1"]' ]
  [ "$(nets_json cd | jq -c .bridge)" = "$(empty_ep null)" ]
  # --network no2 with an alias: its own entry keeps the alias as given (no short id before the
  # start); a connect before the start gets the short id, as docker's
  cid=$(td create --name ce --network no2 --network-alias a busybox sleep 60)
  sid=${cid:0:12}
  [ "$(nets_json ce | jq -c .no2)" = "$(empty_ep '["a"]')" ]
  td network connect --alias b no1 ce
  [ "$(nets_json ce | jq -c keys_unsorted)" = '["no1","no2"]' ]
  [ "$(nets_json ce | jq -c .no2)" = "$(empty_ep '["a"]')" ]
  [ "$(nets_json ce | jq -c .no1.Aliases)" = "[\"b\",\"$sid\"]" ]
  # started: both attached (the kernel's view), the keys still sorted, the short id on both
  td start ce >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' ce)
  for n in no1 no2; do
    ip=$(nets_json ce | jq -r ".$n.IPAddress")
    [ -n "$ip" ]
    grep -q "$ip" "/proc/$pid/net/fib_trie"
    nets_json ce | jq -e ".$n.Aliases | index(\"$sid\") != null"
  done
  [ "$(nets_json ce | jq -c keys_unsorted)" = '["no1","no2"]' ]
  # stopped: the networks it was on, no addresses, the aliases kept (short id too)
  td stop -t 0 ce >/dev/null
  [ "$(nets_json ce | jq -c 'keys_unsorted, .no2.IPAddress, .no1.Aliases')" = "$(printf '%s\n' '["no1","no2"]' '""' "[\"b\",\"$sid\"]")" ]
  # a container connected while it ran lists its networks sorted too
  td run -d --name cf --network no2 busybox sleep 60 >/dev/null
  td network connect no1 cf
  [ "$(nets_json cf | jq -c keys_unsorted)" = '["no1","no2"]' ]
}

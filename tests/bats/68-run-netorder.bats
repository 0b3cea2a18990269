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

#!/usr/bin/env bats
# docker 20.10's small network gaps: --network container:X's refusals (the daemon's words, exit
# 125, nothing created) and X's own hosts, resolv.conf and hostname files shared with the joiner
# (an update of X's is seen; a symlink X plants is never followed to the host), the CLI's
# refusal of --network-alias/--link on a network that is not user-defined (and the alias
# dropped on the default bridge), Go templates on a missing map key, the {{json .}} of images,
# ps, network ls and volume ls, and run --help's table.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  td_engine_teardown
  td network rm nc1 nc2 >/dev/null 2>&1 || true
}
teardown_file() { td_engine_teardown_file; }

ctr_pid() { td inspect -f '{{.State.Pid}}' "$1"; }

daemon_err() { # msg: run's wording of a daemon refusal
  printf "tinydocker: Error response from daemon: %s.\nSee 'tinydocker run --help'." "$1"
}

@test "--network container:X refuses the options of a shared network namespace, as dockerd" {
  td run -d --name nx busybox sleep 30
  n=$(td_count)
  local -a cases=(
    "--dns 1.1.1.1|dns and the network mode"
    "--add-host a:1.2.3.4|custom host-to-IP mapping and the network mode"
    "--mac-address 02:42:ac:11:00:09|mac-address and the network mode"
    "-h foo|hostname and the network mode"
    "--hostname foo|hostname and the network mode"
    "--expose 80|port exposing and the container type network mode"
    "-p 80|port publishing and the container type network mode"
    "-P|port publishing and the container type network mode"
    "--dns 1.1.1.1 --add-host a:1.2.3.4 -h foo|hostname and the network mode"
    "--add-host a:1.2.3.4 --dns 1.1.1.1|dns and the network mode"
  )
  for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    run td run --rm --network container:nx ${c%%|*} busybox true
    echo "$c => $status $output"
    [ "$status" -eq 125 ]
    [ "$output" = "$(daemon_err "conflicting options: ${c#*|}")" ]
  done
  # create: the daemon's answer as it is, exit 1
  run td create --network container:nx --dns 1.1.1.1 busybox true
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: conflicting options: dns and the network mode" ]
  # --mac-address with --network host too
  run td run --rm --network host --mac-address 02:42:ac:11:00:09 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "$(daemon_err "conflicting options: mac-address and the network mode")" ]
  [ "$(td_count)" -eq "$n" ]
  # docker accepts --dns-search and --dns-option (X's resolv.conf is what the joiner sees)
  run td run --rm --network container:nx --dns-search a.example --dns-option ndots:3 busybox \
    cat /etc/resolv.conf
  [ "$status" -eq 0 ]
  [ "$output" = "$(td exec nx cat /etc/resolv.conf)" ]
}

@test "the CLI refuses --network-alias and --link on a network that is not user-defined" {
  td run -d --name lx busybox sleep 30
  n=$(td_count)
  for net in bridge default host none container:lx; do
    run td run --rm --network "$net" --network-alias al busybox true
    [ "$status" -eq 125 ]
    [ "$output" = "tinydocker: network-scoped aliases are only supported for user-defined networks."$'\n'"See 'tinydocker run --help'." ]
    run td run --rm --network "$net" --link lx:y busybox true
    [ "$status" -eq 125 ]
    [ "$output" = "tinydocker: links are only supported for user-defined networks."$'\n'"See 'tinydocker run --help'." ]
  done
  [ "$(td_count)" -eq "$n" ]
}

@test "--network-alias with no --network: accepted, dropped on the default bridge (Aliases null)" {
  td run -d --name al1 --network-alias al busybox sleep 30
  [ "$(td inspect -f '{{json .NetworkSettings.Networks.bridge.Aliases}}' al1)" = null ]
  # a user network keeps it
  td network create nc1 >/dev/null
  td run -d --name al2 --network nc1 --network-alias al busybox sleep 30
  [ "$(td inspect -f '{{json .NetworkSettings.Networks.nc1.Aliases}}' al2)" != null ]
  td inspect -f '{{json .NetworkSettings.Networks.nc1.Aliases}}' al2 | jq -e 'index("al") != null'
}

@test "--network container:X: the joiner's /etc/hosts, resolv.conf and hostname are X's own files" {
  td network create nc1 >/dev/null
  td network create nc2 >/dev/null
  xid=$(td run -d --name hx --network nc1 --add-host foo:1.2.3.4 --dns 9.9.9.9 busybox sleep 30)
  td run -d --name hy --network container:hx busybox sleep 30
  for f in hosts resolv.conf hostname; do
    [ "$(td exec hy cat /etc/$f)" = "$(td exec hx cat /etc/$f)" ]
    # the kernel's view: the joiner's mount is X's file in X's directory
    grep -q " $TD_ROOT/containers/$xid/$f /etc/$f " "/proc/$(ctr_pid hy)/mountinfo"
  done
  td exec hy grep -q '^1.2.3.4[[:space:]]foo$' /etc/hosts
  [ "$(td exec hy cat /etc/resolv.conf)" = "nameserver 9.9.9.9" ]
  # inspect: X's paths, as docker's
  [ "$(td inspect -f '{{.HostsPath}} {{.ResolvConfPath}} {{.HostnamePath}}' hy)" = \
    "$(td inspect -f '{{.HostsPath}} {{.ResolvConfPath}} {{.HostnamePath}}' hx)" ]
  # an update of X's file (network connect) is seen by the joiner
  td network connect nc2 hx
  ip2=$(td inspect -f '{{.NetworkSettings.Networks.nc2.IPAddress}}' hx)
  [ -n "$ip2" ]
  td exec hx grep -q "^$ip2[[:space:]]" /etc/hosts
  td exec hy grep -q "^$ip2[[:space:]]" /etc/hosts
  # as docker's: the connect adds a line and keeps the rest (--add-host, the first network's)
  ip1=$(td inspect -f '{{.NetworkSettings.Networks.nc1.IPAddress}}' hx)
  td exec hy grep -q '^1.2.3.4[[:space:]]foo$' /etc/hosts
  td exec hy grep -q "^$ip1[[:space:]]${xid:0:12}\$" /etc/hosts
  td exec hy grep -q "^$ip2[[:space:]]${xid:0:12}\$" /etc/hosts
}

@test "attack: X replaces its /etc/hosts with a symlink to a host file; the joiner never reaches it" {
  secret="$TEST_TMP/host-secret"
  echo "host secret" >"$secret"
  xid=$(td run -d --name sx --privileged busybox sleep 30)
  # X drops the engine's bind and plants symlinks to the host file (a path the host also has)
  td exec sx sh -c "for f in hosts resolv.conf hostname; do umount /etc/\$f && mv /etc/\$f /etc/\$f.old && ln -s $secret /etc/\$f; done"
  [ "$(td exec sx readlink /etc/hosts)" = "$secret" ]
  td run -d --name sy --network container:sx busybox sleep 30
  for f in hosts resolv.conf hostname; do
    run td exec sy cat /etc/$f
    [ "$status" -eq 0 ]
    [[ "$output" != *"host secret"* ]]
    [ "$output" = "$(cat "$TD_ROOT/containers/$xid/$f")" ]
    grep -q " $TD_ROOT/containers/$xid/$f /etc/$f " "/proc/$(ctr_pid sy)/mountinfo"
  done
  td exec sy sh -c 'echo owned >>/etc/hosts'
  [ "$(cat "$secret")" = "host secret" ]
  # a symlink in X's directory on the host (never a container's doing) is refused, not followed
  td stop -t 0 sy >/dev/null
  mv "$TD_ROOT/containers/$xid/hosts" "$TEST_TMP/x-hosts"
  ln -s "$secret" "$TD_ROOT/containers/$xid/hosts"
  run td start sy
  mv -f "$TEST_TMP/x-hosts" "$TD_ROOT/containers/$xid/hosts"
  [ "$status" -ne 0 ]
  [[ "$output" == *"its hosts"* ]]
  [ "$(cat "$secret")" = "host secret" ]
}

@test "templates: a missing key of an all-string struct errors (docker's raw fallback); a string map gives no value" {
  td network create --subnet 10.99.31.0/24 --gateway 10.99.31.1 nc1 >/dev/null
  run td network inspect -f '{{range .IPAM.Config}}[{{.AuxiliaryAddresses}}]{{end}}' nc1
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = 'template parsing error: template: :1:25: executing "" at <.AuxiliaryAddresses>: map has no entry for key "AuxiliaryAddresses"' ]
  # typed map[string]string: labels, GraphDriver.Data, a network's options
  td create --name tm --label a=b busybox >/dev/null
  [ "$(td inspect -f '[{{.Config.Labels.a}}][{{.Config.Labels.nope}}]' tm)" = '[b][<no value>]' ]
  [ "$(td inspect -f '[{{.GraphDriver.Data.Nope}}]' tm)" = '[<no value>]' ]
  [ "$(td network inspect -f '[{{.Options.Nope}}]' nc1)" = '[<no value>]' ]
  # docker's two passes: the typed one (a field the JSON omits has its zero value), and when it
  # fails, the raw JSON with missingkey=error, whose error is the one printed
  td network create --subnet 10.99.32.0/24 nc2 >/dev/null
  [ "$(td network inspect -f '{{range .IPAM.Config}}[{{.Gateway}}]{{end}}' nc2)" = '[]' ]
  run td network inspect -f '{{range .IPAM.Config}}{{.Gateway}} {{.Nope}}{{end}}' nc2
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = 'template parsing error: template: :1:24: executing "" at <.Gateway>: map has no entry for key "Gateway"' ]
  td run -d --name th busybox sleep 30 >/dev/null
  run td inspect -f '{{.State.Health.Status}}' th
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = 'template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"' ]
  [ "$(td inspect -f '{{json .State.Health}}' th)" = null ]
}

@test "{{json .}} of images, ps, network ls and volume ls: docker 20.10's keys and value formats" {
  gotime='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4} [A-Za-z+0-9-]+$'
  run td images --format '{{json .}}' busybox
  [ "$status" -eq 0 ]
  [ "$(jq -c keys <<<"$output")" = '["Containers","CreatedAt","CreatedSince","Digest","ID","Repository","SharedSize","Size","Tag","UniqueSize","VirtualSize"]' ]
  [[ "$(jq -r .CreatedAt <<<"$output")" =~ $gotime ]]
  # json.Marshal's HTML escapes in {{json .}} (the context's MarshalJSON), none in {{json .Digest}}
  [[ "$output" == *'"Digest":"\u003cnone\u003e"'* ]]
  [ "$(td images --format '{{json .Digest}}' busybox)" = '"<none>"' ]
  # VirtualSize with 4 significant digits (units.HumanSize), Size with 3
  [[ "$(jq -r .VirtualSize <<<"$output")" =~ ^[0-9]\.[0-9]{3}MB$ ]]
  [[ "$(jq -r .Size <<<"$output")" =~ ^[0-9]\.[0-9]{2}MB$ ]]
  [ "$(td images --format '{{.CreatedAt}}' busybox)" = "$(jq -r .CreatedAt <<<"$output")" ]
  td run -d --name pj busybox sleep 30 >/dev/null
  td run -d --name pk --network container:pj busybox sleep 30 >/dev/null
  run td ps --filter name=pj --format '{{json .}}'
  [ "$(jq -c keys <<<"$output")" = '["Command","CreatedAt","ID","Image","Labels","LocalVolumes","Mounts","Names","Networks","Ports","RunningFor","Size","State","Status"]' ]
  [[ "$(jq -r .CreatedAt <<<"$output")" =~ $gotime ]]
  # sizes as docker's when the template reads them ({{json .}} reads every field): RW (virtual
  # RW + the image's layers)
  [[ "$(jq -r .Size <<<"$output")" =~ ^[0-9.]+[kMG]?B\ \(virtual\ [0-9.]+[kMG]?B\)$ ]]
  [ "$(td ps --filter name=pj --format '{{.Size}}')" = "$(jq -r .Size <<<"$output")" ]
  [[ "$(td ps -s --filter name=pj | tail -1)" == *" (virtual "* ]]
  # Mounts and LocalVolumes: the volume's name (or a bind's source), the local driver's count
  td run -d --name pm -v ncmv:/nv -v /tmp:/hostt busybox sleep 30 >/dev/null
  [ "$(td ps --filter name=pm --format '{{json .Mounts}} {{json .LocalVolumes}}')" = '"ncmv,/tmp" "1"' ]
  td rm -f pm >/dev/null
  td volume rm ncmv >/dev/null
  # a container:X joiner lists no networks of its own
  [ "$(td ps --filter name=pk --format '[{{.Networks}}]')" = '[]' ]
  td network create nc1 >/dev/null
  run td network ls --filter name=nc1 --format '{{json .}}'
  [ "$(jq -c keys <<<"$output")" = '["CreatedAt","Driver","ID","IPv6","Internal","Labels","Name","Scope"]' ]
  # the stored time has nanoseconds (docker's), printed as Go's time.String in UTC
  [[ "$(td network inspect -f '{{json .Created}}' nc1)" =~ ^\"[0-9-]{10}T[0-9:]{8}\.[0-9]+Z\"$ ]]
  [[ "$(jq -r .CreatedAt <<<"$output")" =~ ^[0-9-]{10}\ [0-9:]{8}(\.[0-9]+)?\ \+0000\ UTC$ ]]
  td volume create ncv >/dev/null
  run td volume ls --filter name=ncv --format '{{json .}}'
  [ "$(jq -c keys <<<"$output")" = '["Driver","Labels","Links","Mountpoint","Name","Scope","Size"]' ]
  td volume rm ncv >/dev/null
}

@test "run --help: pflag's table (one description column 3 after the longest flag, wrapped at 79) and its man page" {
  run td run --help </dev/null
  [ "$status" -eq 0 ]
  # the longest flag's line: docker's exact layout
  grep -qxF '      --health-start-period duration   Start period for the container to' <<<"$output"
  grep -qxF '                                       initialize before starting' <<<"$output"
  # every flag's description and every continuation at column 39, no line over 79 columns
  cols=$(awk '/^  (-[a-zA-Z], |    )--[a-z]/ { match($0, /^  (-[a-zA-Z], |    )--[a-z0-9-]+( [a-z0-9.-]+)? +/); print RLENGTH } /^ {20,}[^ ]/ { match($0, /^ +/); print RLENGTH }' <<<"$output" | sort -u)
  [ "$cols" = 39 ]
  [ "$(awk 'length($0) > 79' <<<"$output")" = "" ]
  # the man page (made from --help) has the flag as an entry of its own
  page="$BUILD_DIR/man/pages/tinydocker-run.1"
  if [ -f "$page" ]; then
    grep -qF '\fB\-\-health\-start\-period\fR \fIduration\fR' "$page"
    ! grep -q 'report unhealthy \\-\\-health' "$page"
    # a wrapped line that starts with --x is no flag of its own
    ! grep -qxF '\fB\-\-cpu\-share)\fR' "$page"
  fi
}

@test "volume ls --filter label=K[=V] and driver=: only the volumes that match (an anonymous one no longer slips in)" {
  td volume create --label a=b ncl1 >/dev/null
  td volume create ncl2 >/dev/null
  [ "$(td volume ls -q --filter label=a=b)" = ncl1 ]
  [ "$(td volume ls -q --filter label=a)" = ncl1 ]
  [ "$(td volume ls -q --filter label=a=c)" = "" ]
  [ "$(td volume ls -q --filter driver=nfs)" = "" ]
  [ "$(td volume ls -q --filter driver=local --filter name=ncl | sort | tr '\n' ' ')" = "ncl1 ncl2 " ]
  td volume rm ncl1 ncl2 >/dev/null
}

@test "--network container:X with X not running: create accepted, start refused with docker's words, then joins X once X runs" {
  xid=$(td create --name nx -h xh busybox sleep 60)
  # create: accepted (docker finds it at the start)
  yid=$(td create --name ny --network container:nx busybox sleep 60)
  [ "$(td inspect -f '{{.State.Status}} {{.HostConfig.NetworkMode}}' ny)" = "created container:$xid" ]
  run td start ny
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: cannot join network of a non running container: $xid"$'\n'"Error: failed to start containers: ny" ]
  [ "$(td inspect -f '{{.State.Status}}' ny)" = created ]
  # run: the container is created, its start refused (no help line, exit 125); --rm removes it
  n=$(td_count)
  run td run --name nz --network container:nx busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: Error response from daemon: cannot join network of a non running container: $xid." ]
  [ "$(td inspect -f '{{.State.Status}}' nz)" = created ]
  [ "$(td_count)" -eq $((n + 1)) ]
  run td run --rm --network container:nx busybox true
  [ "$status" -eq 125 ]
  [ "$(td_count)" -eq $((n + 1)) ]
  # X runs: the start joins X's network namespace (the kernel's view) and takes X's files
  td start nx >/dev/null
  td start ny >/dev/null
  [ "$(readlink "/proc/$(ctr_pid ny)/ns/net")" = "$(readlink "/proc/$(ctr_pid nx)/ns/net")" ]
  [ "$(td exec ny hostname)" = xh ]
  grep -q " $TD_ROOT/containers/$xid/hosts /etc/hosts " "/proc/$(ctr_pid ny)/mountinfo"
  [ -n "$yid" ]
}

@test "attack: a joiner created while X was stopped: X's files and the host's netns are checked at its start" {
  secret="$TEST_TMP/host-secret"
  echo "host secret" >"$secret"
  xid=$(td create --name sx busybox sleep 60)
  td create --name sy --network container:sx busybox cat /etc/resolv.conf >/dev/null
  # a symlink in X's directory (X not running): the start refuses it, never reads through it
  td start sx >/dev/null
  mv "$TD_ROOT/containers/$xid/resolv.conf" "$TEST_TMP/x-resolv"
  ln -s "$secret" "$TD_ROOT/containers/$xid/resolv.conf"
  run td start -a sy
  mv -f "$TEST_TMP/x-resolv" "$TD_ROOT/containers/$xid/resolv.conf"
  [ "$status" -ne 0 ]
  [[ "$output" != *"host secret"* ]]
  [[ "$output" == *"its resolv.conf"* ]]
  # X runs in the host's network namespace: a net.* sysctl of the joiner (created while X was
  # stopped, so not checked then) is refused at the start, the host's value untouched (set to
  # the value it has: nothing changes even if it were applied)
  v=$(cat /proc/sys/net/ipv4/tcp_syncookies)
  td create --name hx --network host busybox sleep 60 >/dev/null
  td create --name hy --network container:hx --sysctl "net.ipv4.tcp_syncookies=$v" busybox true >/dev/null
  td start hx >/dev/null
  run td start hy
  [ "$status" -eq 1 ]
  [[ "$output" == *'sysctl "net.ipv4.tcp_syncookies" not allowed in host network namespace'* ]]
  [ "$(td inspect -f '{{.State.Status}}' hy)" = created ]
  [ "$(cat /proc/sys/net/ipv4/tcp_syncookies)" = "$v" ]
}

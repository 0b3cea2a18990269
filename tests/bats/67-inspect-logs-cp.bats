#!/usr/bin/env bats
# docker 20.10's inspect (keys, order, values, --type, -s), the logs of restarted and rotated
# containers, images --digests and history -H=false, and cp's tar streams (cp CTR:path -,
# cp - CTR:dir) with their attacks: every entry beneath the container's root.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# docker 20.10's HostConfig keys for `docker run busybox`, in its order
HC_KEYS='["Binds","ContainerIDFile","LogConfig","NetworkMode","PortBindings","RestartPolicy","AutoRemove","VolumeDriver","VolumesFrom","CapAdd","CapDrop","CgroupnsMode","Dns","DnsOptions","DnsSearch","ExtraHosts","GroupAdd","IpcMode","Cgroup","Links","OomScoreAdj","PidMode","Privileged","PublishAllPorts","ReadonlyRootfs","SecurityOpt","UTSMode","UsernsMode","ShmSize","Runtime","ConsoleSize","Isolation","CpuShares","Memory","NanoCpus","CgroupParent","BlkioWeight","BlkioWeightDevice","BlkioDeviceReadBps","BlkioDeviceWriteBps","BlkioDeviceReadIOps","BlkioDeviceWriteIOps","CpuPeriod","CpuQuota","CpuRealtimePeriod","CpuRealtimeRuntime","CpusetCpus","CpusetMems","Devices","DeviceCgroupRules","DeviceRequests","KernelMemory","KernelMemoryTCP","MemoryReservation","MemorySwap","MemorySwappiness","OomKillDisable","PidsLimit","Ulimits","CpuCount","CpuPercent","IOMaximumIOps","IOMaximumBandwidth","MaskedPaths","ReadonlyPaths"]'
TOP_KEYS='["Id","Created","Path","Args","State","Image","ResolvConfPath","HostnamePath","HostsPath","LogPath","Name","RestartCount","Driver","Platform","MountLabel","ProcessLabel","AppArmorProfile","ExecIDs","HostConfig","GraphDriver","Mounts","Config","NetworkSettings"]'
NS_KEYS='["Bridge","SandboxID","HairpinMode","LinkLocalIPv6Address","LinkLocalIPv6PrefixLen","Ports","SandboxKey","SecondaryIPAddresses","SecondaryIPv6Addresses","EndpointID","Gateway","GlobalIPv6Address","GlobalIPv6PrefixLen","IPAddress","IPPrefixLen","IPv6Gateway","MacAddress","Networks"]'
EP_KEYS='["IPAMConfig","Links","Aliases","NetworkID","EndpointID","Gateway","IPAddress","IPPrefixLen","IPv6Gateway","GlobalIPv6Address","GlobalIPv6PrefixLen","MacAddress","DriverOpts"]'
CFG_KEYS='["Hostname","Domainname","User","AttachStdin","AttachStdout","AttachStderr","Tty","OpenStdin","StdinOnce","Env","Cmd","Image","Volumes","WorkingDir","Entrypoint","OnBuild","Labels"]'

@test "inspect: docker's keys in docker's order, with docker's zero values" {
  id=$(td run -d --name k1 busybox sleep 30)
  doc=$(td inspect k1)
  [ "$(jq -c '.[0] | keys_unsorted' <<<"$doc")" = "$TOP_KEYS" ]
  [ "$(jq -c '.[0].HostConfig | keys_unsorted' <<<"$doc")" = "$HC_KEYS" ]
  [ "$(jq -c '.[0].NetworkSettings | keys_unsorted' <<<"$doc")" = "$NS_KEYS" ]
  [ "$(jq -c '.[0].NetworkSettings.Networks.bridge | keys_unsorted' <<<"$doc")" = "$EP_KEYS" ]
  [ "$(jq -c '.[0].Config | keys_unsorted' <<<"$doc")" = "$CFG_KEYS" ]
  # {{json .Config}} keeps that order
  [ "$(td inspect -f '{{json .Config}}' k1 | jq -c 'keys_unsorted')" = "$CFG_KEYS" ]
  [ "$(jq -c '.[0].HostConfig | [.NetworkMode, .Binds, .CapAdd, .CapDrop, .ExtraHosts, .Dns, .DnsOptions, .DnsSearch, .PortBindings, .RestartPolicy, .IpcMode, .ConsoleSize, .Ulimits, .SecurityOpt, .VolumesFrom, .Links, .GroupAdd, .OomScoreAdj, .PidMode, .UsernsMode]' <<<"$doc")" = \
    '["default",null,null,null,null,[],[],[],{},{"Name":"no","MaximumRetryCount":0},"private",[0,0],null,null,null,null,null,0,"",""]' ]
  [ "$(jq -c '.[0] | [.ExecIDs, .MountLabel, .GraphDriver.Name, (.GraphDriver.Data | keys_unsorted)]' <<<"$doc")" = \
    '[null,"","overlay",["LowerDir","MergedDir","UpperDir","WorkDir"]]' ]
  # GraphDriver names the container's overlay as the kernel has it mounted
  merged=$(jq -r '.[0].GraphDriver.Data.MergedDir' <<<"$doc")
  upper=$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$doc")
  findmnt -rn -o FSTYPE,OPTIONS "$merged" | grep -q "^overlay .*upperdir=$upper"
  # MaskedPaths are what the container's /proc really hides
  pid=$(jq -r '.[0].State.Pid' <<<"$doc")
  jq -r '.[0].HostConfig.MaskedPaths[]' <<<"$doc" | grep -qx /proc/keys
  awk '{print $5}' /proc/$pid/mountinfo | grep -qx /proc/keys
  jq -r '.[0].HostConfig.ReadonlyPaths[]' <<<"$doc" | grep -qx /proc/sys
  awk '$5 == "/proc/sys" {print $6}' /proc/$pid/mountinfo | grep -q '^ro\b\|^ro,' 
}

@test "inspect: Config.Env holds the image's and the user's environment, not HOSTNAME/HOME" {
  td run -d --name e1 -e A=b -e PATH=/bin busybox sleep 30 >/dev/null
  [ "$(td inspect -f '{{json .Config.Env}}' e1)" = '["A=b","PATH=/bin"]' ]
  td run -d --name e2 -e A=b busybox sleep 30 >/dev/null
  [ "$(td inspect -f '{{json .Config.Env}}' e2)" = '["A=b","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
  # the process still has them
  pid=$(td inspect -f '{{.State.Pid}}' e2)
  tr '\0' '\n' </proc/$pid/environ | grep -qx "HOSTNAME=$(td inspect -f '{{.Config.Hostname}}' e2)"
  tr '\0' '\n' </proc/$pid/environ | grep -qx 'HOME=/root'
}

@test "inspect: the flags' HostConfig values as docker's" {
  td run -d --name f1 --cpus 1.5 --dns 10.0.0.53 --dns-search ex.com --add-host a:1.2.3.4 \
    -p 127.0.0.1:18467:80 -p 90/udp --restart on-failure:3 -v /tmp:/mnt:ro --ulimit nofile=10:20 \
    --cap-add NET_ADMIN busybox sleep 30 >/dev/null
  run td inspect -f '{{json .HostConfig.PortBindings}}|{{json .HostConfig.ExtraHosts}}|{{json .HostConfig.Dns}}|{{json .HostConfig.DnsSearch}}|{{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}}|{{json .HostConfig.RestartPolicy}}|{{json .HostConfig.Binds}}|{{json .HostConfig.Ulimits}}|{{json .HostConfig.CapAdd}}' f1
  [ "$output" = '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18467"}],"90/udp":[{"HostIp":"","HostPort":""}]}|["a:1.2.3.4"]|["10.0.0.53"]|["ex.com"]|1500000000 0 0|{"Name":"on-failure","MaximumRetryCount":3}|["/tmp:/mnt:ro"]|[{"Name":"nofile","Hard":20,"Soft":10}]|["NET_ADMIN"]' ]
  [ "$(td inspect -f '{{json .Mounts}}' f1)" = '[{"Type":"bind","Source":"/tmp","Destination":"/mnt","Mode":"ro","RW":false,"Propagation":"rprivate"}]' ]
  # --cpus still limits the cgroup (NanoCpus carries it)
  pid=$(td inspect -f '{{.State.Pid}}' f1)
  cg=$(awk -F: '$2 ~ /cpu,|cpu$|^$/ {print $3; exit}' /proc/$pid/cgroup)
  q=$(cat /sys/fs/cgroup/cpu"$cg"/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup"$cg"/cpu.max)
  [ "$q" = 150000 ]
  td create --name f2 --network host --init busybox true >/dev/null
  [ "$(td inspect -f '{{.HostConfig.NetworkMode}} {{.HostConfig.Init}}' f2)" = "host true" ]
}

@test "inspect: the sandbox and endpoints name the container's own network namespace" {
  td network create ins-net >/dev/null
  td run -d --name s1 --network ins-net --network-alias web busybox sleep 30 >/dev/null
  doc=$(td inspect s1)
  pid=$(jq -r '.[0].State.Pid' <<<"$doc")
  key=$(jq -r '.[0].NetworkSettings.SandboxKey' <<<"$doc")
  [ "$(readlink "$key")" = "$(readlink /proc/$pid/ns/net)" ]
  [ "$(readlink "$key")" != "$(readlink /proc/self/ns/net)" ]
  [[ "$(jq -r '.[0].NetworkSettings.SandboxID' <<<"$doc")" =~ ^[0-9a-f]{64}$ ]]
  [[ "$(jq -r '.[0].NetworkSettings.Networks["ins-net"].EndpointID' <<<"$doc")" =~ ^[0-9a-f]{64}$ ]]
  id=$(jq -r '.[0].Id' <<<"$doc")
  [ "$(jq -c '.[0].NetworkSettings.Networks["ins-net"].Aliases' <<<"$doc")" = "[\"web\",\"${id:0:12}\"]" ]
  # stable while it runs
  [ "$(td inspect -f '{{.NetworkSettings.SandboxID}}' s1)" = "$(jq -r '.[0].NetworkSettings.SandboxID' <<<"$doc")" ]
  td stop -t 0 s1 >/dev/null
  [ "$(td inspect -f '{{.NetworkSettings.SandboxKey}}|{{.NetworkSettings.SandboxID}}' s1)" = "|" ]
  td rm -f s1 >/dev/null
  td network rm ins-net >/dev/null
}

@test "inspect: a created container shows its network's empty endpoint, a stopped one no address; maps sorted" {
  td create --name n1 --network-alias x -p 90:90 -p 80:80 --label b=1 --label a=2 busybox true >/dev/null
  # docker 20.10 drops --network-alias on the default bridge (Aliases null, created or started)
  [ "$(td inspect n1 | jq -c '.[0].NetworkSettings.Networks | [keys, .bridge.Aliases, .bridge.NetworkID, .bridge.IPAddress]')" = '[["bridge"],null,"",""]' ]
  [ "$(td inspect -f '{{json .HostConfig.PortBindings}}' n1 | jq -c 'keys_unsorted')" = '["80/tcp","90/tcp"]' ]
  [ "$(td inspect n1 | jq -c '.[0].Config.Labels | keys_unsorted')" = '["a","b"]' ]
  td create --name n2 --network none busybox true >/dev/null
  [ "$(td inspect n2 | jq -c '.[0].NetworkSettings.Networks | keys')" = '["none"]' ]
  td run -d --name n3 busybox sleep 30 >/dev/null
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' n3)
  pid=$(td inspect -f '{{.State.Pid}}' n3)
  nsenter -t "$pid" -n ip -4 -o addr show | grep -q " $ip/"
  td stop -t 0 n3 >/dev/null
  [ "$(td inspect -f '{{.NetworkSettings.IPAddress}}|{{.NetworkSettings.Networks.bridge.IPAddress}}|{{.NetworkSettings.Networks.bridge.MacAddress}}' n3)" = "||" ]
  [[ "$(td inspect -f '{{.NetworkSettings.Networks.bridge.NetworkID}}' n3)" =~ ^[0-9a-f]{64}$ ]]
}

@test "inspect: ExecIDs lists the exec'd processes that run, null when none" {
  id=$(td run -d --name x1 busybox sleep 30)
  [ "$(td inspect -f '{{json .ExecIDs}}' x1)" = null ]
  td exec -d x1 sleep 2.5
  eid=$(td inspect -f '{{index .ExecIDs 0}}' x1)
  [[ "$eid" =~ ^[0-9a-f]{64}$ ]]
  # the id names a process of the container that the kernel still runs
  read -r epid _ <"$TD_ROOT/containers/$id/execs/$eid"
  [ "$(tr '\0' ' ' </proc/$epid/cmdline)" = "sleep 2.5 " ]
  [ "$(readlink /proc/$epid/ns/pid)" = "$(readlink /proc/$(td inspect -f '{{.State.Pid}}' x1)/ns/pid)" ]
  td exec x1 true
  [ "$(td inspect -f '{{len .ExecIDs}}' x1)" = 1 ]
  for _ in $(seq 50); do [ -d /proc/$epid ] || break; sleep 0.1; done
  [ "$(td inspect -f '{{json .ExecIDs}}' x1)" = null ]
}

@test "inspect --type: container, image, network, volume; a bad type and a missing object" {
  td create --name t1 busybox true >/dev/null
  td volume create ins-vol >/dev/null
  td network create ins-net2 >/dev/null
  [ "$(td inspect --type container -f '{{.Name}}' t1)" = /t1 ]
  [ "$(td inspect --type image -f '{{.RepoTags}}' busybox)" = "[busybox:latest]" ]
  [ "$(td inspect -f '{{.RepoTags}}' busybox)" = "[busybox:latest]" ]
  [ "$(td inspect --type volume -f '{{.Name}} {{.Driver}}' ins-vol)" = "ins-vol local" ]
  [ "$(td inspect --type network -f '{{.Name}} {{json .ConfigFrom}} {{.ConfigOnly}}' ins-net2)" = 'ins-net2 {"Network":""} false' ]
  [ "$(td inspect -f '{{.Name}}' ins-vol)" = ins-vol ]
  run --separate-stderr td inspect --type image t1
  [ "$status" -eq 1 ]
  [ "$output" = "[]" ]
  [ "$stderr" = "Error: No such image: t1" ]
  run --separate-stderr td inspect --type volume t1
  [ "$status" -eq 1 ]
  [ "$stderr" = "Error: No such volume: t1" ]
  run --separate-stderr td inspect --type network t1
  [ "$status" -eq 1 ]
  [ "$stderr" = "Error: No such network: t1" ]
  run --separate-stderr td inspect --type bogus t1
  [ "$status" -eq 1 ]
  [ "$output" = "" ]
  [ "$stderr" = '"bogus" is not a valid value for --type' ]
  run --separate-stderr td inspect nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "[]" ]
  [ "$stderr" = "Error: No such object: nosuch" ]
  td rm t1 >/dev/null
  td volume rm ins-vol >/dev/null
  td network rm ins-net2 >/dev/null
}

@test "inspect -s: SizeRw is the container's own files, SizeRootFs with the image's" {
  td run --name z1 busybox sh -c 'head -c 40000 /dev/zero > /big' >/dev/null
  [ "$(td inspect z1 | jq -c '.[0] | [has("SizeRw"), has("SizeRootFs")]')" = "[false,false]" ]
  read -r rw rootfs <<<"$(td inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' z1)"
  img=$(td image inspect -f '{{.Size}}' busybox)
  [ "$rw" -ge 40000 ] && [ "$rw" -lt 60000 ]
  [ "$rootfs" -eq $((rw + img)) ]
  [ "$(td inspect -s z1 | jq -c '.[0] | keys_unsorted | .[19:23]')" = '["GraphDriver","SizeRw","SizeRootFs","Mounts"]' ]
}

@test "inspect -s attack: a link to the host's root in the container is not followed" {
  td run --name z2 busybox sh -c 'ln -s / /hostroot; ln -s /proc/self/root /me; mkdir /d; ln -s .. /d/up' >/dev/null
  rw=$(td inspect -s -f '{{.SizeRw}}' z2)
  [ "$rw" -lt 4096 ]
}

@test "inspect: a record of an older engine (no new keys) prints in docker's shape" {
  id=$(td create --name o1 busybox true)
  rec=$TD_ROOT/containers/$id/container.json
  # what an engine before this change wrote: no new keys, its [] and {} and Init false
  jq '.HostConfig |= {Binds: [], NetworkMode: "bridge", RestartPolicy: .RestartPolicy, AutoRemove: false, CapAdd: [], Ulimits: [], Tmpfs: {}, Sysctls: {}, LogConfig: .LogConfig, Init: false, NanoCpus: 1000000000, CpuQuota: 100000, CpuPeriod: 100000}
      | del(.ExecIDs, .GraphDriver, .MountLabel) | .Config.Env += ["HOSTNAME=x"]' "$rec" >"$rec.new"
  mv "$rec.new" "$rec"
  doc=$(td inspect o1)
  [ "$(jq -c '.[0] | keys_unsorted' <<<"$doc")" = "$TOP_KEYS" ]
  [ "$(jq -c '.[0].HostConfig | keys_unsorted' <<<"$doc")" = "$HC_KEYS" ]
  [ "$(jq -c '.[0].HostConfig | [.NetworkMode, .Binds, .CapAdd, .Ulimits, .CpuQuota, .CpuPeriod]' <<<"$doc")" = '["bridge",null,null,null,0,0]' ]
  td start o1 >/dev/null
  td wait o1 >/dev/null
  td rm o1 >/dev/null
}

@test "logs: a container restarted by on-failure:2 keeps every run's output (3 runs)" {
  td run -d --name r1 --restart on-failure:2 busybox sh -c 'echo run; exit 3' >/dev/null
  for i in $(seq 100); do
    [ "$(td inspect -f '{{.State.Status}} {{.RestartCount}}' r1)" = "exited 2" ] && break
    sleep 0.1
  done
  [ "$(td inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' r1)" = "exited 2 3" ]
  [ "$(td logs r1)" = "$(printf 'run\nrun\nrun')" ]
}

@test "logs: max-size=1k,max-file=3 keeps docker's 30 of 100 lines in 3 files" {
  td run --name l1 --log-opt max-size=1k --log-opt max-file=3 busybox \
    sh -c 'for i in $(seq 100); do echo line$i; done' >/dev/null
  run td logs l1
  [ "${#lines[@]}" -ge 29 ] && [ "${#lines[@]}" -le 31 ]
  [ "${lines[-1]}" = line100 ]
  log=$(td inspect -f '{{.LogPath}}' l1)
  [ "$(ls "$log"* | wc -l)" -eq 3 ]
  # docker's json-file: a file rotates once it has reached max-size (by its last entry)
  for f in "$log".1 "$log".2; do
    s=$(stat -c %s "$f")
    [ "$s" -ge 1024 ] && [ "$s" -lt 1124 ]
  done
  # RFC3339Nano: no trailing zeros in the fraction
  ! grep -q '0Z"}$' "$log"*
}

@test "logs attack: a flood under max-size/max-file never holds more than the files allow" {
  td run --name l2 --log-opt max-size=2k --log-opt max-file=2 busybox \
    sh -c 'head -c 300000 /dev/zero | tr "\0" "a" | fold -w 100' >/dev/null
  log=$(td inspect -f '{{.LogPath}}' l2)
  [ "$(ls "$log"* | wc -l)" -eq 2 ]
  [ "$(cat "$log"* | wc -c)" -lt 5000 ]
}

@test "images --digests: <none> for an image made here; history -H=false" {
  run td images --digests --format '{{.Repository}} {{.Digest}}'
  [ "$output" = "busybox <none>" ]
  run td images --digests
  [[ "${lines[1]}" == "busybox      latest    <none>    "* ]]
  run td history -H=false busybox
  [[ "${lines[0]}" == "IMAGE"*"CREATED AT"*"CREATED BY"*"SIZE"*"COMMENT" ]]
  size=$(td image inspect -f '{{.Size}}' busybox)
  [[ "${lines[1]}" =~ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ .*\ $size\  ]]
  run td history --human=false --format '{{.CreatedSince}}|{{.Size}}' busybox
  [[ "$output" =~ ^[0-9-]{10}T[0-9:]{8}Z\|$size$ ]]
  run td history --format '{{json .}}' busybox
  [ "$(jq -c 'keys' <<<"$output")" = '["Comment","CreatedAt","CreatedBy","CreatedSince","ID","Size"]' ]
  [[ "$(jq -r .CreatedAt <<<"$output")" =~ ^[0-9-]{10}T[0-9:]{8}Z$ ]]
  run td image inspect busybox
  [ "$(jq -c '.[0] | keys_unsorted' <<<"$output")" = '["Id","RepoTags","RepoDigests","Parent","Comment","Created","Container","ContainerConfig","DockerVersion","Author","Config","Architecture","Os","Size","VirtualSize","GraphDriver","RootFS","Metadata"]' ]
  [ "$(jq -c '.[0].Config | keys_unsorted' <<<"$output")" = "$CFG_KEYS" ]
}

# A tar of one kind on stdout, made by python's tarfile (names and links as given).
mktar() { # kind
  python3 - "$1" <<'PY'
import io, sys, tarfile
kind = sys.argv[1]
t = tarfile.open(fileobj=sys.stdout.buffer, mode='w|', format=tarfile.PAX_FORMAT)
def f(name, data=b'x\n', **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data))
def l(name, target, typ=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name); ti.type = typ; ti.linkname = target; t.addfile(ti)
def d(name):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
host = sys.argv[1:] and __import__('os').environ.get('HOSTDIR', '/nonexistent')
if kind == 'ok':
    d('dir'); f('dir/a', b'hello\n', uid=1234, gid=2345, mode=0o640); l('dir/s', 'a')
    l('dir/h', 'dir/a', tarfile.LNKTYPE); f('x' * 150, b'long\n')
elif kind == 'dotdot':
    f('../../../../../../../../' + host.lstrip('/') + '/evil', b'evil\n')
elif kind == 'abs':
    f(host + '/abs', b'abs\n')
elif kind == 'symdir':
    l('esc', '../../../../../../../../' + host.lstrip('/')); f('esc/sym', b'sym\n')
elif kind == 'symabs':
    l('esc2', host); f('esc2/symabs', b'sym\n')
elif kind == 'planted':
    f('planted/f', b'through\n')
elif kind == 'hardlink':
    l('hl', '../../../../../../../../' + host.lstrip('/') + '/victim', tarfile.LNKTYPE)
elif kind == 'hardabs':
    l('hl2', host + '/victim', tarfile.LNKTYPE)
elif kind == 'hardsym':
    l('hl3', 'tohost', tarfile.LNKTYPE); f('hl3', b'over\n')
elif kind == 'dev':
    ti = tarfile.TarInfo('null2'); ti.type = tarfile.BLKTYPE; ti.devmajor = 8; ti.devminor = 0
    t.addfile(ti)
t.close()
PY
}

@test "cp CTR:path -: a tar of the path on stdout, docker's names, links not followed" {
  HOSTDIR=$BATS_TEST_TMPDIR/host; mkdir -p "$HOSTDIR"; echo hostsecret >"$HOSTDIR/secret"
  td run -d --name c1 busybox sh -c "mkdir -p /d/sub && echo a >/d/a && chown 1234:2345 /d/a &&
    echo b >/d/sub/b && ln -s $HOSTDIR/secret /d/lnk && ln -s /etc/hostname /ehn && sleep 60" >/dev/null
  for _ in $(seq 50); do td exec c1 test -L /ehn && break; sleep 0.1; done
  run bash -c "'$TINYDOCKER' cp c1:/d - | tar tvf -"
  [ "$status" -eq 0 ]
  [ "$(awk '{print $NF}' <<<"$output" | head -1)" = d/ ]
  [[ "$output" == *"1234/2345"*" d/a"* ]]
  [[ "$output" == *" d/lnk -> $HOSTDIR/secret"* ]]
  # the link's target (a host path) is not in the stream
  ! td cp c1:/d - | grep -q hostsecret
  [ "$(td cp c1:/d/. - | tar tf - | head -1)" = ./ ]
  [ "$(td cp c1:/d/a - | tar xOf -)" = a ]
  # -L follows inside the container's root: the container's /etc/hostname
  [ "$(td cp -L c1:/ehn - | tar xOf -)" = "$(td exec c1 cat /etc/hostname)" ]
  # a long name (pax) round-trips
  td exec c1 sh -c "mkdir -p /long && touch /long/$(printf 'y%.0s' $(seq 150))"
  [ "$(td cp c1:/long - | tar tf - | tail -1)" = "long/$(printf 'y%.0s' $(seq 150))" ]
  run --separate-stderr td cp c1:/nosuch -
  [ "$status" -eq 1 ]
  [ "$stderr" = "Error: No such container:path: c1:/nosuch" ]
  # kernel filesystems are never read
  run td cp c1:/proc/self -
  [ "$status" -ne 0 ]
}

@test "cp - CTR:dir: extracts beneath the directory, the tar's modes, root's owner (-a: the tar's)" {
  td run -d --name c1 busybox sh -c 'mkdir /dst; sleep 60' >/dev/null
  for _ in $(seq 50); do td exec c1 test -d /dst && break; sleep 0.1; done
  mktar ok | td cp - c1:/dst
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  r=/proc/$pid/root/dst
  [ "$(cat $r/dir/a)" = hello ]
  [ "$(stat -c %u:%g:%a $r/dir/a)" = 0:0:640 ]
  [ "$(readlink $r/dir/s)" = a ]
  [ "$(stat -c %i $r/dir/h)" = "$(stat -c %i $r/dir/a)" ]
  [ "$(cat $r/$(printf 'x%.0s' $(seq 150)))" = long ]
  mktar ok | td cp -a - c1:/dst
  [ "$(stat -c %u:%g:%a $r/dir/a)" = 1234:2345:640 ]
  # a container's tree round-trips through a stream
  td cp c1:/dst - | td cp - c1:/etc
  [ "$(cat /proc/$pid/root/etc/dst/dir/a)" = hello ]
  run --separate-stderr td cp - c1:/nosuch < /dev/null
  [ "$status" -eq 1 ]
  [ "$stderr" = 'destination "c1:/nosuch" must be a directory' ]
  run --separate-stderr td cp - c1:/etc/hostname < /dev/null
  [ "$status" -eq 1 ]
  run --separate-stderr bash -c "echo garbage | '$TINYDOCKER' cp - c1:/dst"
  [ "$status" -eq 1 ]
  [ "$stderr" = "Error response from daemon: Error processing tar file(exit status 1): unexpected EOF" ]
  run td cp - -
  [ "$status" -ne 0 ]
}

@test "cp - CTR:dir attack: .., absolute names and links never leave the container" {
  export HOSTDIR=$BATS_TEST_TMPDIR/host
  mkdir -p "$HOSTDIR"; echo victim >"$HOSTDIR/victim"; chmod 600 "$HOSTDIR/victim"
  before=$(stat -c '%a %u %g %h %Y' "$HOSTDIR" "$HOSTDIR/victim")
  td run -d --name c1 busybox sh -c "mkdir /dst && ln -s $HOSTDIR /dst/planted && echo c >/tohost-target &&
    ln -s $HOSTDIR/victim /dst/tohost && sleep 60" >/dev/null
  for _ in $(seq 50); do td exec c1 test -L /dst/tohost && break; sleep 0.1; done
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  # "..": refused, nothing written anywhere
  run --separate-stderr bash -c "$(declare -f mktar); mktar dotdot | '$TINYDOCKER' cp - c1:/dst"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "Error response from daemon: Error processing tar file(exit status 1): \""*"/evil\" is outside of \"/dst\"" ]]
  [ ! -e "$HOSTDIR/evil" ] && [ ! -e "/proc/$pid/root$HOSTDIR/evil" ]
  # an absolute name lands beneath the destination (docker's rule)
  mktar abs | td cp - c1:/dst
  [ ! -e "$HOSTDIR/abs" ]
  [ "$(cat /proc/$pid/root/dst$HOSTDIR/abs)" = abs ]
  # a relative symlink climbing out: refused
  run --separate-stderr bash -c "$(declare -f mktar); mktar symdir | '$TINYDOCKER' cp - c1:/dst"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"invalid symlink \"/dst/esc\""* ]]
  [ ! -e "$HOSTDIR/sym" ]
  # an absolute symlink, then an entry through it: the container's path, never the host's
  mktar symabs | td cp - c1:/dst
  [ ! -e "$HOSTDIR/symabs" ]
  [ "$(cat /proc/$pid/root$HOSTDIR/symabs)" = sym ]
  # a link the container planted at a host path: resolved inside the container
  mktar planted | td cp - c1:/dst
  [ ! -e "$HOSTDIR/f" ]
  [ "$(cat /proc/$pid/root$HOSTDIR/f)" = through ]
  # hard links: out of the destination refused; "/abs" is beneath it; to a planted symlink
  # links the symlink, and a file entry of that name replaces the link, not the host file
  run --separate-stderr bash -c "$(declare -f mktar); mktar hardlink | '$TINYDOCKER' cp - c1:/dst"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"invalid hardlink"* ]]
  run --separate-stderr bash -c "$(declare -f mktar); mktar hardabs | '$TINYDOCKER' cp - c1:/dst"
  [ "$status" -eq 1 ]
  mktar hardsym | td cp - c1:/dst
  [ "$(cat /proc/$pid/root/dst/hl3)" = over ]
  # a device node is not made
  run --separate-stderr bash -c "$(declare -f mktar); mktar dev | '$TINYDOCKER' cp - c1:/dst"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'device node "null2": not extracted' ]]
  [ ! -e /proc/$pid/root/dst/null2 ]
  # the host's files as they were
  [ "$(stat -c '%a %u %g %h %Y' "$HOSTDIR" "$HOSTDIR/victim")" = "$before" ]
  [ "$(cat "$HOSTDIR/victim")" = victim ]
  [ "$(ls -A "$HOSTDIR")" = victim ]
  # kernel filesystems are never written
  run td cp - c1:/proc/self < /dev/null
  [ "$status" -ne 0 ]
}

@test "cp: a plain copy into a container keeps the file's uid/gid (docker's), out of it the caller's" {
  echo h >"$BATS_TEST_TMPDIR/h" && chown 4321:8765 "$BATS_TEST_TMPDIR/h"
  td run -d --name c1 busybox sh -c 'echo y >/y; chown 1000:1001 /y; sleep 60' >/dev/null
  for _ in $(seq 50); do td exec c1 test -f /y && break; sleep 0.1; done
  td cp "$BATS_TEST_TMPDIR/h" c1:/h
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  [ "$(stat -c %u:%g /proc/$pid/root/h)" = 4321:8765 ]
  td cp c1:/y "$BATS_TEST_TMPDIR/y"
  [ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/y")" = 0:0 ]
}

# The CVE regression suite's setup and helpers (tests/bats/25-cve.bats: runc's CVEs;
# 26-cve-engine.bats: moby's and containerd's): each test its own bundle, tinyrun ids and
# engine root; the host's view of a container process.

DOCKER_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

setup_file() {
  td_engine_setup_file
  td_build_probe
}

setup() {
  td_engine_setup
  td_build_probe
  # each test: its own bundle and tinyrun ids
  T_DIR=$TEST_TMP/t$BATS_TEST_NUMBER
  B=$T_DIR/bundle
  mkdir -p "$T_DIR"
  td_make_busybox_rootfs "$B/rootfs"
  td_install_probe "$B/rootfs"
  ID=cve-$$-$BATS_TEST_NUMBER
  BG=()
}

teardown() {
  local p id
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
  for id in $("$TINYRUN" --root "$TR_ROOT" list -q 2>/dev/null); do
    "$TINYRUN" --root "$TR_ROOT" delete --force "$id" >/dev/null 2>&1 || true
  done
  td_engine_teardown
  [ -z "${T_DIR:-}" ] || {
    findmnt -rn -o TARGET | grep "^$T_DIR" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$T_DIR"
  }
}

teardown_file() { td_engine_teardown_file; }

trn() { timeout 60 "$TINYRUN" --root "$TR_ROOT" "$@"; }

# $B/config.json: a small container (pid, mount, ipc, uts, net namespaces, docker's caps),
# then the jq filter $1
cve_config() {
  jq -n --argjson caps "$DOCKER_CAPS" '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["sleep", "300"],
              env: ["PATH=/bin:/usr/bin"], cwd: "/", noNewPrivileges: true,
              capabilities: {bounding: $caps, effective: $caps, permitted: $caps}},
    root: {path: "rootfs"},
    hostname: "cve",
    mounts: [{destination: "/proc", type: "proc", source: "proc"}],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"},
                         {type: "network"}]}
  }' | jq "${1:-.}" >"$B/config.json"
}

# tinyrun create, its status and output in $status/$output (not bats' run: the created init
# would hold run's pipe open)
trn_create() { # args...
  status=0
  trn create "$@" </dev/null >"$T_DIR/create.out" 2>&1 || status=$?
  output=$(cat "$T_DIR/create.out")
  echo "create: $status $output"
}

# create + start a tinyrun container from $B; its host pid in $PID
trn_up() { # id
  trn create --bundle "$B" "$1" </dev/null >/dev/null 2>&1
  trn start "$1"
  PID=$(trn state "$1" | jq -r .pid)
}

# the host pid of an engine container's init
ctr_pid() { td inspect -f '{{.State.Pid}}' "$1"; }

# a line of /proc/PID/status, from the host
status_of() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# mount points (field 5) and types of /proc/PID/mountinfo
mounts_of() { awk '{for (i = 7; $i != "-"; i++); print $5, $(i + 1)}' "/proc/$1/mountinfo"; }

# Shared helpers for the benches (sourced).
bench_tmpdir() { mktemp -d /tmp/td-bench.XXXXXX; }

# A mount podman makes while it resets its store may appear after a first look (seen once in
# session 6: its overlay dir stayed mounted): look again until the directory is gone.
bench_cleanup() { # dir
  local m try
  for try in 1 2 3 4 5; do
    for m in $(findmnt -rn -o TARGET | grep "^$1" | sort -r || true); do
      umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$1" 2>/dev/null || true
    [ -e "$1" ] || return 0
    sleep 0.5
  done
  echo "bench: could not remove $1" >&2
}

# A busybox bundle running /bin/true, without a network namespace (runtimes compare fairly).
bench_busybox_bundle() { # dir
  local d=$1
  mkdir -p "$d/rootfs"
  # shellcheck source=/dev/null
  BATS_TEST_DIRNAME=$PWD/tests/bats . tests/helpers/common.bash
  td_make_busybox_rootfs "$d/rootfs"
  # runc's template: crun 1.8 and runc read it as it is (tinyrun's says ociVersion 1.2.0)
  (cd "$d" && runc spec)
  jq '.process.terminal=false | .process.args=["/bin/true"]
      | .linux.namespaces |= map(select(.type != "network"))' "$d/config.json" >"$d/c.json"
  mv "$d/c.json" "$d/config.json"
}

bench_static_hello() { # out
  printf '#include <unistd.h>\nint main(void){return write(1,"hello\\n",6)!=6;}\n' >"$1.c"
  cc -static -O2 -o "$1" "$1.c"
}

# Shared helpers for the benches (sourced).
bench_tmpdir() { mktemp -d /tmp/td-bench.XXXXXX; }

bench_cleanup() { # dir
  findmnt -rn -o TARGET | grep "^$1" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$1"
}

# A busybox bundle running /bin/true, without a network namespace (runtimes compare fairly).
bench_busybox_bundle() { # dir
  local d=$1
  mkdir -p "$d/rootfs"
  # shellcheck source=/dev/null
  BATS_TEST_DIRNAME=$PWD/tests/bats . tests/helpers/common.bash
  td_make_busybox_rootfs "$d/rootfs"
  (cd "$d" && runc spec >/dev/null 2>&1 || build/tinyrun spec)
  jq '.process.terminal=false | .process.args=["/bin/true"]
      | .linux.namespaces |= map(select(.type != "network"))' "$d/config.json" >"$d/c.json"
  mv "$d/c.json" "$d/config.json"
}

bench_static_hello() { # out
  printf '#include <unistd.h>\nint main(void){return write(1,"hello\\n",6)!=6;}\n' >"$1.c"
  cc -static -O2 -o "$1" "$1.c"
}

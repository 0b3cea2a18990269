#!/usr/bin/env bash
# tinyrun run vs crun vs runc on the same busybox bundle running /bin/true, side by side
# with hyperfine in one run. crun 1.8 refuses hybrid cgroups, so it runs inside `unshare -m`
# after unmounting /sys/fs/cgroup/unified (only in that private mount namespace).
# Also: peak RSS of `tinyrun run`, and `tinyrun --version` against a static hello binary.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-30}
W=$(bench_tmpdir)
trap 'bench_cleanup "$W"' EXIT

bench_busybox_bundle "$W/bundle"
TR=$PWD/build/tinyrun
# each runtime gets its own state root; ids unique per run via a counter file
cat >"$W/run.sh" <<EOS
#!/bin/sh
# \$1 = runtime program, \$2 = state root
id=b\$\$
cd "$W/bundle"
exec "\$1" --root "\$2" run "\$id" >/dev/null
EOS
chmod +x "$W/run.sh"
cat >"$W/crun.sh" <<EOS
#!/bin/sh
exec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$W/run.sh" crun "$W/crun-root"'
EOS
chmod +x "$W/crun.sh"

cmds=(-n tinyrun "$W/run.sh $TR $W/tr-root")
command -v crun >/dev/null && cmds+=(-n crun "$W/crun.sh")
command -v runc >/dev/null && cmds+=(-n runc "$W/run.sh runc $W/runc-root")
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$W/runtime.md" "${cmds[@]}" >&2
cat "$W/runtime.md"

bench_static_hello "$W/hello"
hyperfine -N --warmup 5 --runs 200 --export-markdown "$W/version.md" \
  -n "tinyrun --version" "$TR --version" -n "static hello" "$W/hello" >&2
cat "$W/version.md"
rss=$(cd "$W/bundle" && /usr/bin/time -f %M "$TR" --root "$W/tr-root" run rss 2>&1 >/dev/null | tail -1)
echo
echo "peak RSS of tinyrun run: ${rss} KB"

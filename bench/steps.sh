#!/usr/bin/env bash
# Where the time of one `run --rm --network none busybox true` goes: builds build-trace
# (meson -Dtrace=true: a timestamp at each step, util/trace.c), runs RUNS containers with a
# pause between them (so no teardown of one overlaps the next) and prints the median time of
# each step since the CLI's main, and the step's own share. RUNS=30 by default; extra
# arguments go to `run` before the image (e.g. `bench/steps.sh --network bridge`).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-30}
[ -d build-trace ] || meson setup build-trace -Dtrace=true >/dev/null
ninja -C build-trace >/dev/null
W=$(bench_tmpdir)
cleanup() {
  set +e # an empty `ps -aq` makes rm fail: the cleanup must still run to the end
  build-trace/tinydocker --root "$W/td" rm -f $(build-trace/tinydocker --root "$W/td" ps -aq) >/dev/null 2>&1
  bench_cleanup "$W"
}
trap cleanup EXIT
build-trace/tinydocker --root "$W/td" create-default >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--network none)
python3 - "$W" "$RUNS" "${args[@]}" <<'EOF'
import os, statistics, subprocess, sys, time
w, runs, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
trace = os.path.join(w, "trace.txt")
env = dict(os.environ, TD_TRACE=trace)
order, steps, walls = [], {}, []
for _ in range(runs):
    open(trace, "w").close()
    t = time.monotonic()
    subprocess.run(["build-trace/tinydocker", "--root", w + "/td", "run", "--rm", *extra,
                    "busybox", "true"], env=env, check=True)
    walls.append((time.monotonic() - t) * 1000)
    time.sleep(0.2)  # the teardown after the answer ends before the next run
    ev = sorted((float(s), tag) for _, tag, s in (l.split() for l in open(trace)))
    for s, tag in ev:
        if tag not in steps:
            order.append(tag)
            steps[tag] = []
        steps[tag].append((s - ev[0][0]) * 1000)
print("wall (python's spawn and wait included): median %.2f ms over %d runs" %
      (statistics.median(walls), runs))
print("%-22s %8s %8s" % ("step", "at (ms)", "+ (ms)"))
prev = 0.0
for tag in sorted(order, key=lambda t: statistics.median(steps[t])):
    m = statistics.median(steps[tag])
    print("%-22s %8.2f %8.2f" % (tag, m, m - prev))
    prev = m
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

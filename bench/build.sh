#!/usr/bin/env bash
# `tinydocker build` side by side with docker's (dockerd 20.10 with BuildKit, started here with
# private roots: tests/helpers/dockerd.bash) and `buildah bud` (1.28, private roots): a cold build
# of a 6-step Dockerfile on busybox (no cache), an unchanged rebuild of a 10-step one, and a
# rebuild after one copied file changes (only the steps after it run again). RUN steps use no
# network in all three (--network none), so only the builders are compared. Issue 17's goals:
# a cold build at least 3x faster than docker's, an unchanged rebuild under 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-5}
W=$(bench_tmpdir)
TD="$PWD/build/tinydocker --root $W/td"
export TINYDOCKER=$PWD/build/tinydocker TINYDOCKER_ROOT=$W/td
# shellcheck source=/dev/null
. tests/helpers/dockerd.bash
# runc: crun refuses this host's hybrid cgroups
export BUILDAH_RUNTIME=/usr/sbin/runc
BUILDAH="buildah --root $W/buildah/root --runroot $W/buildah/run --storage-driver overlay"
cleanup() {
  dk_stop >/dev/null 2>&1 || true
  $BUILDAH rm -a >/dev/null 2>&1 || true
  $BUILDAH rmi -a -f >/dev/null 2>&1 || true
  bench_cleanup "$W"
}
trap cleanup EXIT

$TD create-default >/dev/null
$TD save -o "$W/busybox.tar" busybox

# the contexts: 6 steps (cold) and 10 steps (rebuilds)
mkdir -p "$W/c6" "$W/c10"
echo one >"$W/c6/a.txt"
cat >"$W/c6/Dockerfile" <<'EOF'
FROM busybox
ENV APP=/app
WORKDIR /app
COPY a.txt .
RUN echo built >/built && cp a.txt b.txt
CMD ["cat", "/app/b.txt"]
EOF
echo one >"$W/c10/a.txt"
echo two >"$W/c10/b.txt"
cat >"$W/c10/Dockerfile" <<'EOF'
FROM busybox
ARG V=1
ENV APP=/app
WORKDIR /app
COPY a.txt .
RUN echo first >/first
LABEL version=$V
COPY b.txt .
RUN cat a.txt b.txt >/both
CMD ["cat", "/both"]
EOF

cmds=(-n "tinydocker build: cold, 6 steps" --prepare "true"
      "$TD build -q --no-cache --network none $W/c6")
have_docker=0
if dk_available && dk_start >/dev/null 2>&1; then
  have_docker=1
  dk load -i "$W/busybox.tar" >/dev/null
  DK="$DOCKER_REF -H unix://$DK_DIR/sock"
  cmds+=(-n "docker build (BuildKit): cold, 6 steps" --prepare "$DK builder prune -af"
         "DOCKER_BUILDKIT=1 $DK build -q --no-cache --network none $W/c6")
  cmds+=(-n "docker build (classic): cold, 6 steps" --prepare "$DK builder prune -af"
         "DOCKER_BUILDKIT=0 $DK build -q --no-cache --network none $W/c6")
fi
have_buildah=0
if command -v buildah >/dev/null; then
  have_buildah=1
  $BUILDAH pull -q "docker-archive:$W/busybox.tar" >/dev/null
  $BUILDAH tag "$($BUILDAH images -q | head -1)" busybox >/dev/null
  cmds+=(-n "buildah bud: cold, 6 steps" --prepare "true"
         "$BUILDAH bud -q --layers --no-cache --network none $W/c6")
fi
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$W/cold.md" "${cmds[@]}" >&2

# unchanged rebuilds of the 10-step file (the cache filled once first)
$TD build -q --network none "$W/c10" >/dev/null
cmds=(-n "tinydocker build: unchanged, 10 steps" --prepare "true" "$TD build -q --network none $W/c10")
if [ "$have_docker" = 1 ]; then
  DOCKER_BUILDKIT=1 $DK build -q --network none "$W/c10" >/dev/null
  cmds+=(-n "docker build (BuildKit): unchanged, 10 steps" --prepare "true"
         "DOCKER_BUILDKIT=1 $DK build -q --network none $W/c10")
fi
if [ "$have_buildah" = 1 ]; then
  $BUILDAH bud -q --layers --network none "$W/c10" >/dev/null
  cmds+=(-n "buildah bud: unchanged, 10 steps" --prepare "true"
         "$BUILDAH bud -q --layers --network none $W/c10")
fi
hyperfine --warmup 2 --runs "$((RUNS * 2))" --export-markdown "$W/warm.md" "${cmds[@]}" >&2

# one copied file changes before each run: the steps from that COPY on run again
cmds=(-n "tinydocker build: b.txt changed, 10 steps" --prepare "date +%s%N >$W/c10/b.txt"
      "$TD build -q --network none $W/c10")
if [ "$have_docker" = 1 ]; then
  cmds+=(-n "docker build (BuildKit): b.txt changed, 10 steps" --prepare "date +%s%N >$W/c10/b.txt"
         "DOCKER_BUILDKIT=1 $DK build -q --network none $W/c10")
fi
if [ "$have_buildah" = 1 ]; then
  cmds+=(-n "buildah bud: b.txt changed, 10 steps" --prepare "date +%s%N >$W/c10/b.txt"
         "$BUILDAH bud -q --layers --network none $W/c10")
fi
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$W/change.md" "${cmds[@]}" >&2
# which steps ran again after the change, by tinydocker's own output
date +%s%N >"$W/c10/b.txt"
echo "tinydocker after one file changed: $($TD build --network none "$W/c10" | grep -c 'Using cache') of 9 steps cached" >&2

cat "$W/cold.md" "$W/warm.md" "$W/change.md"
echo
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M) UTC"

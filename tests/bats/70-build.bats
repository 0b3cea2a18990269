#!/usr/bin/env bats
# `tinydocker build` (issue 17): the Dockerfile corpus in tests/build/, each image checked by
# its config (inspect) and its filesystem (the image run, and listed), the history docker's
# classic builder writes, the layer cache (an unchanged rebuild runs nothing and writes no
# layer; one changed file rebuilds from its step on), .dockerignore, multi-stage and --target,
# ADD of a tar, the context from stdin, -f -, --iidfile, -q, --label, --build-arg.
bats_require_minimum_version 1.5.0
load ../helpers/engine
load ../helpers/registry

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  C=$REPO/tests/build
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T"
}
teardown() {
  [ -z "${REG_PID:-}" ] || reg_stop
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

# the number of layers unpacked in the store
n_layers() { ls "$TD_ROOT/layers" | grep -c -E '^[0-9a-f]{64}$' || true; }
# the number of layers of an image
n_image_layers() { td image inspect -f '{{json .RootFS.Layers}}' "$1" | grep -o sha256: | wc -l; }

@test "build: every instruction of the basic Dockerfile, the image's config and files" {
  run td build -t basic "$C/basic"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Step 1/11 : FROM busybox"* ]]
  [[ "$output" == *"Step 11/11 : CMD [\"/app/run.sh\"]"* ]]
  [[ "$output" == *"Successfully tagged basic:latest"* ]]
  [[ "$output" =~ Successfully\ built\ [0-9a-f]{12} ]]
  run td image inspect -f '{{json .Config.Env}}|{{.Config.WorkingDir}}|{{json .Config.Cmd}}' basic
  [ "$output" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","APP_HOME=/app","MODE=two words"]|/app|["/app/run.sh"]' ]
  # the filesystem: path type mode owner size (link target)
  run td run --rm basic sh -c 'cd / && for p in app app/hello.txt app/run.sh app/dir app/dir/sub/f app/dir/link owned/hello.txt glob/hello.txt; do stat -c "%n %F %a %u:%g %s %N" $p; done'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "app directory 755 0:0 "* ]]
  [[ "${lines[1]}" == "app/hello.txt regular file 644 0:0 6 "* ]]
  [[ "${lines[2]}" == "app/run.sh regular file 755 0:0 22 "* ]]
  [[ "${lines[3]}" == "app/dir directory 755 0:0 "* ]]
  [[ "${lines[4]}" == "app/dir/sub/f regular file 644 0:0 2 "* ]]
  [[ "${lines[5]}" == *"symbolic link 777 0:0 12 "*"-> '../hello.txt'" ]]
  [[ "${lines[6]}" == "owned/hello.txt regular file 600 1000:1000 6 "* ]]
  [[ "${lines[7]}" == "glob/hello.txt regular file 644 0:0 6 "* ]]
  # RUN: build arg in its environment, shell and exec form, deletions as whiteouts
  run td run --rm basic sh -c 'cat /run.out /exec.out; test -e /bin/true || echo true-gone; test -d /gone && echo gone-dir'
  [ "${lines[0]}" = "hi from RUN" ]
  [ "${lines[1]}" = "exec form" ]
  [ "${lines[2]}" = "true-gone" ]
  [ "${lines[3]}" = "gone-dir" ]
  run td run --rm basic
  [ "$output" = script ]
  # history as docker's classic builder writes it
  run td history --no-trunc basic
  [[ "$output" == *'/bin/sh -c #(nop)  CMD ["/app/run.sh"]'* ]]
  [[ "$output" == *'/bin/sh -c #(nop)  ENV APP_HOME=/app MODE=two words'* ]]
  [[ "$output" == *'/bin/sh -c #(nop) WORKDIR /app'* ]]
  [[ "$output" =~ /bin/sh\ -c\ \#\(nop\)\ COPY\ multi:[0-9a-f]{64}\ in\ \./\  ]]
  [[ "$output" =~ /bin/sh\ -c\ \#\(nop\)\ COPY\ dir:[0-9a-f]{64}\ in\ \./dir/\  ]]
  [[ "$output" =~ /bin/sh\ -c\ \#\(nop\)\ COPY\ --chown=1000:1000file:[0-9a-f]{64}\ in\ /owned/hello.txt\  ]]
  [[ "$output" == *'|1 GREETING=hi /bin/sh -c echo "$GREETING from RUN"'* ]]
  [[ "$output" == *'|1 GREETING=hi /bin/sh -c echo exec form > /exec.out'* ]]
  # one layer per filesystem step (4 COPY, 1 WORKDIR, 2 RUN) over busybox's one
  [ "$(n_image_layers basic)" -eq 8 ]
  # an ordinary image: save and load it elsewhere
  td save -o "$T/basic.tar" basic
  run "$TINYDOCKER" --root "$T/r2" load -i "$T/basic.tar"
  [ "$output" = "Loaded image: basic:latest" ]
  run "$TINYDOCKER" --root "$T/r2" run --rm --network none basic cat /app/hello.txt
  [ "$output" = hello ]
}

@test "build: metadata instructions land in the image config" {
  run td build -t meta "$C/meta"
  [ "$status" -eq 0 ]
  # the stored config as docker's image inspect prints it: every key of its Config, in its order
  run bash -c "'$TINYDOCKER' image inspect meta | jq -c '.[0].Config'"
  [ "$output" = '{"Hostname":"","Domainname":"","User":"1000:1000","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"53/udp":{},"80/tcp":{},"8000/tcp":{},"8001/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh","-e","-c","echo shell form"],"Healthcheck":{"Test":["CMD-SHELL","wget -q -O- localhost || exit 1"],"Interval":5000000000,"Timeout":2000000000,"Retries":3},"Image":"","Volumes":{"/data":{},"/logs":{}},"WorkingDir":"","Entrypoint":["/bin/echo"],"OnBuild":["RUN echo triggered > /tmp/onbuild.out"],"Labels":{"org.example.one":"1","two":"2"},"StopSignal":"SIGINT","Shell":["/bin/sh","-e","-c"]}' ]
  run td image inspect -f '{{.Author}}' meta
  [ "$output" = someone@example.com ]
  run td history --no-trunc meta
  [[ "$output" == *'/bin/sh -e -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "wget -q -O- localhost || exit 1"] "5s" "2s" "0s" '"'"'\x03'"'"'}'* ]]
  [[ "$output" == *'/bin/sh -c #(nop)  VOLUME [/data /logs]'* ]]
  [[ "$output" == *'/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]'* ]]
  [[ "$output" == *'/bin/sh -c #(nop)  STOPSIGNAL SIGINT'* ]]
  [[ "$output" == *'/bin/sh -c #(nop)  EXPOSE 53/udp 80 8000-8001'* ]]
  [[ "$output" == *'/bin/sh -c #(nop)  MAINTAINER someone@example.com'* ]]
  # metadata steps write no layer
  [ "$(n_image_layers meta)" -eq 1 ]
  # ONBUILD fires in the next build FROM it, and is gone from that image
  td tag meta meta-base
  run td build -t ob "$C/onbuild"
  [ "$status" -eq 0 ]
  [[ "$output" == *"# Executing 1 build trigger"* ]]
  [[ "$output" == *triggered* ]]
  run td image inspect -f '{{json .Config.OnBuild}}' ob
  [ "$output" = null ]
}

@test "build cache: an unchanged rebuild runs nothing and writes no layer; a changed file rebuilds from its step" {
  cp -a "$C/basic" "$T/ctx"
  run td build -t c1 "$T/ctx"
  [ "$status" -eq 0 ]
  id1=$(td image inspect -f '{{.Id}}' c1)
  layers=$(n_layers)
  run td build -t c2 "$T/ctx"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 10 ]
  [[ "$output" != *"Running in"* ]]
  [ "$(td image inspect -f '{{.Id}}' c2)" = "$id1" ]
  [ "$(n_layers)" -eq "$layers" ]
  # a touch (same content, same metadata but the time) is still cached
  touch "$T/ctx/run.sh"
  run td build -t c3 "$T/ctx"
  [ "$(td image inspect -f '{{.Id}}' c3)" = "$id1" ]
  # a mode change is not
  chmod 700 "$T/ctx/run.sh"
  run td build -t c4 "$T/ctx"
  [ "$(td image inspect -f '{{.Id}}' c4)" != "$id1" ]
  chmod 755 "$T/ctx/run.sh"
  # one copied file changes: the steps before it cached, it and every step after it rebuilt
  echo changed >"$T/ctx/dir/sub/f"
  run td build -t c5 "$T/ctx"
  [ "$status" -eq 0 ]
  cached=$(grep -B1 'Using cache' <<<"$output" | grep -o 'Step [0-9]*' | tr '\n' ' ')
  [ "$cached" = "Step 2 Step 3 Step 4 Step 5 " ]
  [ "$(grep -c 'Running in' <<<"$output")" -eq 2 ]
  run td run --rm c5 cat /app/dir/sub/f
  [ "$output" = changed ]
  # a changed build arg reruns the RUN that uses it
  run td build --build-arg GREETING=hello -t c6 "$T/ctx"
  [ "$(grep -c 'Running in' <<<"$output")" -eq 2 ]
  run td run --rm c6 cat /run.out
  [ "$output" = "hello from RUN" ]
  # --no-cache: everything again
  run td build --no-cache "$T/ctx"
  [[ "$output" != *"Using cache"* ]]
  [ "$(grep -c 'Running in' <<<"$output")" -eq 2 ]
  # intermediate images stay out of `images` (docker's -a shows them)
  run td images -q
  [ "$(td images -q | sort -u | wc -l)" -lt "$(td images -a -q | sort -u | wc -l)" ]
}

@test "builder prune: the build cache goes, the images a build named stay" {
  run td build -q -t kept "$C/basic"
  [ "$status" -eq 0 ]
  [ "$(td images -aq | sort -u | wc -l)" -gt "$(td images -q | sort -u | wc -l)" ]
  # a cache state whose layer no named image holds: its layer is freed
  mkdir -p "$T/ctx" && printf 'FROM busybox\nRUN head -c 100000 /dev/zero >/big\nRUN true\n' >"$T/ctx/Dockerfile"
  run td build -q "$T/ctx"
  td rmi "$output"
  layers=$(n_layers)
  run td builder prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"Total reclaimed space: "* ]]
  [[ "$output" != *"Total reclaimed space: 0B"* ]]
  [ "$(n_layers)" -lt "$layers" ]
  [ "$(td images -aq | sort -u | wc -l)" -eq "$(td images -q | sort -u | wc -l)" ]
  [ ! -e "$TD_ROOT/buildcache" ]
  run td run --rm kept cat /app/hello.txt
  [ "$output" = hello ]
  run td build "$C/basic"
  [[ "$output" != *"Using cache"* ]]
  # without -f it asks, and "n" keeps everything
  run bash -c "echo n | '$TINYDOCKER' builder prune"
  [[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
  [ -d "$TD_ROOT/buildcache" ]
}

@test "build: .dockerignore with docker's pattern rules" {
  run td build -t ig "$C/ignore"
  [ "$status" -eq 0 ]
  run td run --rm ig find /ctx
  [ "$status" -eq 0 ]
  sorted=$(sort <<<"$output" | tr '\n' ' ')
  [ "$sorted" = "/ctx /ctx/.dockerignore /ctx/code.c /ctx/docs /ctx/docs/README.md /ctx/docs/a /ctx/keep.log " ]
  # an excluded file named on its own is not in the context
  cp -a "$C/ignore" "$T/ig"
  printf 'FROM busybox\nCOPY secret /s\n' >"$T/ig/Dockerfile"
  run td build "$T/ig"
  [ "$status" -eq 1 ]
  [[ "$output" == *"file not found in build context or excluded by .dockerignore: stat secret: file does not exist"* ]]
}

@test "build: multi-stage, COPY --from a stage by name and index, only the stages the target needs" {
  run td build -t ms "$C/multistage"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Step 6/6 : RUN cat /from-builder"* ]]
  [[ "$output" != *never* ]]
  run td run --rm ms cat /from-builder /from-index
  [ "$output" = "$(printf 'built\nbuilt')" ]
  run td run --rm ms test -e /artifact
  [ "$status" -eq 1 ]
  run td build --target builder -t ms-b "$C/multistage"
  [ "$status" -eq 0 ]
  run td run --rm ms-b cat /artifact
  [ "$output" = built ]
  run td build --target nosuch "$C/multistage"
  [ "$status" -eq 1 ]
  [[ "$output" == *"failed to reach build target nosuch in Dockerfile"* ]]
  # COPY --from an image of the store
  printf 'FROM scratch\nCOPY --from=ms /from-builder /x\n' >"$T/Dockerfile"
  run td build -t fromimg "$T"
  [ "$status" -eq 0 ]
  [ "$(n_image_layers fromimg)" -eq 1 ]
}

@test "build: ADD extracts a local tar archive, copies a plain file, fetches a URL (checksum checked)" {
  run td build -t add "$C/add"
  [ "$status" -eq 0 ]
  run td run --rm add cat /extracted/in/file /plain.txt
  [ "$output" = "$(printf 'in tar\nplain')" ]
  # a URL over http on the loopback: 0600, never extracted, the --checksum verified
  mkdir -p "$T/www" && echo downloaded >"$T/www/file.txt" && tar -C "$T/www" -czf "$T/www/a.tar.gz" file.txt
  python3 -m http.server 0 --bind 127.0.0.1 --directory "$T/www" >"$T/http.log" 2>&1 &
  hpid=$!
  for _ in $(seq 100); do grep -q 'port [0-9]' "$T/http.log" && break; sleep 0.05; done
  port=$(grep -o 'port [0-9]*' "$T/http.log" | head -1 | cut -d' ' -f2)
  sum=$(sha256sum "$T/www/file.txt" | cut -d' ' -f1)
  mkdir -p "$T/ctx"
  printf 'FROM busybox\nADD http://127.0.0.1:%s/file.txt /dl/\nADD --checksum=sha256:%s http://127.0.0.1:%s/file.txt /dl2\nADD http://127.0.0.1:%s/a.tar.gz /arch/\n' "$port" "$sum" "$port" "$port" >"$T/ctx/Dockerfile"
  run td build -t url "$T/ctx"
  [ "$status" -eq 0 ]
  run td run --rm url sh -c 'stat -c "%n %a %s" /dl/file.txt /dl2 /arch/a.tar.gz; cat /dl/file.txt'
  [ "${lines[0]}" = "/dl/file.txt 600 11" ]
  [ "${lines[1]}" = "/dl2 600 11" ]
  [[ "${lines[2]}" == "/arch/a.tar.gz 600 "* ]]
  [ "${lines[3]}" = downloaded ]
  # the same content again: cached
  run td build -t url2 "$T/ctx"
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 3 ]
  printf 'FROM busybox\nADD --checksum=sha256:%064d http://127.0.0.1:%s/file.txt /x\n' 0 "$port" >"$T/ctx/Dockerfile"
  run td build "$T/ctx"
  [ "$status" -eq 1 ]
  [[ "$output" == *"ADD failed: digest mismatch for http://127.0.0.1:$port/file.txt"* ]]
  printf 'FROM busybox\nADD http://127.0.0.1:%s/nosuch /x\n' "$port" >"$T/ctx/Dockerfile"
  run td build "$T/ctx"
  [ "$status" -eq 1 ]
  [[ "$output" == *"404"* ]]
  kill "$hpid"
  wait "$hpid" 2>/dev/null || true
  # only ADD fetches; file:// and others are not URLs it takes
  printf 'FROM busybox\nCOPY http://127.0.0.1:1/x /x\n' >"$T/ctx/Dockerfile"
  run td build "$T/ctx"
  [ "$status" -eq 1 ]
  printf 'FROM busybox\nADD file:///etc/passwd /x\n' >"$T/ctx/Dockerfile"
  run td build "$T/ctx"
  [ "$status" -eq 1 ]
}

@test "build: here-documents in RUN (a script, or the shell's own) and COPY (expanded unless quoted)" {
  run td build --network none -t hd "$C/heredoc"
  [ "$status" -eq 0 ]
  [[ "$output" == *done-two* ]]
  run td run --rm hd sh -c 'cat /s1 /s2 /etc/app/conf.txt /raw.txt; stat -c "%a %u:%g" /etc/app/conf.txt'
  [ "$output" = "$(printf 'script line 1\nhello world\ntab stripped world\nname=world\nquoted="kept"\nno $WHO expansion\n644 0:0')" ]
  # a changed document is a changed step; the same one is cached
  run td build --network none "$C/heredoc"
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 6 ]
  run td build --network none --build-arg WHO=you -t hd2 "$C/heredoc"
  run td run --rm hd2 cat /etc/app/conf.txt
  [[ "$output" == *name=you* ]]
}

@test "build: context on stdin, -f -, -f PATH, -q, --iidfile, --label, --build-arg warnings" {
  run bash -c "tar -C '$C/basic' -c . | '$TINYDOCKER' build -q -t fromstdin -"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=$output
  run td run --rm fromstdin cat /app/hello.txt
  [ "$output" = hello ]
  run bash -c "'$TINYDOCKER' build -q -f - '$C/basic' <'$C/basic/Dockerfile'"
  [ "$output" = "$id" ]
  run td build -q -f "$C/basic/Dockerfile" --iidfile "$T/iid" "$C/basic"
  [ "$output" = "$id" ]
  [ "$(cat "$T/iid")" = "$id" ]
  run td build --label a=b --label c=d -t labelled "$C/basic"
  [[ "$output" == *"Step 12/12 : LABEL a=b c=d"* ]]
  run td image inspect -f '{{json .Config.Labels}}' labelled
  [ "$output" = '{"a":"b","c":"d"}' ]
  run td build --build-arg NOPE=1 "$C/basic"
  [[ "$output" == *"[Warning] One or more build-args [NOPE] were not consumed"* ]]
  # FROM scratch with nothing else makes no image
  printf 'FROM scratch\n' >"$T/Dockerfile"
  run td build "$T"
  [ "$status" -eq 1 ]
  [[ "$output" == *"No image was generated"* ]]
}

@test "build: a Dockerfile error names the file and line, exits 1, before anything runs" {
  n=$(td images -aq | wc -l)
  run td build "$C/parse-error"
  [ "$status" -eq 1 ]
  [ "$output" = "tinydocker: Dockerfile: dockerfile parse error line 3: unknown instruction: FOO" ]
  [ "$(td images -aq | wc -l)" -eq "$n" ]
  printf 'FROM busybox\nRUN echo x\nCOPY onlyone\n' >"$T/Dockerfile.bad"
  run td build -f "$T/Dockerfile.bad" "$T"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$T/Dockerfile.bad: dockerfile parse error line 3: COPY requires at least two arguments"* ]]
  [[ "$output" != *"Step 1"* ]]
  run td build "$T/nosuchdir"
  [ "$status" -eq 1 ]
  run td build --network bridge2 "$T"
  [ "$status" -eq 125 ]
}

@test "build: FROM an image that is not in the store pulls it (docker's behaviour); --pull pulls again" {
  reg_start
  td tag busybox "$REG/base:1"
  td push "$REG/base:1" >/dev/null
  td rmi "$REG/base:1" >/dev/null
  mkdir -p "$T/ctx"
  printf 'FROM %s/base:1\nRUN echo from-registry >/r\n' "$REG" >"$T/ctx/Dockerfile"
  run td build --network none -t pulled "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Pulling from"* || "$output" == *"Pull complete"* || "$output" == *"Downloaded newer image"* || "$output" == *"Status:"* ]]
  run td run --rm pulled cat /r
  [ "$output" = from-registry ]
  # a new image under the same tag: used only with --pull
  printf 'FROM busybox\nRUN echo v2 >/version\n' >"$T/ctx/Dockerfile.v2"
  td build -q --network none -f "$T/ctx/Dockerfile.v2" -t "$REG/base:1" "$T/ctx" >/dev/null
  td push "$REG/base:1" >/dev/null
  td tag busybox "$REG/base:1"
  printf 'FROM %s/base:1\nRUN cat /version 2>/dev/null || echo no-version\n' "$REG" >"$T/ctx/Dockerfile"
  run td build --network none --no-cache "$T/ctx"
  [[ "$output" == *no-version* ]]
  run td build --network none --no-cache --pull "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *v2* ]]
  # COPY --from an image that is only in the registry
  td rmi -f "$REG/base:1" >/dev/null
  printf 'FROM busybox\nCOPY --from=%s/base:1 /version /v\n' "$REG" >"$T/ctx/Dockerfile"
  run td build --network none -t fromreg "$T/ctx"
  [ "$status" -eq 0 ]
  run td run --rm fromreg cat /v
  [ "$output" = v2 ]
  # a registry that is not there: exit 1
  printf 'FROM 127.0.0.1:1/none:1\n' >"$T/ctx/Dockerfile"
  run td build "$T/ctx"
  [ "$status" -eq 1 ]
  reg_stop
}

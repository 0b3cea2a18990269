# A private docker-registry on 127.0.0.1 for a bats file (started and stopped by pid).
# reg_start [htpasswd-file] sets REG (host:port), REG_DIR, REG_PID.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

reg_start() {
  REG_DIR=$(mktemp -d /tmp/td-test-reg.XXXXXX)
  local port
  port=$(free_port)
  REG=127.0.0.1:$port
  {
    echo "version: 0.1"
    echo "log: {level: error}"
    echo "storage: {filesystem: {rootdirectory: $REG_DIR/data}, delete: {enabled: true}}"
    echo "http: {addr: $REG}"
    if [ -n "${1:-}" ]; then
      echo "auth: {htpasswd: {realm: td-test, path: $1}}"
    fi
  } >"$REG_DIR/config.yml"
  docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/log" 2>&1 &
  REG_PID=$!
  local i
  for i in $(seq 50); do
    if curl -s -o /dev/null "http://$REG/v2/"; then return 0; fi
    sleep 0.1
  done
  echo "registry did not start: $(cat "$REG_DIR/log")" >&2
  return 1
}

reg_stop() {
  if [ -n "${REG_PID:-}" ]; then
    kill "$REG_PID" 2>/dev/null || true
    wait "$REG_PID" 2>/dev/null || true
  fi
  if [ -n "${REG_DIR:-}" ]; then rm -rf "$REG_DIR"; fi
  REG_PID= REG_DIR=
  return 0
}

# Build a two-layer OCI image (busybox + a marker file) with umoci in $1 (layout:tag "t").
make_multilayer_oci() { # dir
  local d=$1
  umoci init --layout "$d/oci" >/dev/null
  umoci new --image "$d/oci:t" >/dev/null
  umoci unpack --image "$d/oci:t" "$d/bundle" >/dev/null
  mkdir -p "$d/bundle/rootfs/bin"
  cp /bin/busybox "$d/bundle/rootfs/bin/busybox"
  ln -s busybox "$d/bundle/rootfs/bin/sh"
  umoci repack --refresh-bundle --image "$d/oci:t" "$d/bundle" >/dev/null
  echo layer-two >"$d/bundle/rootfs/marker"
  head -c 300000 /dev/urandom >"$d/bundle/rootfs/random.bin"
  umoci repack --image "$d/oci:t" "$d/bundle" >/dev/null
  umoci config --image "$d/oci:t" --config.cmd sh >/dev/null
  rm -rf "$d/bundle"
}

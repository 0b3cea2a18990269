#!/usr/bin/env bash
# make demo: build, create the default busybox image from the host's busybox-static, and run
# a container that shows its isolation.
set -euo pipefail
cd "$(dirname "$0")/.."
build/tinydocker --version
build/tinyrun --version

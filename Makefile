# tinydocker: the two commands of the quick start are `make demo` and `make test`.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX ?= /usr/local

.PHONY: all deps build test unit demo bench install clean asan fuzz vm-deps test-vm test-crash test-compat test-stress test-upgrade

all: build

deps:
	scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true

# the libFuzzer targets (tests/run.sh runs each briefly over its seed corpus)
fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) fuzz/fuzz-spec fuzz/fuzz-image-ref fuzz/fuzz-layer fuzz/fuzz-cli-specs fuzz/fuzz-dockerfile \
		fuzz/fuzz-load fuzz/fuzz-gotmpl fuzz/fuzz-subid

test: build asan fuzz
	tests/run.sh

# kill -9 at random points of every state-changing command and of the monitor, in loops
# (CRASH_ROUNDS, default 10; CRASH_ONLY="rm stop ..." picks kinds): tests/crash/crash.sh
CRASH_ROUNDS ?= 10
test-crash: build
	BUILD_DIR=$(BUILD) tests/crash/crash.sh $(CRASH_ROUNDS)

# issue 18's stress test: WORKERS workers in parallel against one --root, ROUNDS rounds; fails on
# a hang, an unexpected refusal, a leak or a store inconsistency (tests/stress/stress.sh)
ROUNDS ?= 5
WORKERS ?= 4
test-stress: build
	ROUNDS=$(ROUNDS) WORKERS=$(WORKERS) BUILD=$(BUILD) tests/stress/stress.sh

# the compatibility suite alone: every case against Debian's docker.io and tinydocker, compared
# (tests/compat/run.sh; results in build/compat/). make test runs it too (66-compat.bats).
test-compat: build
	tests/compat/run.sh -o $(BUILD)/compat

vm-deps:
	scripts/vm/deps.sh

# the unit tests and most bats files in qemu guests booting Debian 12's kernels 6.1 and 6.12
# under pure cgroup v2 (docs/hosts.md); VM_KERNELS, VM_TESTS, VM_PARALLEL: see scripts/vm/run.sh
test-vm: build vm-deps
	scripts/vm/run.sh

# a store written by an older engine (UPGRADE_FROM=ref, default 0831d19, built once from git
# history into build-upgrade/) read and operated by this one (scripts/upgrade-test.sh)
test-upgrade: build
	scripts/upgrade-test.sh

demo: build
	scripts/demo.sh

bench: build
	bench/run.sh

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-vm build-upgrade

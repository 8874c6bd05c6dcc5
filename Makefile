# rustbox — build, test, install.
VERSION := $(shell cat VERSION)
PREFIX ?= /usr
DESTDIR ?=
CC ?= gcc

BUILD ?= build
SRC := $(wildcard src/*.c)
LIB_SRC := $(filter-out src/main.c,$(SRC))
HDR := $(wildcard src/*.h)
PKGS := libseccomp mount libcap json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter -Wno-format-truncation
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DRUSTBOX_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS)
OPT ?= -O2 -g
CFLAGS_ALL := $(BASE_CFLAGS) $(HARDEN) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS_ALL := -pie -Wl,-z,relro,-z,now $(EXTRA_LDFLAGS)

OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC))
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all clean check unit system asan coverage bench install deps helpers fault-libs failure-matrix leak-check soak
all: $(BUILD)/rustbox helpers

$(BUILD)/obj/%.o: src/%.c $(HDR) VERSION | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/obj $(BUILD)/tests $(BUILD)/helpers:
	mkdir -p $@

$(BUILD)/rustbox: $(OBJ)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
	ln -sf rustbox $(BUILD)/isolate

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Isrc $(LDFLAGS_ALL) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) -lcmocka

# Small test programs the system tests run inside boxes (static so that they
# need nothing from the box's /lib).
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRC))
helpers: $(HELPER_BIN)
$(BUILD)/helpers/%: tests/helpers/%.c | $(BUILD)/helpers
	$(CC) -std=gnu11 -O1 -Wall -o $@ $< -lpthread

# Test-only preload libraries: the fault-injection shim and the fd probe.
FAULT_LIBS := $(BUILD)/fault/shim.so $(BUILD)/fault/fdprobe.so
fault-libs: $(FAULT_LIBS)
$(BUILD)/fault/shim.so: tests/failure_matrix/shim.c
	mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl
$(BUILD)/fault/fdprobe.so: tests/leak_check/fdprobe.c
	mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $<

failure-matrix: all fault-libs
	python3 tests/failure_matrix/run.py --rustbox $(RUSTBOX_BIN) --shim $(BUILD)/fault/shim.so

LEAK_RUNS ?= 1000
leak-check: all fault-libs
	LEAK_RUNS=$(LEAK_RUNS) python3 tests/leak_check/run.py --rustbox $(RUSTBOX_BIN) --fdprobe $(BUILD)/fault/fdprobe.so

soak:
	$(MAKE) leak-check LEAK_RUNS=10000

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The sanitizer build used by the tests: same sources, ASan+UBSan.
asan:
	$(MAKE) BUILD=build/asan EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" OPT="-O1 -g" all

system: all
	RUSTBOX=$(abspath $(RUSTBOX_BIN)) HELPERS=$(abspath $(BUILD)/helpers) bats --print-output-on-failure tests/system

RUSTBOX_BIN ?= $(BUILD)/rustbox
SAN_MAKE := $(MAKE) BUILD=build/asan EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" OPT="-O1 -g"
# Every test runs against the ASan+UBSan build.
check: asan
	$(SAN_MAKE) unit
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox system
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox failure-matrix
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox leak-check
	tests/leftovers.sh

coverage:
	rm -rf build/cov
	$(MAKE) BUILD=build/cov EXTRA_CFLAGS="--coverage" EXTRA_LDFLAGS="--coverage" OPT="-O0 -g" all unit
	$(MAKE) BUILD=build/cov RUSTBOX_BIN=build/cov/rustbox system
	$(MAKE) BUILD=build/cov RUSTBOX_BIN=build/cov/rustbox failure-matrix
	lcov --quiet --capture --directory build/cov/obj --output-file build/cov/coverage.info
	lcov --quiet --remove build/cov/coverage.info '/usr/*' --output-file build/cov/coverage.info
	genhtml --quiet --output-directory build/cov/html build/cov/coverage.info
	@lcov --summary build/cov/coverage.info 2>&1 | grep -E 'lines|functions'

bench: all
	bench/run.sh $(BUILD)/rustbox

install: $(BUILD)/rustbox
	install -D -m 0755 $(BUILD)/rustbox $(DESTDIR)$(PREFIX)/bin/rustbox
	install -D -m 0644 etc/config.json $(DESTDIR)/etc/rustbox/config.json
	install -d -m 0750 $(DESTDIR)/var/lib/rustbox

deps:
	scripts/install-deps

clean:
	rm -rf build

# Real kernels: boots each Debian kernel package under qemu (TCG) as a pure
# cgroup v2 host and runs the system tests, the failure matrix, the leak check
# and the v1/v2 parity battery inside it (tests/kernel/, docs/cgroups.md).
# COVERAGE=1 tests a --coverage build (build/cov) and keeps the guests'
# counters for tests/kernel/coverage.sh.
KERNEL_PKGS ?= linux-image-6.1.0-56-amd64 linux-image-6.12.117+deb12-amd64
KERNEL_CACHE ?= build/kernels
KM_BUILD := $(if $(filter 1,$(COVERAGE)),build/cov,$(BUILD))
KM_FLAGS := $(if $(filter 1,$(COVERAGE)),EXTRA_CFLAGS="--coverage" EXTRA_LDFLAGS="--coverage" OPT="-O0 -g")
.PHONY: kernel-matrix
kernel-matrix:
	$(MAKE) BUILD=$(KM_BUILD) $(KM_FLAGS) all
	KERNEL_CACHE=$(KERNEL_CACHE) tests/kernel/matrix.sh $(KM_BUILD) $(KERNEL_PKGS)

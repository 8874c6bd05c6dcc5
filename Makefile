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

.PHONY: all clean check unit system asan coverage bench install deps helpers
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

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The sanitizer build used by the tests: same sources, ASan+UBSan.
asan:
	$(MAKE) BUILD=build/asan EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" OPT="-O1 -g" all

system: all
	RUSTBOX=$(abspath $(RUSTBOX_BIN)) HELPERS=$(abspath $(BUILD)/helpers) bats --print-output-on-failure tests/system

RUSTBOX_BIN ?= build/asan/rustbox
check: asan
	$(MAKE) BUILD=build/asan EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" OPT="-O1 -g" unit
	$(MAKE) RUSTBOX_BIN=build/asan/rustbox system
	tests/leftovers.sh

coverage:
	rm -rf build/cov
	$(MAKE) BUILD=build/cov EXTRA_CFLAGS="--coverage" EXTRA_LDFLAGS="--coverage" OPT="-O0 -g" all unit
	$(MAKE) BUILD=build/cov RUSTBOX_BIN=build/cov/rustbox system
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

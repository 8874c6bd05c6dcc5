# SPDX-License-Identifier: Apache-2.0
# rustbox — build, test, install.
VERSION := $(shell cat VERSION)
PREFIX ?= /usr
DESTDIR ?=
CC ?= gcc

BUILD ?= build
SRC := $(wildcard src/*.c)
# The command layer reads the command line and prints; everything else in
# src/ is the library (librustbox.a), which never sees argv (CONTRIBUTING.md,
# docs/architecture.md; scripts/check-layering.sh enforces it).
CMD_SRC := $(filter src/main.c src/cli.c src/cli_opt.c src/isolate_cli.c src/isolate_usage.c src/cmd.c src/cmd_%.c,$(SRC))
LIB_SRC := $(filter-out $(CMD_SRC),$(SRC))
PKGS := libseccomp json-c
# libmicrohttpd: its header only; serve.c opens the library when serving.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libmicrohttpd 2>/dev/null)
# libseccomp and json-c are linked in: every call of the binary (a run is
# three: --init, --run, --cleanup) would otherwise pay the dynamic loader
# for each (docs/performance.md). Only libc is loaded at start-up.
# STATIC_DEPS=0 links them as shared libraries, for a distribution that
# ships no static json-c (slower start-up, same behaviour).
STATIC_DEPS ?= 1
ifeq ($(STATIC_DEPS),1)
PKG_LIBS := -Wl,-Bstatic $(shell pkg-config --libs $(PKGS) 2>/dev/null) -Wl,-Bdynamic
else
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter -Wconversion -Wsign-conversion \
    -Wmissing-prototypes
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DRUSTBOX_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS)
OPT ?= -O2 -g
# Sources generated at build time (the compiled seccomp program).
GEN := $(BUILD)/gen
CFLAGS_ALL := $(BASE_CFLAGS) -I$(GEN) $(HARDEN) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS_ALL := -pie -Wl,-z,relro,-z,now $(EXTRA_LDFLAGS)

OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC))
CMD_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CMD_SRC))
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
LIB_A := $(BUILD)/librustbox.a
# The unit tests link the command layer (its parsers are tested) but main().
TEST_OBJ := $(filter-out $(BUILD)/obj/main.o,$(CMD_OBJ))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all clean check check-host unit system setuid-bin asan coverage bench install deps helpers fault-libs failure-matrix leak-check soak isolate-replay
all: $(BUILD)/rustbox helpers

# sandbox.c and the parts it builds the box with (sandbox_spec.c, boxfs.c,
# rootfs.c) run inside the box: gcov's fork/exec hooks there would try to
# write profile data to a host path the box cannot see (and into the
# program's stderr). They are left out of coverage builds.
$(BUILD)/obj/sandbox.o $(BUILD)/obj/sandbox_spec.o $(BUILD)/obj/boxfs.o $(BUILD)/obj/rootfs.o: override CFLAGS_ALL := $(filter-out --coverage,$(CFLAGS_ALL))

# -MMD -MP: each object (and unit test) depends on the headers it includes,
# listed by the compiler in a .d file beside it.
DEPFLAGS = -MMD -MP -MF $@.d -MT $@
$(BUILD)/obj/%.o: src/%.c VERSION | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/obj $(BUILD)/tests $(BUILD)/helpers $(GEN):
	mkdir -p $@

# The seccomp policy compiled to BPF once, at build time, with the same
# libseccomp the binary links (src/seccomp_filter.h says why).
SECCOMP_GEN_OBJ := $(BUILD)/obj/seccomp_policy.o $(BUILD)/obj/error.o $(BUILD)/obj/util.o
$(GEN)/seccomp_gen: src/gen/seccomp_gen.c $(SECCOMP_GEN_OBJ) | $(GEN)
	$(CC) $(CFLAGS_ALL) -Isrc $(LDFLAGS_ALL) -o $@ $< $(SECCOMP_GEN_OBJ) $(PKG_LIBS)
$(GEN)/seccomp_program.inc: $(GEN)/seccomp_gen
	$< $@
$(BUILD)/obj/seccomp_filter.o: $(GEN)/seccomp_program.inc

# The list of objects, rewritten only when it changes: a source removed or
# moved between the layers rebuilds the archive and relinks the binary.
OBJ_LIST := $(BUILD)/objects.list
$(OBJ_LIST): FORCE | $(BUILD)/obj
	@echo '$(CMD_OBJ) | $(LIB_OBJ)' | cmp -s - $@ || echo '$(CMD_OBJ) | $(LIB_OBJ)' >$@
.PHONY: FORCE
FORCE:

$(LIB_A): $(LIB_OBJ) $(OBJ_LIST)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/rustbox: $(CMD_OBJ) $(LIB_A) $(OBJ_LIST)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(CMD_OBJ) $(LIB_A) $(PKG_LIBS)
	ln -sf rustbox $(BUILD)/isolate

$(BUILD)/tests/%: tests/unit/%.c $(TEST_OBJ) $(LIB_A) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -Isrc $(LDFLAGS_ALL) -o $@ $< $(TEST_OBJ) $(LIB_A) $(PKG_LIBS) -lcmocka

-include $(OBJ:=.d) $(UNIT_BIN:=.d)

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

# isolate 1.10.1's recorded behaviour replayed against isolate mode
# (tests/isolate/README.md); fails on a case that differs and is not listed
# in tests/isolate/known-differences, and on a listed one that passes.
isolate-replay: all
	python3 tests/isolate/replay.py --rustbox $(RUSTBOX_BIN)

# A set-uid rustbox takes its configuration only from the path built into
# it: the system tests' set-uid copy (09_setuid.bats) is built with a path
# of its own beside it, so that no test ever reads a real installation's.
# Only config.c differs from the build it sits in.
SETUID_BIN := $(BUILD)/setuid/rustbox
# Below root's /run (not a snapshot the kernel-matrix guests see read-only),
# named after the build dir so that two checkouts do not share it; the path
# is written beside the binary for the tests (and the guests) to read.
SETUID_CONFIG := /run/rbsetuid-$(shell printf '%s' '$(abspath $(BUILD))' | md5sum | cut -c1-8)/config.json
setuid-bin: $(SETUID_BIN)
$(SETUID_BIN): src/config.c $(filter-out $(BUILD)/obj/config.o,$(CMD_OBJ) $(LIB_OBJ)) $(OBJ_LIST)
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DRB_DEFAULT_CONFIG_PATH='"$(SETUID_CONFIG)"' -c -o $(BUILD)/setuid/config.o src/config.c
	printf '%s\n' '$(SETUID_CONFIG)' >$(BUILD)/setuid/config-path
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(filter-out $(BUILD)/obj/config.o,$(CMD_OBJ) $(LIB_OBJ)) \
	    $(BUILD)/setuid/config.o $(PKG_LIBS)

system: all setuid-bin
	RUSTBOX=$(abspath $(RUSTBOX_BIN)) HELPERS=$(abspath $(BUILD)/helpers) RUSTBOX_SETUID=$(abspath $(SETUID_BIN)) \
	    bats --print-output-on-failure tests/system

RUSTBOX_BIN ?= $(BUILD)/rustbox
SAN_MAKE := $(MAKE) BUILD=build/asan EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" OPT="-O1 -g"
# Every host test runs against the ASan+UBSan build; then the same suites run
# on real kernels with a pure cgroup v2 hierarchy (kernel-matrix, below).
# check-host is the part that needs no emulation.
check: check-host kernel-matrix

check-host: asan
	$(MAKE) lint
	$(SAN_MAKE) unit
	# And without sanitizers: the allocation-failure tests that interpose
	# malloc run only where ASan does not own it.
	$(MAKE) unit
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox system
	# Plain build: max-rss is compared with isolate's, and ASan's shadow memory is not.
	$(MAKE) isolate-replay
	$(MAKE) promtool-check
	$(MAKE) runbook-test
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox failure-matrix
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox leak-check
	$(SAN_MAKE) RUSTBOX_BIN=build/asan/rustbox adversarial
	$(MAKE) fuzz-short FUZZ_JOBS=2
	tests/leftovers.sh

coverage:
	rm -rf build/cov
	$(MAKE) BUILD=build/cov EXTRA_CFLAGS="--coverage" EXTRA_LDFLAGS="--coverage" OPT="-O0 -g" all unit
	$(MAKE) BUILD=build/cov RUSTBOX_BIN=build/cov/rustbox system
	$(MAKE) BUILD=build/cov RUSTBOX_BIN=build/cov/rustbox failure-matrix
	lcov --quiet --capture --directory build/cov/obj --output-file build/cov/coverage.info
	lcov --quiet --remove build/cov/coverage.info '/usr/*' --output-file build/cov/coverage.info
	@lcov --summary build/cov/coverage.info 2>&1 | sed -n 's/^ *lines/host only: lines/p'
	# The guests' counters (pure cgroup v2: the v2 backend's code) join the host's.
	$(MAKE) kernel-matrix COVERAGE=1
	tests/kernel/coverage.sh
	@lcov --list build/cov/coverage.info 2>/dev/null | grep -E '^(cleanup|cleanup_report|health|cmd_health|worker|lifecycle|scan|baseline)\.c'
	@lcov --summary build/cov/coverage.info 2>&1 | grep -E 'lines|functions'

bench: all
	bench/run.sh $(BUILD)/rustbox
	python3 bench/timing.py $(BUILD)/rustbox

# Installed files (SPEC §7); the Debian and RPM packages both use this target.
# The operator scripts go to $(PREFIX)/sbin in both packages. /etc/cron.d and
# the unit and the scripts name /usr/bin and /usr/sbin, rewritten here for
# another PREFIX.
SCRIPTS := $(sort $(wildcard scripts/rustbox-*.sh))
MANPAGES := $(sort $(wildcard man/*.8))
RUNBOOKS := $(sort $(wildcard runbooks/*.md))
ALERT_RULES := $(wildcard prometheus/rustbox.rules.yml)
SYSTEMD_UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
DOCDIR ?= $(PREFIX)/share/doc/rustbox
MANDIR ?= $(PREFIX)/share/man
FIX_PATHS := sed -e 's|/usr/bin/|$(PREFIX)/bin/|g' -e 's|/usr/sbin/|$(PREFIX)/sbin/|g'

install: $(BUILD)/rustbox
	install -D -m 0755 $(BUILD)/rustbox $(DESTDIR)$(PREFIX)/bin/rustbox
	install -D -m 0644 etc/config.json $(DESTDIR)/etc/rustbox/config.json
	install -d -m 0750 $(DESTDIR)/var/lib/rustbox
	install -d -m 0711 $(DESTDIR)/var/lib/rustbox/boxes
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/cron.d $(DESTDIR)$(SYSTEMD_UNITDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/runbooks
	for f in $(SCRIPTS); do $(FIX_PATHS) $$f >$(DESTDIR)$(PREFIX)/sbin/$${f##*/} && \
		chmod 0755 $(DESTDIR)$(PREFIX)/sbin/$${f##*/} || exit 1; done
	$(FIX_PATHS) etc/cron.d/rustbox >$(DESTDIR)/etc/cron.d/rustbox
	chmod 0644 $(DESTDIR)/etc/cron.d/rustbox
	$(FIX_PATHS) etc/systemd/rustbox.service >$(DESTDIR)$(SYSTEMD_UNITDIR)/rustbox.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/rustbox.service
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(RUNBOOKS) $(DESTDIR)$(DOCDIR)/runbooks/
	install -m 0644 README.md docs/SPEC.md docs/decisions.md $(ALERT_RULES) $(DESTDIR)$(DOCDIR)/

deps:
	scripts/install-deps

# The alert rules and their unit tests (prometheus/, promtool from Debian's
# prometheus package).
PROMTOOL ?= promtool
.PHONY: promtool-check
promtool-check:
	$(PROMTOOL) check rules prometheus/rustbox.rules.yml
	cd prometheus && $(PROMTOOL) test rules rustbox.rules.test.yml

clean:
	rm -rf build

# ---- code checks (CONTRIBUTING.md, "Code conventions") ----
# make lint: license tags, clang-format, layering, clang's static analyzer.
# It is the first step of check-host.
CLANG ?= clang
CLANG_FORMAT ?= clang-format
FORMAT_FILES = $(wildcard src/*.c src/*.h tests/unit/*.c tests/unit/*.h)
.PHONY: lint format analyze
lint:
	@rc=0; \
	scripts/check-spdx.sh || rc=1; \
	CLANG_FORMAT=$(CLANG_FORMAT) scripts/check-format.sh || rc=1; \
	scripts/check-layering.sh || rc=1; \
	$(MAKE) --no-print-directory analyze || rc=1; \
	if [ $$rc -ne 0 ]; then echo "lint: FAILED (see above)" >&2; exit 1; fi; \
	echo "lint: passed"

# Rewrites the C sources in place with .clang-format's style.
format:
	$(CLANG_FORMAT) -i --style=file $(FORMAT_FILES)

# clang --analyze over every src/*.c with the build's flags (gcc-only ones and
# -Werror left out); any finding fails, printed with the path that leads to it.
# (clang reports no compiler warnings under --analyze: `make CC=clang` does.)
# One log per file in $(BUILD)/analyze/, redone when the file or a header it
# includes changes.
ANALYZE_FLAGS = $(filter-out -Werror,$(BASE_CFLAGS)) -I$(GEN) \
    --analyze -Xanalyzer -analyzer-output=text
ANALYZE_LOGS := $(patsubst src/%.c,$(BUILD)/analyze/%.txt,$(SRC))
$(BUILD)/analyze:
	mkdir -p $@
$(BUILD)/analyze/%.txt: src/%.c VERSION | $(BUILD)/analyze
	@$(CLANG) $(ANALYZE_FLAGS) -MMD -MP -MF $@.d -MT $@ -o /dev/null $< 2>$@.tmp || { cat $@.tmp >&2; exit 1; }
	@mv $@.tmp $@
-include $(ANALYZE_LOGS:=.d)
$(BUILD)/analyze/seccomp_filter.txt: $(GEN)/seccomp_program.inc
analyze: $(ANALYZE_LOGS)
	@n=$$(cat $(ANALYZE_LOGS) | grep ': warning: ' | sort -u | grep -c . || true); \
	if [ "$$n" -ne 0 ]; then \
		cat $(ANALYZE_LOGS) >&2; \
		echo "analyze: $$n finding(s):" >&2; \
		cat $(ANALYZE_LOGS) | grep ': warning: ' | sort -u >&2; \
		exit 1; \
	fi; \
	echo "analyze: $(words $(SRC)) files, no findings"

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
	$(MAKE) BUILD=$(KM_BUILD) $(KM_FLAGS) all fault-libs setuid-bin
	KERNEL_CACHE=$(KERNEL_CACHE) tests/kernel/matrix.sh $(KM_BUILD) $(KERNEL_PKGS)

# Packages (debian/, rpm/). Both are built from a copy of the tree under
# build/ and take their version from the file VERSION: `make deb` writes the
# Debian changelog entry for it, `make rpm` defines rustbox_version and adds
# the %changelog entry to its copy of the spec.
PKG_BUILD := build/pkg
PKG_TREE = tar -c --exclude=./build --exclude=./.git --exclude='*.o' . | tar -x -C
PKG_DATE = $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
.PHONY: deb rpm package-test runbook-test
deb:
	rm -rf $(PKG_BUILD)/deb && mkdir -p $(PKG_BUILD)/deb/rustbox-$(VERSION)
	$(PKG_TREE) $(PKG_BUILD)/deb/rustbox-$(VERSION)
	printf 'rustbox (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
		'$(VERSION)' '$(VERSION)' 'rustbox developers <dev@rustbox.invalid>' \
		"$$(date -R -u -d @$(PKG_DATE))" >$(PKG_BUILD)/deb/rustbox-$(VERSION)/debian/changelog
	cd $(PKG_BUILD)/deb/rustbox-$(VERSION) && dpkg-buildpackage -b -us -uc -Jauto
	@echo "deb: $(PKG_BUILD)/deb/rustbox_$(VERSION)_$$(dpkg --print-architecture).deb"

RPM_TOP := $(abspath $(PKG_BUILD)/rpm)
rpm:
	rm -rf $(RPM_TOP) && mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/tree/rustbox-$(VERSION)
	$(PKG_TREE) $(RPM_TOP)/tree/rustbox-$(VERSION)
	tar -C $(RPM_TOP)/tree -czf $(RPM_TOP)/SOURCES/rustbox-$(VERSION).tar.gz rustbox-$(VERSION)
	cp rpm/rustbox.spec $(RPM_TOP)/rustbox.spec
	printf '* %s rustbox developers <dev@rustbox.invalid> - %s-1\n- Release %s.\n' \
		"$$(LC_ALL=C date -u -d @$(PKG_DATE) '+%a %b %d %Y')" '$(VERSION)' '$(VERSION)' >>$(RPM_TOP)/rustbox.spec
	rpmbuild --nodeps -bb --define '_topdir $(RPM_TOP)' --define 'rustbox_version $(VERSION)' $(RPM_TOP)/rustbox.spec
	@ls $(RPM_TOP)/RPMS/*/rustbox-$(VERSION)-*.rpm

# As root on a judge-like host: builds, lints, installs and purges both
# packages (tests/packaging/package-test.sh), and runs every runbook's safe
# blocks against a private state dir (tests/packaging/runbook-test.py).
package-test:
	tests/packaging/package-test.sh

runbook-test: $(BUILD)/rustbox
	python3 tests/packaging/runbook-test.py --rustbox $(abspath $(BUILD)/rustbox)

# Hostile programs run under rustbox (tests/adversarial/manifest: verdict and
# checks per case, then a leftover check); as root. RUSTBOX_BIN picks the
# binary under test (make check: the ASan build).
.PHONY: adversarial fuzz fuzz-short
adversarial: all
	RUSTBOX=$(abspath $(RUSTBOX_BIN)) tests/adversarial/run.sh

# libFuzzer harnesses of the parsers and writers (tests/fuzz/fuzz_*.c), built
# with clang, ASan and UBSan, each run FUZZ_SECONDS from its committed seeds.
FUZZ_SECONDS ?= 300
fuzz: $(GEN)/seccomp_program.inc
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_PKG_CFLAGS="$(PKG_CFLAGS) -I$(abspath $(GEN))" FUZZ_PKG_LIBS="$(PKG_LIBS)" tests/fuzz/run.sh
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=60

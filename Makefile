# ktlso top-level Makefile.
#
#   make              userspace library, ktlsoctl, test programs     -> build/
#   make kmod         ktlso.ko for KERNELDIR (default: the 6.1 VM kernel's headers)
#   make kmod-vm      ktlso.ko for each VM kernel (6.1, 6.12, latest), each built with its
#                     Debian release's compiler (scripts/kmod-build)
#   make userspace-trixie  the userspace built in the Debian 13 root -> build/trixie/
#   make test         host tests (also under ASan+UBSan, and ktlsod under valgrind), a fuzz
#                     smoke, then VM tests on 6.1, 6.12 and latest (on latest also with the
#                     userspace of build/trixie); ends "N passed, N failed"
#   make fuzz         every libFuzzer target for FUZZ_SECONDS (60) on its corpus (fuzz/)
#   make test-asan    the host tests with an ASan+UBSan build (build/asan); no report allowed
#   make valgrind     ktlsod under valgrind serving 1000 requests (tests/e2e/valgrind.sh)
#   make testssl      testssl.sh against ktlsod's TLS configuration (tests/e2e/testssl.sh)
#   make load         ktlsod under LOAD_CONNS (500) clients for LOAD_SECONDS (300) in a VM on
#                     LOAD_KERNEL (6.1): every byte checked, no error, memory flat (tests/load/run)
#   make system-test  Debian 13 booted with systemd, the packages installed with apt-get
#                     (DKMS), two boots: the operator's path (tests/system/run; in make test)
#   make demo         boots the VM and prints the kernel's kTLS capabilities
#   make bench        ktlsod vs nginx vs plaintext under qemu -icount and a normal boot ->
#                     bench/results/ (json, md, png); BENCH_QUICK=1 a smaller matrix
#   make deps         installs the Debian packages (scripts/deps) and fetches the VM kernels
#                     into build/kernels/ (scripts/vmkernels: downloaded and unpacked, not
#                     installed); demo, test, bench and the other test targets run it first.
#                     NODEPS=1 skips that (hosts other than Debian 12 and 13).
#                     KTLSO_LATEST=<abi> pins latest.
#   make install      ktlsod, ktlsoctl, ktlsobench into DESTDIR/PREFIX (see "install" below)
#   make uninstall    removes what make install put there
#   make clean
#
# 'make', 'make kmod', 'make install' only build: they never install a package or fetch
# anything, so a packager's or a distribution's build leaves the machine as it was (a
# missing library is an error naming its package). CFLAGS, CPPFLAGS and LDFLAGS are
# honoured (dpkg-buildflags' hardening); WERROR=0 turns warnings back into warnings.

.DEFAULT_GOAL := all
O        := build
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)

# Goals that only build (or install what was built) never run scripts/deps.
BUILD_ONLY_GOALS := all kmod install uninstall install-dkms uninstall-dkms clean deb-export
ifeq ($(filter-out $(BUILD_ONLY_GOALS),$(or $(MAKECMDGOALS),all)),)
NODEPS   := 1
endif

CC       ?= cc
CFLAGS   ?= -O2 -g
WERROR   ?= 1
# The version of every part, daemon, tool and module, is the VERSION file's one line.
KTLSO_VERSION := $(shell cat VERSION 2>/dev/null)
$(if $(KTLSO_VERSION),,$(error no version: the file VERSION is missing or empty))
PKGS     := openssl liburing libnl-genl-3.0
# Deferred (=) so that pkg-config runs after 'deps' has installed the packages.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# Once, before the first compile: a missing library is named with its Debian package.
PKG_DEBS   := libssl-dev liburing-dev libnl-genl-3-dev pkg-config
pkgcheck    = $(if $(PKG_CHECKED),,$(eval PKG_CHECKED := 1)$(if $(shell pkg-config \
	      --exists $(PKGS) 2>/dev/null && echo ok),,$(error the development files of \
	      $(PKGS) are missing (pkg-config); on Debian: apt-get install $(PKG_DEBS), or \
	      'make deps' for everything the tests need too)))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
KT_CFLAGS  = -std=gnu11 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wshadow -Wstrict-prototypes \
	     -Wmissing-prototypes -D_GNU_SOURCE -fno-strict-aliasing \
	     -Iinclude/uapi -Iinclude -Iuserspace/lib -Iuserspace/ktlsod -Itests/lib $(PKG_CFLAGS) \
	     -MMD -MP -DKTLSO_VERSION=\"$(KTLSO_VERSION)\"

# ---------------------------------------------------------------------------- deps
.PHONY: deps
deps:
ifneq ($(NODEPS),1)
	$(Q)scripts/deps
endif

# ---------------------------------------------------------------------------- userspace
LIB_SRC   := $(wildcard userspace/lib/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(O)/obj/%.o)
LIB       := $(O)/lib/libktlso.a

# ktlsod: everything but main.c is also a library, so that tests can link its parts.
D_SRC     := $(filter-out userspace/ktlsod/main.c,$(wildcard userspace/ktlsod/*.c))
D_OBJ     := $(D_SRC:%.c=$(O)/obj/%.o)
D_LIB     := $(O)/lib/libktlsod.a
DAEMON    := $(if $(wildcard userspace/ktlsod/main.c),$(O)/bin/ktlsod)

TOOLS     := $(notdir $(wildcard tools/*))
TOOL_BINS := $(TOOLS:%=$(O)/bin/%)

UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
VMT_SRC   := $(wildcard tests/vm/*.c)
VMT_BINS  := $(VMT_SRC:tests/vm/%.c=$(O)/tests/vm/%)
# The tests' helper programs (clients, stand-in servers, checkers): not tests themselves.
TTOOL_SRC := $(wildcard tests/tools/*.c)
TTOOL_BINS := $(TTOOL_SRC:tests/tools/%.c=$(O)/tests/tools/%)
TLIB_SRC  := $(wildcard tests/lib/*.c)
TLIB_OBJ  := $(TLIB_SRC:%.c=$(O)/obj/%.o)

ALL_OBJ   := $(LIB_OBJ) $(TLIB_OBJ)

.PHONY: all
all: $(LIB) $(D_LIB) $(DAEMON) $(TOOL_BINS) $(UNIT_BINS) $(VMT_BINS) $(TTOOL_BINS)

# VERSION is in every object's flags: a new version rebuilds them.
$(O)/obj/%.o: %.c VERSION | deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(pkgcheck)
	$(Q)$(CC) $(KT_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(D_LIB): $(D_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/bin/ktlsod: $(O)/obj/userspace/ktlsod/main.o $(D_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

# One directory per tool; all of its .c files make the binary.
.SECONDEXPANSION:
$(O)/bin/%: $$(addsuffix .o,$$(addprefix $(O)/obj/,$$(basename $$(wildcard tools/$$*/*.c)))) $(LIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/tests/%: $(O)/obj/tests/%.o $(TLIB_OBJ) $(D_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

# Keep objects: they are the incremental build, not intermediates.
.SECONDARY:

-include $(shell find $(O)/obj $(O)/fuzz/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------- kernel module
# The module is built out of tree in build/kmod/<kernelrelease>/, a tree of symlinks to
# kmod/, so that the sources stay clean and several kernels can be built side by side.
# Kbuild, include/, kmod/ and VERSION are the module's sources (what DKMS gets too):
# kmod/Kbuild reads the version from VERSION unless KTLSO_VERSION is given.
KVER      ?= 6.1
KERNELDIR ?= $(shell scripts/kver --headers $(KVER) 2>/dev/null)
# Named after the headers directory (linux-headers-<abi>), the name the VM harness looks up.
KREL       = $(patsubst linux-headers-%,%,$(notdir $(realpath $(KERNELDIR))))
KMOD_DIR   = $(O)/kmod/$(KREL)

.PHONY: kmod kmod-vm
kmod: | deps
	@test -d "$(KERNELDIR)" || { echo "kmod: no kernel headers at KERNELDIR=$(KERNELDIR)$(if $(KERNELDIR),, (run 'make deps'))" >&2; exit 1; }
	@mkdir -p $(KMOD_DIR)/kmod
	$(Q)ln -sfn $(abspath Kbuild) $(KMOD_DIR)/Kbuild
	$(Q)ln -sfn $(abspath include) $(KMOD_DIR)/include
	$(Q)ln -sfn $(abspath VERSION) $(KMOD_DIR)/VERSION
	$(Q)for f in kmod/*; do ln -sfn $(abspath .)/$$f $(KMOD_DIR)/$$f; done
	$(Q)$(MAKE) -C $(KERNELDIR) M=$(abspath $(KMOD_DIR)) KTLSO_VERSION=$(KTLSO_VERSION) \
		$(if $(Q),-s) modules
	@echo "  KMOD    $(KMOD_DIR)/kmod/ktlso.ko"

# Every VM kernel, each the way its Debian release builds modules: trixie's kernels with
# its gcc-14, in build/roots/trixie on a Debian 12 host (scripts/kmod-build).
VM_KERNELS ?= 6.1 6.12 latest
kmod-vm: | deps
	$(Q)for k in $(VM_KERNELS); do scripts/kmod-build $$k $(if $(W),W=$(W)) || exit 1; done

# The userspace (ktlsod, ktlsoctl, the tests) as a Debian 13 operator builds it: gcc-14,
# OpenSSL 3.5, liburing 2.9, in build/roots/trixie (scripts/in-root; on a Debian 13 host,
# the host itself), into $(O)/trixie. tests/vm/run --userspace trixie runs it with
# trixie's libraries, openssl and curl.
HOST_RELEASE := $(shell . /etc/os-release 2>/dev/null; echo $$VERSION_CODENAME)
.PHONY: userspace-trixie
userspace-trixie: | deps
	$(Q)$(if $(filter trixie,$(HOST_RELEASE)),,scripts/in-root trixie) \
		make --no-print-directory O=$(O)/trixie NODEPS=1 V=$(V) all

# ---------------------------------------------------------------------------- fuzzing
# libFuzzer targets (fuzz/*.c), one per parser of peer- or operator-controlled bytes, built
# with clang into build/fuzz/ with ASan+UBSan; fuzz/run runs them on their checked-in
# corpora (fuzz/corpus/<target>/). 'make fuzz' runs each for FUZZ_SECONDS.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN      = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all
FUZZ_NAMES   := $(basename $(notdir $(wildcard fuzz/*.c)))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(O)/fuzz/bin/%)
# What each target links besides itself.
FUZZ_SRC_http          := userspace/ktlsod/http.c userspace/ktlsod/serve.c userspace/ktlsod/log.c
FUZZ_SRC_records       := userspace/ktlsod/records.c
FUZZ_SRC_config        := userspace/ktlsod/config.c userspace/ktlsod/groups.c userspace/lib/addr.c \
			  userspace/lib/nl_names.c
FUZZ_SRC_ktlsod_args   := $(FUZZ_SRC_config)
FUZZ_LD_config          = $(PKG_LIBS)
FUZZ_LD_ktlsod_args     = $(PKG_LIBS)
FUZZ_SRC_ktlsoctl_args := $(wildcard tools/ktlsoctl/*.c userspace/lib/*.c)
FUZZ_LD_ktlsoctl_args   = -Wl,--wrap=kso_nl_open $(PKG_LIBS)
# ktlsoctl's main() runs as a function of the fuzzer.
$(O)/fuzz/obj/tools/ktlsoctl/main.o: FUZZ_DEFS := -Dmain=ktlsoctl_main -Wno-missing-prototypes

.PHONY: fuzz fuzz-build deps-fuzz
deps-fuzz:
ifneq ($(NODEPS),1)
	$(Q)scripts/deps fuzz
endif

$(O)/fuzz/obj/%.o: %.c VERSION | deps deps-fuzz
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(KT_CFLAGS) -Itools/ktlsoctl $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(FUZZ_DEFS) -c -o $@ $<

fuzz_objs = $(addprefix $(O)/fuzz/obj/,$(patsubst %.c,%.o,$(FUZZ_SRC_$(1))))
$(O)/fuzz/bin/%: $(O)/fuzz/obj/fuzz/%.o $$(call fuzz_objs,$$*)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LD_$*)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)fuzz/run --seconds $(FUZZ_SECONDS)

# ---------------------------------------------------------------------------- sanitizers
# The same programs built with ASan+UBSan into build/asan/, and the host tests run with
# them (tests/run-all --asan: any sanitizer report fails). Valgrind: ktlsod serving 1000
# requests in userspace TLS under memcheck (tests/e2e/valgrind.sh).
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	       -fno-sanitize-recover=undefined
.PHONY: asan test-asan valgrind deps-valgrind
deps-valgrind:
ifneq ($(NODEPS),1)
	$(Q)scripts/deps valgrind
endif

asan: | deps
	$(Q)$(MAKE) --no-print-directory O=$(O)/asan CFLAGS="$(ASAN_CFLAGS)" NODEPS=1 all

test-asan: asan
	$(Q)tests/run-all --asan

valgrind: all deps-valgrind
	$(Q)env PATH="$(abspath $(O))/bin:$(abspath $(O))/tests/tools:$$PATH" sh tests/e2e/valgrind.sh

# ---------------------------------------------------------------------------- TLS scan
# testssl.sh (Debian's package) against ktlsod on 127.0.0.1 in userspace TLS, --tls-min 1.3
# and 1.2 (tests/e2e/testssl.sh, docs/hardening.md section 5). Fails on any FAIL line.
.PHONY: testssl deps-testssl
deps-testssl:
ifneq ($(NODEPS),1)
	$(Q)scripts/deps testssl
endif

testssl: all deps-testssl
	$(Q)env PATH="$(abspath $(O))/bin:$$PATH" sh tests/e2e/testssl.sh | \
		awk '{ print } /^FAIL / { f = 1 } /^(PASS|SKIP) / { r = 1 } END { exit f || !r }'

# ---------------------------------------------------------------------------- test, demo
.PHONY: test test-unit test-vm demo deps-deb
deps-deb:
ifneq ($(NODEPS),1)
	$(Q)scripts/deps deb
endif

test: all kmod-vm userspace-trixie fuzz-build asan deps-valgrind deps-testssl deps-deb
	$(Q)tests/run-all

test-unit: all fuzz-build asan deps-valgrind deps-testssl
	$(Q)tests/run-all --host-only

# The operator's path end to end (tests/system/run, also in make test): a Debian 13 system
# image made with debootstrap, ktlso's packages built for it and installed with apt-get
# (DKMS builds the module), booted twice in qemu with systemd as init (scripts/sysimage).
.PHONY: system-test
system-test: | deps
	$(Q)tests/system/run

# ---------------------------------------------------------------------------- load
# tests/load/run in a VM (docs/hardening.md section 3). The VM's limit: the run, the
# responses still in flight when the clients stop issuing (minutes under TCG with 8 MiB
# files on 500 connections), set-up and checks.
LOAD_CONNS   ?= 500
LOAD_SECONDS ?= 300
LOAD_KERNEL  ?= 6.1
LOAD_TIMEOUT ?= $(shell echo $$(( $(LOAD_SECONDS) + 900 )))
.PHONY: load
load: all kmod-vm
	$(Q)tests/vm/run --kernel $(LOAD_KERNEL) --timeout $(LOAD_TIMEOUT) -- \
		sh tests/load/run --conns $(LOAD_CONNS) --seconds $(LOAD_SECONDS)

KERNEL ?= 6.1
demo: all kmod-vm
	$(Q)tests/vm/run --kernel $(KERNEL) -- sh tests/e2e/demo.sh

# ---------------------------------------------------------------------------- bench
# bench/bench: see its header for the boots, the matrix and how long they take.
.PHONY: bench deps-bench
deps-bench:
ifneq ($(NODEPS),1)
	$(Q)scripts/deps bench $(if $(filter trixie,$(BENCH_USERSPACE)),bench-trixie)
endif

# BENCH_USERSPACE=trixie: the boots run Debian 13's userspace (OpenSSL 3.5, its nginx and
# lighttpd) with ktlsod built there (userspace-trixie). KTLSO_VM=native (a host with kTLS,
# as root): no VM, so no module for the VM kernels
bench: all $(if $(filter native,$(KTLSO_VM)),,kmod-vm) deps-bench $(if $(filter trixie,$(BENCH_USERSPACE)),userspace-trixie)
	$(Q)bench/bench $(if $(BENCH_QUICK),--quick) --kernel "$(KERNEL)"

# ---------------------------------------------------------------------------- install
# The usual directory variables (GNU, as wireguard-tools has them); DESTDIR for staging.
# ktlsod is a system daemon (sbin); ktlsoctl's read-only commands serve any user (bin).
# Man pages (man/), systemd units, completions, Prometheus rules and a Grafana dashboard
# (dist/) are installed when the tree has them; so are the sysusers.d entry of the
# ktlsod user, a logrotate snippet, and the sample configuration (SYSCONFDIR/ktlsod/
# ktlsod.conf, only where there is none: uninstall leaves it too). install-dkms: the module's sources and dkms.conf in DKMSDIR/ktlso-VERSION, and
# dist/modules-load.d/ktlso.conf (tls and ktlso loaded at boot).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
MODLOADDIR ?= $(PREFIX)/lib/modules-load.d
DKMSDIR    ?= /usr/src
INSTALL    ?= install
MAN_PAGES  := $(wildcard man/*.[1-8])
UNITS      := $(wildcard dist/systemd/*.service dist/systemd/*.timer)
COMPLETIONS := $(wildcard dist/completion/*)
DATADIR    ?= $(PREFIX)/share/ktlso
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MONITORING := dist/prometheus/ktlso.rules.yml dist/grafana/ktlso.json
SYSUSERS   := dist/sysusers.d/ktlsod.conf
LOGROTATE  := dist/logrotate.d/ktlsod
DKMS_TREE  := $(DKMSDIR)/ktlso-$(KTLSO_VERSION)
DKMS_SRC   := Kbuild VERSION $(wildcard include/*.h include/uapi/linux/*.h kmod/*.[ch]) kmod/Kbuild
INSTALLED  := $(SBINDIR)/ktlsod $(BINDIR)/ktlsoctl $(BINDIR)/ktlsobench \
	      $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	      $(UNITS:dist/systemd/%=$(UNITDIR)/%) $(COMPLETIONS:dist/completion/%=$(BASHCOMPDIR)/%) \
	      $(MONITORING:dist/%=$(DATADIR)/%) $(SYSUSERS:dist/sysusers.d/%=$(SYSUSERSDIR)/%) \
	      $(LOGROTATE:dist/%=$(SYSCONFDIR)/%)

.PHONY: install uninstall install-dkms uninstall-dkms
install: $(DAEMON) $(O)/bin/ktlsoctl $(O)/bin/ktlsobench
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	$(Q)$(INSTALL) -m 0755 $(O)/bin/ktlsod $(DESTDIR)$(SBINDIR)/
	$(Q)$(INSTALL) -m 0755 $(O)/bin/ktlsoctl $(O)/bin/ktlsobench $(DESTDIR)$(BINDIR)/
	$(Q)$(foreach m,$(MAN_PAGES),$(INSTALL) -D -m 0644 $(m) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)) &&) true
	$(Q)$(foreach u,$(UNITS),$(INSTALL) -D -m 0644 $(u) $(DESTDIR)$(UNITDIR)/$(notdir $(u)) &&) true
	$(Q)$(foreach c,$(COMPLETIONS),$(INSTALL) -D -m 0644 $(c) \
		$(DESTDIR)$(BASHCOMPDIR)/$(notdir $(c)) &&) true
	$(Q)$(foreach f,$(MONITORING),$(INSTALL) -D -m 0644 $(f) $(DESTDIR)$(DATADIR)/$(f:dist/%=%) &&) true
	$(Q)$(foreach f,$(SYSUSERS),$(INSTALL) -D -m 0644 $(f) $(DESTDIR)$(SYSUSERSDIR)/$(notdir $(f)) &&) true
	$(Q)$(foreach f,$(LOGROTATE),$(INSTALL) -D -m 0644 $(f) $(DESTDIR)$(SYSCONFDIR)/$(f:dist/%=%) &&) true
	@# the sample configuration, never over the operator's own
	$(Q)test -e $(DESTDIR)$(SYSCONFDIR)/ktlsod/ktlsod.conf || \
		$(INSTALL) -D -m 0644 dist/ktlsod.conf $(DESTDIR)$(SYSCONFDIR)/ktlsod/ktlsod.conf

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# Then, as root: dkms install ktlso/$(KTLSO_VERSION) (the ktlso-dkms package does that).
install-dkms:
	$(Q)$(foreach f,$(DKMS_SRC),$(INSTALL) -D -m 0644 $(f) $(DESTDIR)$(DKMS_TREE)/$(f) &&) true
	$(Q)sed 's/#MODULE_VERSION#/$(KTLSO_VERSION)/' dkms.conf >$(DESTDIR)$(DKMS_TREE)/dkms.conf
	$(Q)$(INSTALL) -D -m 0644 dist/modules-load.d/ktlso.conf $(DESTDIR)$(MODLOADDIR)/ktlso.conf

uninstall-dkms:
	$(Q)rm -rf $(DESTDIR)$(DKMS_TREE) $(DESTDIR)$(MODLOADDIR)/ktlso.conf

# ---------------------------------------------------------------------------- packages
# Debian packages (debian/) built in build/deb/src/, from a copy of the tree's files (git's,
# with uncommitted edits, and new files not ignored): the build sees a clean tree, and
# dpkg-buildpackage's outputs, which go to the parent directory, land in build/deb/.
# Then lintian on them.
# DEB_RELEASE=trixie on another release's host: built in a Debian 13 root instead
# (scripts/sysimage debs, the system test's root) into build/deb-trixie/, without lintian.
DEB_DIR := $(O)/deb
HOST_RELEASE := $(shell . /etc/os-release 2>/dev/null; echo $$VERSION_CODENAME)
DEB_RELEASE ?= $(HOST_RELEASE)
.PHONY: deb deb-export
ifneq ($(DEB_RELEASE),$(HOST_RELEASE))
deb: | deps
	$(if $(filter trixie,$(DEB_RELEASE)),,$(error make deb: DEB_RELEASE=$(DEB_RELEASE): only this host's release ($(HOST_RELEASE)) or trixie))
	$(Q)scripts/sysimage debs
	$(Q)ls -1 $(O)/deb-trixie/*.deb
else
deb: deps-deb
	$(Q)$(MAKE) --no-print-directory deb-export DEB_DIR=$(DEB_DIR)
	$(Q)cd $(DEB_DIR)/src/ktlso-$(KTLSO_VERSION) && dpkg-buildpackage -b -us -uc \
		>../../build.log 2>&1 || { tail -n 30 ../../build.log >&2; \
		echo "make deb: dpkg-buildpackage failed; the whole log is $(DEB_DIR)/build.log" >&2; exit 1; }
	$(Q)mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.changes $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/
	$(Q)rm -rf $(DEB_DIR)/src
	$(Q)lintian --allow-root --fail-on error $(DEB_DIR)/*.changes
	$(Q)ls -1 $(DEB_DIR)/*.deb
endif

# The tree's files as git has them (with uncommitted edits, and new files not ignored) in
# DEB_DIR/src/ktlso-VERSION/, where dpkg-buildpackage runs.
deb-export:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src/ktlso-$(KTLSO_VERSION)
	$(Q)git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(DEB_DIR)/src/ktlso-$(KTLSO_VERSION)

.PHONY: clean
clean:
	rm -rf $(O)

# ktlso top-level Makefile.
#
#   make              userspace library, ktlsoctl, test programs     -> build/
#   make kmod         ktlso.ko for KERNELDIR (default: the 6.1 VM kernel's headers)
#   make test         host unit tests, then VM tests on 6.1 and 6.12; ends "N passed, N failed"
#   make demo         boots the VM and prints the kernel's kTLS capabilities
#   make deps         installs the Debian packages and kernels (scripts/deps); every target
#                     that needs them runs it first. NODEPS=1 skips that (non-Debian hosts).
#   make clean

.DEFAULT_GOAL := all
O        := build
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)

CC       ?= cc
CFLAGS   ?= -O2 -g
PKGS     := openssl liburing libnl-genl-3.0
# Deferred (=) so that pkg-config runs after 'deps' has installed the packages.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
KT_CFLAGS  = -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	     -Wmissing-prototypes -D_GNU_SOURCE -fno-strict-aliasing \
	     -Iinclude/uapi -Iuserspace/lib -Iuserspace/ktlsod -Itests/lib $(PKG_CFLAGS) -MMD -MP

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
E2E_SRC   := $(wildcard tests/e2e/*.c)
E2E_BINS  := $(E2E_SRC:tests/e2e/%.c=$(O)/tests/e2e/%)
TLIB_SRC  := $(wildcard tests/lib/*.c)
TLIB_OBJ  := $(TLIB_SRC:%.c=$(O)/obj/%.o)

ALL_OBJ   := $(LIB_OBJ) $(TLIB_OBJ)

.PHONY: all
all: $(LIB) $(D_LIB) $(DAEMON) $(TOOL_BINS) $(UNIT_BINS) $(VMT_BINS) $(E2E_BINS)

$(O)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(KT_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(D_LIB): $(D_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/bin/ktlsod: $(O)/obj/userspace/ktlsod/main.o $(D_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

# One directory per tool; all of its .c files make the binary.
.SECONDEXPANSION:
$(O)/bin/%: $$(addsuffix .o,$$(addprefix $(O)/obj/,$$(basename $$(wildcard tools/$$*/*.c)))) $(LIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/tests/%: $(O)/obj/tests/%.o $(TLIB_OBJ) $(D_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

# Keep objects: they are the incremental build, not intermediates.
.SECONDARY:

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------- kernel module
# The module is built out of tree in build/kmod/<kernelrelease>/, a tree of symlinks to
# kmod/, so that the sources stay clean and several kernels can be built side by side.
KVER      ?= $(shell scripts/kver 6.1 2>/dev/null)
KERNELDIR ?= /usr/src/linux-headers-$(KVER)
# Named after the headers directory (linux-headers-<abi>), the name the VM harness looks up.
KREL       = $(patsubst linux-headers-%,%,$(notdir $(realpath $(KERNELDIR))))
KMOD_DIR   = $(O)/kmod/$(KREL)

.PHONY: kmod kmod-vm
kmod: | deps
	@test -d "$(KERNELDIR)" || { echo "kmod: no kernel headers at KERNELDIR=$(KERNELDIR)" >&2; exit 1; }
	@mkdir -p $(KMOD_DIR)/kmod
	$(Q)ln -sfn $(abspath Kbuild) $(KMOD_DIR)/Kbuild
	$(Q)ln -sfn $(abspath include) $(KMOD_DIR)/include
	$(Q)for f in kmod/*; do ln -sfn $(abspath .)/$$f $(KMOD_DIR)/$$f; done
	$(Q)$(MAKE) -C $(KERNELDIR) M=$(abspath $(KMOD_DIR)) $(if $(Q),-s) modules
	@echo "  KMOD    $(KMOD_DIR)/kmod/ktlso.ko"

# Both VM kernels.
kmod-vm: | deps
	$(Q)$(MAKE) --no-print-directory kmod KVER=$$(scripts/kver 6.1) NODEPS=1
	$(Q)$(MAKE) --no-print-directory kmod KVER=$$(scripts/kver 6.12) NODEPS=1

# ---------------------------------------------------------------------------- test, demo
.PHONY: test test-unit test-vm demo
test: all kmod-vm
	$(Q)tests/run-all

test-unit: all
	$(Q)tests/run-all --host-only

KERNEL ?= 6.1
demo: all kmod-vm
	$(Q)tests/vm/run --kernel $(KERNEL) -- sh tests/e2e/demo.sh

.PHONY: clean
clean:
	rm -rf $(O)

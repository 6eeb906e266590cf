# SPDX-License-Identifier: GPL-2.0-or-later
# hafwd top-level Makefile: non-recursive, one fragment per folder.
# make            hafwd, hafwctl, BPF objects (build/)
# make check      unit tests (plain + sanitizers) and functional tests
# make demo       live dataplane between namespaces, traffic, counters
# make bench      packet-generator benchmark against kernel forwarding
# make drill      HA failover drill: 4 scenarios x RUNS (5), table of figures
# SAN=address|undefined|thread   sanitizer build (into build-$(SAN)/)
# V=1             show full commands

comma := ,
ifeq ($(SAN),)
BUILD ?= build
else
BUILD ?= build-$(subst $(comma),-,$(SAN))
endif

CC      ?= gcc
CLANG   ?= clang
PKGS    := libxdp libbpf liburcu-qsbr liburcu-cds libpcap libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wimplicit-fallthrough -Wcast-qual \
	-Wundef -Wpointer-arith
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) -D_GNU_SOURCE -D_LGPL_SOURCE \
	-Iinclude $(PKG_CFLAGS) -MMD -MP -pthread
ifneq ($(DEBUG),)
ALL_CFLAGS += -DHF_DEBUG=1
else
ALL_CFLAGS += -DNDEBUG
endif
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SAN)
endif
LDLIBS := $(PKG_LIBS) -pthread

BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -Iinclude \
	-I/usr/include/$(shell gcc -dumpmachine)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all clean check test check-unit check-func demo bench drill help deps \
	headers-check cppcheck compile_commands.json
all:

# Each fragment appends to LIB_SRCS / BINS / TESTS and adds its own rules.
LIB_SRCS :=
LIB_EXTRA_OBJS :=
BINS     :=
LIB      := $(BUILD)/libhafwd.a
include bpf/build.mk
include fwd/build.mk
include control/build.mk
include ha/build.mk
include tests/build.mk
include perf/build.mk

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)

$(LIB): $(LIB_OBJS) $(LIB_EXTRA_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

all: $(BPF_OBJS) $(BINS)

# The newcomer targets install what is missing first, then build: on a
# fresh machine nothing can compile before scripts/deps.sh has run.
deps:
	$(Q)scripts/deps.sh

# Unit tests under plain, ASan+UBSan and TSan builds, then the scapy suite.
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run_checks.sh

test: $(UNIT_TESTS)
	$(Q)scripts/run_unit_tests.sh $(BUILD)

check-func: all
	$(Q)scripts/run_func_tests.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all perf-tools
	$(Q)BUILD=$(BUILD) perf/run_bench.sh

RUNS ?= 5
drill: deps
	$(Q)$(MAKE) --no-print-directory all perf-tools
	$(Q)HAFWD_BUILD=$(abspath $(BUILD)) /usr/bin/python3 tests/ha/drill.py \
		--runs $(RUNS) $(DRILL_ARGS)

headers-check:
	$(Q)scripts/check_headers.sh

cppcheck:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude \
		-I/usr/include/$(shell gcc -dumpmachine) -I/usr/include \
		-D__x86_64__ -D_GNU_SOURCE fwd control ha

compile_commands.json:
	$(Q)bear -- $(MAKE) -B all

clean:
	rm -rf build build-*

help:
	@sed -n '2,10p' Makefile | sed 's/^# //'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

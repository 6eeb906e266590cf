# SPDX-License-Identifier: GPL-2.0-or-later
# perf/build.mk - benchmark tools, included by the top-level Makefile.
# Builds into $(BUILD)/perf/: hf-gen (XDP live-frames generator), hf-sink
# (counting XDP receiver), hf-xdpfwd (native XDP reference forwarder),
# hf-xskfwd (minimal AF_XDP reference forwarder), hf-offload (ethtool -K
# stand-in) and their BPF objects, which the tools look up next to their
# executable; bench-session, the session-table micro-benchmark, linked
# against $(LIB) like the unit tests. Adds nothing to BINS or LIB_SRCS.
# Uses $(BUILD) $(CC) $(CLANG) $(ALL_CFLAGS) $(BPF_CFLAGS) $(LDFLAGS)
# $(LDLIBS) $(LIB) $(Q).

PERF_OUT   := $(BUILD)/perf
PERF_TOOLS := $(PERF_OUT)/hf-gen $(PERF_OUT)/hf-sink $(PERF_OUT)/hf-xdpfwd \
	$(PERF_OUT)/hf-xskfwd $(PERF_OUT)/hf-offload
PERF_BPF   := $(PERF_OUT)/hf_gen.bpf.o $(PERF_OUT)/hf_sink.bpf.o \
	$(PERF_OUT)/hf_xdpfwd.bpf.o $(PERF_OUT)/hf_xskfwd.bpf.o
PERF_UTIL  := $(PERF_OUT)/obj/lib/perf_util.o
PERF_OBJS  := $(PERF_UTIL) $(PERF_OUT)/obj/gen/hf_gen.o \
	$(PERF_OUT)/obj/sink/hf_sink.o $(PERF_OUT)/obj/ref/hf_xdpfwd.o \
	$(PERF_OUT)/obj/ref/hf_xskfwd.o $(PERF_OUT)/obj/tools/hf_offload.o

.PHONY: perf-tools
perf-tools: $(PERF_TOOLS) $(PERF_BPF) $(PERF_OUT)/bench-session

# Micro-benchmarks of hafwd's own modules: one program per
# perf/micro/bench_<module>.c, on libhafwd.a.
$(PERF_OUT)/bench-session: perf/micro/bench_session.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC-LD   $<")
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(LDFLAGS) $(LIB) $(LDLIBS)

# Static pattern rules: explicit for these targets, so they win over any
# generic $(BUILD)/%.o rule of the top Makefile or another fragment.
$(PERF_OBJS): $(PERF_OUT)/obj/%.o: perf/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(PERF_OUT)/hf_gen.bpf.o: perf/gen/hf_gen.bpf.c
$(PERF_OUT)/hf_sink.bpf.o: perf/sink/hf_sink.bpf.c
$(PERF_OUT)/hf_xdpfwd.bpf.o: perf/ref/hf_xdpfwd.bpf.c
$(PERF_OUT)/hf_xskfwd.bpf.o: perf/ref/hf_xskfwd.bpf.c

$(PERF_BPF):
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(PERF_OUT)/hf-gen: $(PERF_OUT)/obj/gen/hf_gen.o $(PERF_UTIL)
$(PERF_OUT)/hf-sink: $(PERF_OUT)/obj/sink/hf_sink.o $(PERF_UTIL)
$(PERF_OUT)/hf-xdpfwd: $(PERF_OUT)/obj/ref/hf_xdpfwd.o $(PERF_UTIL)
$(PERF_OUT)/hf-xskfwd: $(PERF_OUT)/obj/ref/hf_xskfwd.o $(PERF_UTIL)
$(PERF_OUT)/hf-offload: $(PERF_OUT)/obj/tools/hf_offload.o

$(PERF_TOOLS):
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# fwd/: workers, AF_XDP ports, packet path, tables; hafwd main().
LIB_SRCS += fwd/log.c fwd/fib.c fwd/nexthop.c fwd/neigh.c fwd/stats.c \
	fwd/umem.c fwd/xsk.c fwd/port.c fwd/worker.c fwd/pipeline.c \
	fwd/hold.c fwd/arp.c fwd/dataplane.c fwd/tcp_state.c
LIB_SRCS += fwd/icmp.c fwd/frag.c fwd/hugemem.c
LIB_SRCS += fwd/session.c fwd/policy.c fwd/flow.c fwd/firewall.c
LIB_SRCS += fwd/capture.c

HAFWD := $(BUILD)/hafwd
BINS  += $(HAFWD)
# the library carries the XDP object too: fwd/port.c refers to it
LIB_EXTRA_OBJS += $(BUILD)/fwd/xsk_prog_obj.o

# The XDP object is linked in as data (fwd/xsk_prog_obj.S).
$(BUILD)/fwd/xsk_prog_obj.o: fwd/xsk_prog_obj.S $(BPF_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) -c -DHF_BPF_OBJ='"$(BUILD)/bpf/xsk_redirect.bpf.o"' $< -o $@

$(HAFWD): $(BUILD)/fwd/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

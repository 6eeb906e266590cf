# bpf/: XDP programs, compiled with clang -target bpf.
BPF_OBJS := $(BUILD)/bpf/xsk_redirect.bpf.o

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c include/shared/bpf_shared.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# tests/: one cmocka binary per tests/unit/test_<module>.c, linked
# against libhafwd.a. Functional tests (tests/func) are pytest + scapy.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST-CC $<")
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(LDFLAGS) $(LIB) $(CMOCKA_LIBS) $(LDLIBS) -lm

unit-tests: $(UNIT_TESTS)
.PHONY: unit-tests

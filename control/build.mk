# control/: mprelay thread, control protocol, config, hafwctl client.
LIB_SRCS += control/textparse.c control/config.c control/buf.c \
	control/routes.c control/commands.c control/mprelay.c \
	control/config_policy.c control/config_ha.c control/commands_fw.c \
	control/commands_capture.c control/commands_ha.c

HAFWCTL := $(BUILD)/hafwctl
BINS    += $(HAFWCTL)

$(HAFWCTL): $(BUILD)/control/hafwctl.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# ha/: ha_agent (HA1), dha (link/path monitor), dssd (HA2 session sync)
# and their wire formats. Every ha/*.c is library code: the threads are
# started by hafwd's main().
LIB_SRCS += $(sort $(wildcard ha/*.c))

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# perf/run_bench.sh - forwarding benchmark: generator -> DUT -> sink.
#
# Three namespaces of our own (hfb<pid>-gen, -dut, -sink), two veth pairs
# (gen <-> dut0, dut1 <-> sink). The generator (kernel pktgen if present,
# else hf-gen on XDP live frames, else trafgen) runs on GEN_CPU; the
# forwarder under test and the dut ports' NAPI kthreads run on DUT_CPU;
# the sink (hf-sink, native XDP) counts good frames, checking destination
# MAC and TTL, and reports the rate over a DURATION-second window.
#
# Three sections, each printing its own table:
#  1. micro (MICRO=1): bench-session, the session table alone on DUT_CPU:
#     setups/s, lookups/s with few and with 1M live sessions, bytes per
#     session (issue #3);
#  2. forwarding (FORWARDERS), rows interleaved and rotated each round,
#     RUNS runs each, medians:
#   drop    XDP_DROP on dut0: what the generator gets into the DUT (ceiling)
#   kernel  Linux ip_forward in the dut namespace, static neighbour
#   xdp     native XDP reference: bpf_redirect dut0 -> dut1 (hf-xdpfwd)
#   xsk     minimal AF_XDP reference forwarder, copy mode (hf-xskfwd)
#   hafwd   $BUILD/hafwd on dut0/dut1 ("hafwd: not available" if absent)
#  3. sessions (SESSIONS, issue #3), the same way, hafwd only, hf-gen only:
#   fw1     stateful hafwd (zones, one allow rule), all traffic one flow
#   fw1m    stateful hafwd, traffic cycling over 1M flows (1024 source
#           ports x 1024 source addresses), all 1M sessions made by a
#           paced warm-up before the window (checked with hafwctl)
#   plain1m stateless hafwd (the "hafwd" row's configuration), same traffic
#   fwnew   stateful hafwd, every frame a new flow (4096 x 64512 flows):
#           session setups/s from hafwd's sessions_created over the window
#
# Environment: RUNS (5), DURATION (3 s window), WARMUP (1 s), SIZE (64),
# FLOWS (64), GEN (auto|pktgen|hf-gen|trafgen), FORWARDERS ("drop kernel
# xdp xsk hafwd"; empty: no forwarding section), SESSIONS ("fw1 fw1m
# plain1m fwnew"; empty: no sessions section), MICRO (1; 0: none),
# MICRO_RUNS (5), MICRO_SESSIONS (1048576), SESS_MAX (2097152: session-max
# of fw1, fw1m), SESS_NEW_MAX (4194304: of fwnew), WARM_RATE (250000 pps:
# pace of fw1m's warm-up), WARM_MAX (90 s: its bound),
# GEN_CPU (0), DUT_CPU (1), STEAL_MAX (25 %) and FOREIGN_MAX
# (10: % of a CPU used by processes that are not part of the benchmark;
# a run above either limit is left out of the median when 3 or more
# undisturbed runs of that forwarder remain),
# DUT_NICE (-10: nice of the DUT's NAPI threads, hafwd and hf-xskfwd, so
# that stray jobs disturb less), TRAFGEN_RATE (3000000pps), BUILD (build),
# HAFWD, HAFWCTL (binaries), HAFWD_CONF_EXTRA (lines appended to hafwd's
# configuration, e.g. $'poll-mode adaptive\nworker-priority 10'),
# XSKFWD_ARGS (options appended to hf-xskfwd's, e.g. "--busy --priority 0"),
# PROFILE (rows whose runs are recorded with "perf record -C DUT_CPU -g"
# into the kept logs, e.g. "fw1 fw1m"), KEEP_LOGS (1 keeps the logs).
#
# Exit status: 0 when the reference rows were measured (hafwd may be
# unavailable), 1 when no generator could run or the setup failed,
# 2 on bad arguments. Never touches the root namespace's interfaces,
# routes or sysctls; every wait is bounded; everything it created is
# removed by the EXIT trap, on failure too.

set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) BDIR=$BUILD ;; *) BDIR=$ROOT/$BUILD ;; esac
PERF_BIN=${PERF_BIN:-$BDIR/perf}
HAFWD=${HAFWD:-$BDIR/hafwd}
HAFWCTL=${HAFWCTL:-$BDIR/hafwctl}

RUNS=${RUNS:-5}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
SIZE=${SIZE:-64}
FLOWS=${FLOWS:-64}
GEN=${GEN:-auto}
# empty (set but empty) skips a section
FORWARDERS=${FORWARDERS-drop kernel xdp xsk hafwd}
SESSIONS=${SESSIONS-fw1 fw1m plain1m fwnew}
MICRO=${MICRO:-1}
MICRO_RUNS=${MICRO_RUNS:-5}
MICRO_SESSIONS=${MICRO_SESSIONS:-1048576}
SESS_MAX=${SESS_MAX:-2097152}
SESS_NEW_MAX=${SESS_NEW_MAX:-4194304}
WARM_RATE=${WARM_RATE:-250000}
WARM_MAX=${WARM_MAX:-90}
PROFILE=${PROFILE:-}
GEN_CPU=${GEN_CPU:-0}
DUT_CPU=${DUT_CPU:-1}
STEAL_MAX=${STEAL_MAX:-25}
FOREIGN_MAX=${FOREIGN_MAX:-10}
KEEP_LOGS=${KEEP_LOGS:-0}
TRAFGEN_RATE=${TRAFGEN_RATE:-3000000pps}
DUT_NICE=${DUT_NICE:--10}
HAFWD_CONF_EXTRA=${HAFWD_CONF_EXTRA:-}
XSKFWD_ARGS=${XSKFWD_ARGS:-}

# Addressing (198.18.0.0/15 only) and fixed, locally administered MACs.
GEN_MAC=02:00:00:00:01:02
DUT0_MAC=02:00:00:00:01:01
DUT1_MAC=02:00:00:00:02:01
SINK_MAC=02:00:00:00:02:02
GEN_IP=198.18.1.2
DUT0_IP=198.18.1.1
DUT1_IP=198.18.2.1
SINK_IP=198.18.2.2
DST_NET=198.19.0.0/16
DST_IP=198.19.0.1
SPORT=1024
DPORT=9
# Session traffic: source addresses from SESS_SRC on, outside the
# /24s of the ports; SESS_PORTS source ports x SESS_IPS addresses.
SESS_SRC=198.18.16.0
SESS_PORTS=1024
SESS_IPS=1024
SESS_FLOWS=$((SESS_PORTS * SESS_IPS))
NEW_PORTS=64512
NEW_IPS=4096

ID=$$
NS_GEN=hfb$ID-gen
NS_DUT=hfb$ID-dut
NS_SINK=hfb$ID-sink
# Short device names: napi/<dev>-<id> must stay recognisable in the
# 15-character kthread name.
SID=$((ID % 10000))
DEV_G=hb${SID}g
DEV_D0=hb${SID}d0
DEV_D1=hb${SID}d1
DEV_S=hb${SID}s
SOCK=/run/hfb-$ID.sock

TMPD=
PIDS=()
NS_MADE=()
PKTGEN_ACTIVE=0
FAILED_NOTE=

# ---------------------------------------------------------------- helpers

say() { printf '%s\n' "$*"; }
warn() { printf 'run_bench: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

is_uint() { [[ $1 =~ ^(0|[1-9][0-9]*)$ ]]; }
is_num() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$|^[.][0-9]+$ ]]; }

# calc EXPR: floating point arithmetic through awk.
# (parenthesised: a bare ">" would be printf's output redirection)
calc() { awk "BEGIN { printf \"%.3f\", ($1) }"; }
# fgt A B: A > B (floating point).
fgt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

now() { date +%s.%N; }

# kv FILE KEY: value of " KEY=value" in the last line of FILE that has it.
kv() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1" 2>/dev/null | tail -n 1
}

# kill_tree PID SIG: signal PID and its descendants, children first.
kill_tree() {
	local pid=$1 sig=$2 child
	for child in $(pgrep -P "$pid" 2>/dev/null); do
		kill_tree "$child" "$sig"
	done
	kill "-$sig" "$pid" 2>/dev/null
}

# stop_pid PID [GRACE]: SIGTERM, wait up to GRACE s, then SIGKILL; reap.
# Returns the process's exit status (or 137/143 if killed).
stop_pid() {
	local pid=$1 grace=${2:-5} i n
	n=$(awk -v g="$grace" 'BEGIN { printf "%d", g * 10 }')
	if kill -0 "$pid" 2>/dev/null; then
		kill_tree "$pid" TERM
		for ((i = 0; i < n; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill_tree "$pid" KILL
	fi
	wait "$pid" 2>/dev/null
}

# wait_pid PID SECS: wait for PID to exit by itself, at most SECS; then
# stop it. Returns its exit status, 124 if it had to be stopped.
wait_pid() {
	local pid=$1 secs=$2 i n
	n=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 10 }')
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		stop_pid "$pid" 2
		return 124
	fi
	wait "$pid" 2>/dev/null
}

# wait_line FILE REGEX SECS PID: 0 when FILE has a line matching REGEX,
# 1 on timeout, 2 if PID exited first.
wait_line() {
	local file=$1 re=$2 secs=$3 pid=$4 i n
	n=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 20 }')
	for ((i = 0; i < n; i++)); do
		grep -Eq "$re" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || {
			grep -Eq "$re" "$file" 2>/dev/null && return 0
			return 2
		}
		sleep 0.05
	done
	return 1
}

# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
	local pid ns
	trap - EXIT INT TERM HUP
	if ((PKTGEN_ACTIVE)); then
		nsx "$NS_GEN" sh -c 'echo stop > /proc/net/pktgen/pgctrl' \
			2>/dev/null
	fi
	for pid in "${PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && stop_pid "$pid" 3
	done
	for ns in "${NS_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$SOCK"
	if [[ -n $TMPD ]]; then
		if [[ $KEEP_LOGS == 1 || -n $FAILED_NOTE ]]; then
			say "logs kept in $TMPD"
		else
			rm -rf "$TMPD"
		fi
	fi
}

# ---------------------------------------------------------------- checks

check_args() {
	is_uint "$RUNS" && ((RUNS >= 1 && RUNS <= 100)) ||
		{ warn "RUNS=$RUNS: expected an integer in [1, 100]"; exit 2; }
	is_num "$DURATION" && fgt "$DURATION" 0.19 && ! fgt "$DURATION" 600 ||
		{ warn "DURATION=$DURATION: expected seconds in [0.2, 600]"; exit 2; }
	is_num "$WARMUP" && ! fgt "$WARMUP" 60 ||
		{ warn "WARMUP=$WARMUP: expected seconds in [0, 60]"; exit 2; }
	is_uint "$SIZE" && ((SIZE >= 60 && SIZE <= 1514)) ||
		{ warn "SIZE=$SIZE: expected an integer in [60, 1514]"; exit 2; }
	is_uint "$FLOWS" && ((FLOWS >= 1 && FLOWS <= 256)) ||
		{ warn "FLOWS=$FLOWS: expected an integer in [1, 256]"; exit 2; }
	is_uint "$GEN_CPU" && is_uint "$DUT_CPU" ||
		{ warn "GEN_CPU/DUT_CPU: expected CPU numbers"; exit 2; }
	[[ $DUT_NICE =~ ^-?[0-9]+$ ]] && ((DUT_NICE >= -20 && DUT_NICE <= 19)) ||
		{ warn "DUT_NICE=$DUT_NICE: expected a nice value in [-20, 19]"; exit 2; }
	is_num "$STEAL_MAX" && is_num "$FOREIGN_MAX" ||
		{ warn "STEAL_MAX/FOREIGN_MAX: expected percentages"; exit 2; }
	case $GEN in auto | pktgen | hf-gen | trafgen) ;;
	*) warn "GEN=$GEN: expected auto, pktgen, hf-gen or trafgen"; exit 2 ;;
	esac
	local f
	for f in $FORWARDERS $SESSIONS; do
		case $f in drop | kernel | xdp | xsk | hafwd | fw1 | fw1m | plain1m | fwnew) ;;
		*) warn "FORWARDERS/SESSIONS: unknown '$f' (drop kernel xdp xsk hafwd fw1 fw1m plain1m fwnew)"; exit 2 ;;
		esac
	done
	[[ $MICRO == 0 || $MICRO == 1 ]] ||
		{ warn "MICRO=$MICRO: expected 0 or 1"; exit 2; }
	[[ -n ${FORWARDERS// /}${SESSIONS// /} || $MICRO == 1 ]] ||
		{ warn "FORWARDERS and SESSIONS are empty and MICRO=0: nothing to do"; exit 2; }
	is_uint "$MICRO_RUNS" && ((MICRO_RUNS >= 1 && MICRO_RUNS <= 101)) ||
		{ warn "MICRO_RUNS=$MICRO_RUNS: expected an integer in [1, 101]"; exit 2; }
	is_uint "$MICRO_SESSIONS" && ((MICRO_SESSIONS >= 1024 && MICRO_SESSIONS <= 1 << 26)) ||
		{ warn "MICRO_SESSIONS=$MICRO_SESSIONS: expected an integer in [1024, 67108864]"; exit 2; }
	is_uint "$SESS_MAX" && ((SESS_MAX >= SESS_FLOWS && SESS_MAX <= 1 << 26)) ||
		{ warn "SESS_MAX=$SESS_MAX: expected an integer in [$SESS_FLOWS, 67108864]"; exit 2; }
	is_uint "$SESS_NEW_MAX" && ((SESS_NEW_MAX >= 16 && SESS_NEW_MAX <= 1 << 26)) ||
		{ warn "SESS_NEW_MAX=$SESS_NEW_MAX: expected an integer in [16, 67108864]"; exit 2; }
	is_uint "$WARM_RATE" && ((WARM_RATE >= 1000 && WARM_RATE <= 100000000)) ||
		{ warn "WARM_RATE=$WARM_RATE: expected packets per second in [1000, 100000000]"; exit 2; }
	is_uint "$WARM_MAX" && ((WARM_MAX >= 1 && WARM_MAX <= 600)) ||
		{ warn "WARM_MAX=$WARM_MAX: expected seconds in [1, 600]"; exit 2; }
	[[ -z $PROFILE ]] || command -v perf >/dev/null ||
		{ warn "PROFILE needs perf"; exit 2; }
	[[ -z $PROFILE ]] || KEEP_LOGS=1
	[[ $XSKFWD_ARGS =~ ^[-a-zA-Z0-9:._/\ ]*$ ]] ||
		{ warn "XSKFWD_ARGS: only options and plain values (letters, digits, - : . _ /)"; exit 2; }
}

check_env() {
	local t ncpu
	((EUID == 0)) || die "needs root (network namespaces, XDP)"
	for t in ip taskset pgrep awk sed timeout; do
		command -v "$t" >/dev/null || die "missing tool: $t"
	done
	command -v chrt >/dev/null ||
		warn "chrt missing: the sink's NAPI thread stays SCHED_OTHER"
	for t in hf-sink hf-offload hf_sink.bpf.o; do
		[[ -e $PERF_BIN/$t ]] ||
			die "$PERF_BIN/$t missing: run 'make perf-tools' first"
	done
	ncpu=$(nproc)
	((GEN_CPU < ncpu && DUT_CPU < ncpu)) ||
		die "GEN_CPU=$GEN_CPU DUT_CPU=$DUT_CPU: only $ncpu CPUs"
	((GEN_CPU != DUT_CPU)) ||
		warn "GEN_CPU = DUT_CPU: generator and DUT share a core"
}

machine_facts() {
	local model virt
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	virt=$(systemd-detect-virt 2>/dev/null || true)
	say "machine: kernel $(uname -r), ${model:-unknown CPU}, nproc $(nproc)${virt:+, virt $virt}"
	say "steal since boot: $(steal_since_boot)"
}

# load_check: CPU used by other processes before we start (1 s sample).
load_check() {
	local t0 t1 pct
	other_ticks >"$TMPD/load0"
	t0=$(now_ns)
	sleep 1
	other_ticks >"$TMPD/load1"
	t1=$(now_ns)
	pct=$(other_pct "$TMPD/load0" "$TMPD/load1" "$t0" "$t1")
	say "load before start: other processes used ${pct}% of a CPU"
	if fgt "$pct" "$FOREIGN_MAX"; then
		warn "the machine is busy: expect noisy figures and disturbed runs (see 'other' per run)"
	fi
}

# cpu_stat CPU: "total steal idle" jiffies of cpuN from /proc/stat.
cpu_stat() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i;
		print t, $9, $5 + $6 }' /proc/stat
}

steal_since_boot() {
	awk '/^cpu[0-9]/ { t = 0; for (i = 2; i <= 9; i++) t += $i;
		printf "%s%s %.1f%%", sep, $1, t ? 100 * $9 / t : 0; sep = ", " }
		END { if (!NR) print "not readable" }' /proc/stat 2>/dev/null
}

# steal_pct "T0 S0 I0" "T1 S1 I1": steal share of the interval in percent.
steal_pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x); split(b, y);
		dt = y[1] - x[1]; printf "%.1f", (dt > 0 ? 100 * (y[2] - x[2]) / dt : 0) }'
}

now_ns() { date +%s%N; }

# own_ns FWD: CPU time (ns, scheduler-exact) used so far by the DUT on
# DUT_CPU: the dut ports' NAPI kthreads, ksoftirqd there, and the threads
# of the user-space forwarder (hafwd, or hf-xskfwd and its timeout parent).
# Per-CPU /proc/stat is tick-sampled and, on this VM, does not add up
# with per-task times at all; task runtimes do.
own_ns() {
	local f c pid pids files=()
	for f in /proc/[0-9]*/comm; do
		{ read -r c <"$f"; } 2>/dev/null || continue
		case $c in
		"napi/$DEV_D0-"* | "napi/$DEV_D1-"* | "ksoftirqd/$DUT_CPU") ;;
		*) continue ;;
		esac
		pid=${f#/proc/}
		files+=("/proc/${pid%/comm}/schedstat")
	done
	if is_hafwd "$1"; then
		pids=$FWD_PID
	elif [[ $1 == xsk ]]; then
		pids=$XSK_PIDS
	else
		pids=
	fi
	for pid in $pids; do
		for f in /proc/"$pid"/task/*/schedstat; do
			files+=("$f")
		done
	done
	((${#files[@]})) || { echo 0; return; }
	cat "${files[@]}" 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# other_ticks: "pid ticks" (user + system, all threads) for every process
# that is not ours: outside our session, and not our NAPI kthreads or
# ksoftirqd. Reaped children's times (cutime) are left out: they arrive
# whole, a test suite's lifetime at once, when the child is reaped.
other_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v sid="$MY_SID" \
		-v g="napi/$DEV_G-" -v d0="napi/$DEV_D0-" \
		-v d1="napi/$DEV_D1-" -v s="napi/$DEV_S-" '{
		pid = $1; comm = $0
		sub(/^[0-9]+ \(/, "", comm); sub(/\) [^)]*$/, "", comm)
		rest = $0; sub(/.*\) /, "", rest); split(rest, f, " ")
		if (f[4] == sid || comm ~ /^ksoftirqd\//) next
		if (index(comm, g) == 1 || index(comm, d0) == 1 ||
		    index(comm, d1) == 1 || index(comm, s) == 1) next
		print pid, f[12] + f[13] }'
}

# other_pct FILE0 FILE1 T0NS T1NS: CPU used by other processes between
# two other_ticks snapshots, in % of one CPU. Processes that appeared
# count whole; processes that lived only between the snapshots are
# missed (a build's short compiler runs are undercounted).
other_pct() {
	awk -v hz="$CLK_TCK" -v t0="$3" -v t1="$4" '
		NR == FNR { a[$1] = $2; next }
		{ x = ($1 in a) ? $2 - a[$1] : $2; d += (x < 0 ? $2 : x) }
		END { secs = (t1 - t0) / 1e9
		      printf "%.0f", (secs > 0 ? 100 * d / hz / secs : 0) }' "$1" "$2"
}

# dev_stat NS DEV: "tx_packets tx_dropped" of DEV.
dev_stat() {
	nsx "$1" cat "/sys/class/net/$2/statistics/tx_packets" \
		"/sys/class/net/$2/statistics/tx_dropped" 2>/dev/null | tr '\n' ' '
}

# drop_pct "P0 D0" "P1 D1": dropped share of what was handed to the veth.
drop_pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x); split(b, y);
		p = y[1] - x[1]; d = y[2] - x[2]
		printf "%.1f", (p + d > 0 ? 100 * d / (p + d) : 0) }'
}

# ---------------------------------------------------------------- topology

set_offload() {
	local ns=$1 dev=$2
	shift 2
	nsx "$ns" "$PERF_BIN/hf-offload" "$dev" "$@" >/dev/null ||
		die "cannot set offloads on $dev ($*)"
}

set_threaded() {
	local ns=$1 dev=$2
	nsx "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded" 2>/dev/null ||
		warn "threaded NAPI not available on $dev: its receive work runs on the sender's CPU"
}

setup_topology() {
	local ns dev
	for ns in "$NS_GEN" "$NS_DUT" "$NS_SINK"; do
		ip netns add "$ns" || die "cannot create namespace $ns"
		NS_MADE+=("$ns")
		nsx "$ns" ip link set lo up
		# No IPv6 chatter (router solicitations, MLD) on our links.
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	done
	ip link add "$DEV_G" netns "$NS_GEN" numtxqueues 1 numrxqueues 1 \
		type veth peer name "$DEV_D0" netns "$NS_DUT" \
		numtxqueues 1 numrxqueues 1 || die "cannot create veth $DEV_G"
	ip link add "$DEV_D1" netns "$NS_DUT" numtxqueues 1 numrxqueues 1 \
		type veth peer name "$DEV_S" netns "$NS_SINK" \
		numtxqueues 1 numrxqueues 1 || die "cannot create veth $DEV_D1"

	nsx "$NS_GEN" ip link set "$DEV_G" address "$GEN_MAC" up &&
	nsx "$NS_DUT" ip link set "$DEV_D0" address "$DUT0_MAC" up &&
	nsx "$NS_DUT" ip link set "$DEV_D1" address "$DUT1_MAC" up &&
	nsx "$NS_SINK" ip link set "$DEV_S" address "$SINK_MAC" up &&
	nsx "$NS_GEN" ip addr add "$GEN_IP/24" dev "$DEV_G" &&
	nsx "$NS_SINK" ip addr add "$SINK_IP/24" dev "$DEV_S" ||
		die "cannot configure the veths"
	nsx "$NS_DUT" sysctl -qw net.ipv4.ip_forward=0 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 ||
		die "cannot set sysctls in $NS_DUT"

	# TSO/GSO off on every sender, or veth skips the peer's NAPI. GRO on
	# gives each veth a NAPI even without an XDP program: XDP frames
	# redirected into a veth without one vanish, and threaded NAPI needs
	# it to exist.
	set_offload "$NS_GEN" "$DEV_G" tso=off gso=off gro=on
	set_offload "$NS_DUT" "$DEV_D0" tso=off gso=off gro=on
	set_offload "$NS_DUT" "$DEV_D1" tso=off gso=off gro=on
	set_offload "$NS_SINK" "$DEV_S" tso=off gso=off gro=on
	set_threaded "$NS_GEN" "$DEV_G"
	set_threaded "$NS_DUT" "$DEV_D0"
	set_threaded "$NS_DUT" "$DEV_D1"
	set_threaded "$NS_SINK" "$DEV_S"
}

# pin_napi: DUT ports' NAPI kthreads on DUT_CPU at nice DUT_NICE;
# generator and sink ones on GEN_CPU, the sink's SCHED_FIFO (else the
# generator starves it).
# Re-run after anything that may rebuild NAPI (XDP attach/detach).
pin_napi() {
	local f c pid ndut=0
	for f in /proc/[0-9]*/comm; do
		{ read -r c <"$f"; } 2>/dev/null || continue
		pid=${f#/proc/}
		pid=${pid%/comm}
		case $c in
		"napi/$DEV_D0-"* | "napi/$DEV_D1-"*)
			taskset -pc "$DUT_CPU" "$pid" >/dev/null 2>&1
			renice -n "$DUT_NICE" -p "$pid" >/dev/null 2>&1
			ndut=$((ndut + 1))
			;;
		"napi/$DEV_S-"*)
			taskset -pc "$GEN_CPU" "$pid" >/dev/null 2>&1
			chrt -f -p 50 "$pid" >/dev/null 2>&1
			;;
		"napi/$DEV_G-"*)
			taskset -pc "$GEN_CPU" "$pid" >/dev/null 2>&1
			;;
		esac
	done
	((ndut > 0)) || NAPI_NOTE="no napi/$DEV_D0 kthread found: DUT receive work not pinned"
}

# ---------------------------------------------------------------- generators

# gen_start KIND SECS OUT: start generator KIND in the background for SECS;
# it leaves "sent=N seconds=S mpps=R" in OUT. Sets GEN_PID. hf-gen also
# gets the options in the array GEN_EXTRA (the last of an option wins):
# the flows of the session rows, a warm-up's pace.
gen_start() {
	local kind=$1 secs=$2 out=$3
	: >"$out"
	case $kind in
	hf-gen)
		timeout "$(calc "$secs + 15")" taskset -c "$GEN_CPU" \
			ip netns exec "$NS_GEN" "$PERF_BIN/hf-gen" \
			--dev "$DEV_G" --dst-mac "$DUT0_MAC" \
			--src-ip "$GEN_IP" --dst-ip "$DST_IP" \
			--sport "$SPORT" --dport "$DPORT" --flows "$FLOWS" \
			--size "$SIZE" --duration "$secs" "${GEN_EXTRA[@]}" \
			>"$out" 2>&1 &
		GEN_PID=$!
		;;
	trafgen)
		trafgen_run "$secs" "$out" &
		GEN_PID=$!
		;;
	pktgen)
		PKTGEN_ACTIVE=1
		pktgen_run "$secs" "$out" &
		GEN_PID=$!
		;;
	esac
	PIDS+=("$GEN_PID")
}

trafgen_run() {
	local secs=$1 out=$2 conf=$TMPD/trafgen.cfg raw n t
	raw=$out.raw
	cat >"$conf" <<-EOF
	{
	  eth(da=$DUT0_MAC, sa=$GEN_MAC, type=0x0800),
	  ipv4(saddr=$GEN_IP, daddr=$DST_IP, ttl=64, df),
	  udp(sport=dinc($SPORT, $((SPORT + FLOWS - 1))), dport=$DPORT, csum=0),
	  fill(0x00, $((SIZE - 42))),
	}
	EOF
	# -Q: leave IRQ affinities alone. trafgen also tries to raise the
	# global socket memory sysctls, read-only inside a namespace: with
	# the default send buffer its TX_RING mode dies of EAGAIN as soon as
	# the veth ring backs up, so use the paced (sendto) mode, -b.
	timeout -s INT "$secs" taskset -c "$GEN_CPU" \
		ip netns exec "$NS_GEN" trafgen --dev "$DEV_G" --conf "$conf" \
		--cpus 1 -Q -b "$TRAFGEN_RATE" >"$raw" 2>&1
	n=$(tr -d '\r' <"$raw" | awk '/packets outgoing/ { v = $1 } END { print v + 0 }')
	t=$(tr -d '\r' <"$raw" | awk '/ sec, .* usec on CPU/ { v = $1 + $3 / 1e6 } END { print v + 0 }')
	if fgt "$t" 0; then
		echo "trafgen: sent=$n seconds=$t mpps=$(calc "$n / $t / 1e6")" >>"$out"
	else
		echo "trafgen: failed" >>"$out"
		cat "$raw" >>"$out"
	fi
}

pktgen_run() {
	local secs=$1 out=$2 pg=/proc/net/pktgen t0 t1 n sp
	nsx "$NS_GEN" sh -c "
		echo rem_device_all > $pg/kpktgend_$GEN_CPU &&
		echo 'add_device $DEV_G' > $pg/kpktgend_$GEN_CPU &&
		for c in 'count 0' 'clone_skb 0' 'delay 0' 'pkt_size $SIZE' \
			'dst $DST_IP' 'src_min $GEN_IP' 'src_max $GEN_IP' \
			'dst_mac $DUT0_MAC' 'udp_src_min $SPORT' \
			'udp_src_max $((SPORT + FLOWS - 1))' \
			'udp_dst_min $DPORT' 'udp_dst_max $DPORT'; do
			echo \"\$c\" > $pg/$DEV_G || exit 1
		done" >>"$out" 2>&1 || { echo "pktgen: setup failed" >>"$out"; return 1; }
	t0=$(now)
	# "start" blocks until "stop".
	nsx "$NS_GEN" sh -c "echo start > $pg/pgctrl" >/dev/null 2>&1 &
	sp=$!
	sleep "$secs"
	nsx "$NS_GEN" sh -c "echo stop > $pg/pgctrl" 2>/dev/null
	wait_pid "$sp" 5
	t1=$(now)
	n=$(nsx "$NS_GEN" awk '$1 == "pkts-sofar:" { print $2 }' "$pg/$DEV_G")
	n=${n:-0}
	echo "pktgen: sent=$n seconds=$(calc "$t1 - $t0") mpps=$(calc "$n / ($t1 - $t0) / 1e6")" >>"$out"
}

# probe_gen KIND: can KIND put frames into dut0? (XDP_DROP sink there)
probe_gen() {
	local kind=$1 sout gout spid st good
	sout=$TMPD/probe-$kind.sink
	gout=$TMPD/probe-$kind.gen
	case $kind in
	pktgen) nsx "$NS_GEN" test -d /proc/net/pktgen || return 1 ;;
	hf-gen) [[ -x $PERF_BIN/hf-gen && -e $PERF_BIN/hf_gen.bpf.o ]] || return 1 ;;
	trafgen) command -v trafgen >/dev/null || return 1 ;;
	esac
	sink_start drop 0.2 0.5 "$sout"
	spid=$SINK_PID
	if ! wait_line "$sout" 'hf-sink: ready' 5 "$spid"; then
		stop_pid "$spid"
		cat "$sout" >&2
		die "hf-sink cannot attach to $DEV_D0"
	fi
	gen_start "$kind" 2 "$gout"
	wait_pid "$spid" 10
	wait_pid "$GEN_PID" 20
	PKTGEN_ACTIVE=0
	st=$(kv "$sout" status)
	good=$(kv "$sout" good)
	if [[ $st == ok && ${good:-0} -gt 0 ]]; then
		say "generator: $kind ($(kv "$gout" mpps) Mpps offered, $(kv "$sout" good_mpps) Mpps into dut0 in the probe)"
		return 0
	fi
	warn "generator $kind does not work here:"
	sed 's/^/    /' "$gout" "$sout" | tail -n 8 >&2
	return 1
}

select_gen() {
	local k
	if [[ $GEN != auto ]]; then
		probe_gen "$GEN" && { GEN_USED=$GEN; return 0; }
		return 1
	fi
	# pktgen where the kernel has it; ours otherwise; trafgen last
	# (about 1 Mpps: it would measure itself, not the forwarder).
	for k in pktgen hf-gen trafgen; do
		probe_gen "$k" && { GEN_USED=$k; return 0; }
	done
	return 1
}

# ---------------------------------------------------------------- sink

# sink_start FWD WARMUP WINDOW OUT: hf-sink on the sink veth (or, for
# "drop", on dut0 itself). Sets SINK_PID.
sink_start() {
	local fwd=$1 warm=$2 win=$3 out=$4 ns=$NS_SINK dev=$DEV_S mac=$SINK_MAC ttl=63
	if [[ $fwd == drop ]]; then
		ns=$NS_DUT dev=$DEV_D0 mac=$DUT0_MAC ttl=64
	fi
	: >"$out"
	timeout "$(calc "$warm + $win + 30")" taskset -c "$GEN_CPU" \
		ip netns exec "$ns" "$PERF_BIN/hf-sink" --dev "$dev" \
		--expect-mac "$mac" --expect-ttl "$ttl" --wait 8 \
		--warmup "$warm" --duration "$win" >"$out" 2>&1 &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
}

# ---------------------------------------------------------------- forwarders

fwd_label() {
	case $1 in
	drop) echo "XDP_DROP at dut0 (ceiling)" ;;
	kernel) echo "Linux ip_forward" ;;
	xdp) echo "native XDP redirect (ref)" ;;
	xsk) echo "minimal AF_XDP fwd (ref)" ;;
	hafwd) echo "hafwd" ;;
	fw1) echo "stateful, 1 flow" ;;
	fw1m) echo "stateful, 1M sessions" ;;
	plain1m) echo "stateless, 1M flows" ;;
	fwnew) echo "stateful, all new flows" ;;
	esac
}

# is_hafwd FWD: is the row a hafwd configuration?
is_hafwd() {
	case $1 in hafwd | fw1 | fw1m | plain1m | fwnew) return 0 ;; esac
	return 1
}

# traffic_of FWD: hf-gen's flow options for the row (into GEN_EXTRA).
traffic_of() {
	case $1 in
	fw1) GEN_EXTRA=(--flows 1) ;;
	fw1m | plain1m)
		GEN_EXTRA=(--src-ip "$SESS_SRC" --flows "$SESS_PORTS"
			--src-ips "$SESS_IPS") ;;
	fwnew)
		GEN_EXTRA=(--src-ip "$SESS_SRC" --flows "$NEW_PORTS"
			--src-ips "$NEW_IPS") ;;
	*) GEN_EXTRA=() ;;
	esac
}

kernel_up() {
	nsx "$NS_DUT" ip addr add "$DUT0_IP/24" dev "$DEV_D0" &&
	nsx "$NS_DUT" ip addr add "$DUT1_IP/24" dev "$DEV_D1" &&
	nsx "$NS_DUT" ip route add "$DST_NET" via "$SINK_IP" dev "$DEV_D1" &&
	nsx "$NS_DUT" ip neigh replace "$SINK_IP" lladdr "$SINK_MAC" \
		dev "$DEV_D1" nud permanent &&
	nsx "$NS_DUT" sysctl -qw net.ipv4.ip_forward=1
}

kernel_down() {
	nsx "$NS_DUT" sysctl -qw net.ipv4.ip_forward=0
	nsx "$NS_DUT" ip addr flush dev "$DEV_D0"
	nsx "$NS_DUT" ip addr flush dev "$DEV_D1"
}

xdp_up() {
	local out=$TMPD/xdpfwd.log
	[[ -x $PERF_BIN/hf-xdpfwd && -e $PERF_BIN/hf_xdpfwd.bpf.o ]] || {
		UNAVAIL[xdp]="hf-xdpfwd not built"
		return 1
	}
	: >"$out"
	timeout 300 taskset -c "$DUT_CPU" ip netns exec "$NS_DUT" \
		"$PERF_BIN/hf-xdpfwd" --in "$DEV_D0" --out "$DEV_D1" \
		--dst-mac "$SINK_MAC" --timeout 240 >"$out" 2>&1 &
	FWD_PID=$!
	PIDS+=("$FWD_PID")
	if ! wait_line "$out" 'hf-xdpfwd: ready' 5 "$FWD_PID"; then
		UNAVAIL[xdp]="hf-xdpfwd failed: $(tail -n 1 "$out")"
		stop_pid "$FWD_PID"
		return 1
	fi
}

xdp_down() {
	stop_pid "$FWD_PID" 5
	tail -n 1 "$TMPD/xdpfwd.log" >>"$RUN_LOG"
}

# xsk_up: hf-xskfwd on DUT_CPU, SCHED_FIFO 10 like hafwd's worker (above
# the veth NAPI threads, asleep when idle: no receive livelock). Its
# options can be extended or overridden (the last one wins) by XSKFWD_ARGS.
# Sets XSK_PIDS: timeout and hf-xskfwd, whose CPU time counts as the DUT's.
xsk_up() {
	local out=$TMPD/xskfwd-$RUN_TAG.log extra=()
	[[ -x $PERF_BIN/hf-xskfwd && -e $PERF_BIN/hf_xskfwd.bpf.o ]] || {
		UNAVAIL[xsk]="hf-xskfwd not built"
		return 1
	}
	read -r -a extra <<<"$XSKFWD_ARGS"
	: >"$out"
	timeout 300 nice -n "$DUT_NICE" taskset -c "$DUT_CPU" \
		ip netns exec "$NS_DUT" "$PERF_BIN/hf-xskfwd" \
		--in "$DEV_D0" --out "$DEV_D1" --dst-mac "$SINK_MAC" \
		--cpu "$DUT_CPU" --priority 10 --timeout 240 "${extra[@]}" \
		>"$out" 2>&1 &
	FWD_PID=$!
	PIDS+=("$FWD_PID")
	if ! wait_line "$out" 'hf-xskfwd: ready' 10 "$FWD_PID"; then
		UNAVAIL[xsk]="hf-xskfwd failed: $(tail -n 1 "$out")"
		stop_pid "$FWD_PID"
		FAILED_NOTE=1
		return 1
	fi
	XSK_PIDS="$FWD_PID $(pgrep -P "$FWD_PID" 2>/dev/null | tr '\n' ' ')"
}

xsk_down() {
	local rc
	stop_pid "$FWD_PID" 5
	rc=$?
	((rc == 0)) || echo "hf-xskfwd: exit status $rc after SIGTERM (expected 0)" >>"$RUN_LOG"
	tail -n 2 "$TMPD/xskfwd-$RUN_TAG.log" >>"$RUN_LOG"
}

# xsk_drops: hf-xskfwd's non-zero drop counters (its own and the kernel's
# for its RX socket) of the last run, if any.
xsk_drops() {
	local log=$TMPD/xskfwd-$RUN_TAG.log k v d=
	for k in drop_not_ipv4 drop_ttl drop_tx_full fq_short kick_errors \
		rx_dropped rx_ring_full; do
		v=$(kv "$log" "$k")
		[[ -n $v && $v != 0 ]] && d+=" $k=$v"
	done
	[[ -n $d ]] && echo "hf-xskfwd$d"
	return 0
}

# hafwd_conf NEIGH FWD: hafwd's configuration for row FWD; stateful rows
# add zones, one allow rule and the session table.
hafwd_conf() {
	local neigh=$1 fwd=$2 max=$SESS_MAX
	cat <<-EOF
	workers 1
	cores $DUT_CPU
	# one DUT core shared with the veth NAPI threads: the worker sleeps
	# when idle and outranks NAPI when it has frames (no receive livelock)
	poll-mode adaptive
	idle-spin 0
	worker-priority 10
	control-socket $SOCK
	rx-ring 4096
	tx-ring 4096
	port in {
	    interface $DEV_D0
	    address $DUT0_IP/24
	}
	port out {
	    interface $DEV_D1
	    address $DUT1_IP/24
	}
	route $DST_NET via $SINK_IP
	EOF
	((neigh)) && echo "neighbour $SINK_IP $SINK_MAC port out"
	case $fwd in
	fw1 | fw1m | fwnew)
		[[ $fwd == fwnew ]] && max=$SESS_NEW_MAX
		cat <<-EOF
		zone in in
		zone out out
		policy-default deny
		rule fwd from in to out action allow
		session-max $max
		session-timeout-udp 600
		EOF
		;;
	esac
	[[ -n $HAFWD_CONF_EXTRA ]] && printf '%s\n' "$HAFWD_CONF_EXTRA"
	return 0
}

# hafwd_ctl ARGS...: ask the running hafwd (bounded).
hafwd_ctl() {
	nsx "$NS_DUT" timeout 5 "$HAFWCTL" -s "$SOCK" "$@" 2>/dev/null
}

# json_num KEY: the number of the first "KEY":N on stdin (empty if none).
json_num() {
	grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

# sess_info FILE: hafwd's "show session info --json" into FILE (it walks
# the whole table: not during a window).
sess_info() {
	hafwd_ctl show session info --json >"$1"
}

# created_at: "NS N": a time (the middle of the request) and hafwd's
# sessions_created counter then.
created_at() {
	local t0 t1 n
	t0=$(now_ns)
	n=$(hafwd_ctl show counters --json | json_num sessions_created)
	t1=$(now_ns)
	echo "$(((t0 + t1) / 2)) ${n:-x}"
}

# fw_warmup: for fw1m, offer the row's traffic paced at WARM_RATE until
# all SESS_FLOWS sessions live (at most WARM_MAX s), then stop. Paced so
# that hafwd takes (nearly) every frame: overloaded, it takes only some
# flows of each cycle, and the last ones very late. It polls the cheap
# sessions_created counter (nothing expires in the 600 s UDP timeout),
# and asks "show session info" for the live count once at the end: that
# walks the whole table on the DUT core, which would make hafwd lose
# frames of the warm-up. Sets WARM_NOTE, WARM_LIVE, WARM_CREATED.
fw_warmup() {
	local out=$TMPD/warm-$RUN_TAG.out made=0 i t0 t1 gpid
	local keep=("${GEN_EXTRA[@]}")
	GEN_EXTRA+=(--rate "$WARM_RATE")
	t0=$(now)
	gen_start hf-gen "$WARM_MAX" "$out"
	gpid=$GEN_PID
	GEN_EXTRA=("${keep[@]}")
	sleep 0.3
	pin_napi
	for ((i = 0; i < 2 * WARM_MAX; i++)); do
		sleep 0.5
		((i % 2)) || continue
		made=$(hafwd_ctl show counters --json | json_num sessions_created)
		made=${made:-0}
		echo "warm-up: $(calc "$(now) - $t0") s: $made made" >>"$RUN_LOG"
		((made >= SESS_FLOWS)) && break
		kill -0 "$gpid" 2>/dev/null || break
		kill -0 "$FWD_PID" 2>/dev/null || break
	done
	stop_pid "$gpid" 3
	t1=$(now)
	sess_info "$TMPD/session-info-$RUN_TAG.json"
	WARM_LIVE=$(json_num live <"$TMPD/session-info-$RUN_TAG.json")
	WARM_LIVE=${WARM_LIVE:-0}
	WARM_CREATED=$(hafwd_ctl show counters --json | json_num sessions_created)
	WARM_NOTE="warm-up $(calc "$t1 - $t0") s at $(kv "$out" mpps) Mpps: $WARM_LIVE live"
	((WARM_LIVE >= SESS_FLOWS)) ||
		WARM_NOTE+=" (short of $SESS_FLOWS after the ${WARM_MAX} s bound)"
	WARM_NOTE+=", $(json_num bytes_per_session \
		<"$TMPD/session-info-$RUN_TAG.json") B/session"
	cat "$out" >>"$RUN_LOG"
}

# hafwd_try FWD: start hafwd for row FWD, wait until "hafwctl show
# interfaces" answers. 0 ready, 1 exited early, 2 not ready in time.
hafwd_try() {
	local conf=$TMPD/hafwd.conf log=$TMPD/hafwd.log i
	hafwd_conf "$HAFWD_NEIGH" "$1" >"$conf"
	rm -f "$SOCK"
	: >"$log"
	nice -n "$DUT_NICE" taskset -c "$DUT_CPU" \
		ip netns exec "$NS_DUT" "$HAFWD" -c "$conf" 2>"$log" >/dev/null &
	FWD_PID=$!
	PIDS+=("$FWD_PID")
	for ((i = 0; i < 50; i++)); do
		if ! kill -0 "$FWD_PID" 2>/dev/null; then
			wait "$FWD_PID" 2>/dev/null
			return 1
		fi
		if nsx "$NS_DUT" timeout 2 "$HAFWCTL" -s "$SOCK" show interfaces \
			>/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	stop_pid "$FWD_PID" 3
	return 2
}

# hafwd_up FWD: hafwd configured for row FWD (hafwd, fw1, ...).
hafwd_up() {
	local fwd=$1 rc
	[[ -n ${UNAVAIL[$fwd]:-} ]] && return 1
	if [[ ! -x $HAFWD ]]; then
		UNAVAIL[$fwd]="$HAFWD not built"
		return 1
	fi
	if [[ ! -x $HAFWCTL ]]; then
		UNAVAIL[$fwd]="$HAFWCTL not built"
		return 1
	fi
	if [[ $fwd != hafwd && $GEN_USED != hf-gen ]]; then
		UNAVAIL[$fwd]="the session rows need hf-gen (generator here: $GEN_USED)"
		return 1
	fi
	hafwd_try "$fwd"
	rc=$?
	if ((rc == 1 && HAFWD_NEIGH)); then
		# Maybe the static "neighbour" line is not supported: let
		# hafwd resolve 198.18.2.2 by ARP (the sink's kernel answers).
		cp "$TMPD/hafwd.log" "$TMPD/hafwd-with-neighbour.log"
		HAFWD_NEIGH=0
		hafwd_try "$fwd"
		rc=$?
		((rc == 0)) && say "note: hafwd rejected the 'neighbour' line; using ARP resolution"
	fi
	case $rc in
	0) return 0 ;;
	1) UNAVAIL[$fwd]="exited at start-up: $(tail -n 1 "$TMPD/hafwd.log" | cut -c1-160)"
	   [[ -s $TMPD/hafwd.log ]] || UNAVAIL[$fwd]="exited at start-up without a message" ;;
	*) UNAVAIL[$fwd]="'hafwctl show interfaces' did not answer within 10 s" ;;
	esac
	cp "$TMPD/hafwd.log" "$TMPD/hafwd-failed.log"
	FAILED_NOTE=1
	return 1
}

# hafwd_drops: the non-zero drop_* counters of the last run, if any.
hafwd_drops() {
	local d
	d=$(grep -o '"drop_[a-z0-9_]*":[1-9][0-9]*' \
		"$TMPD/hafwd-counters-$RUN_TAG.json" 2>/dev/null | tr -d '"' |
		tr '\n' ' ')
	[[ -n $d ]] && echo "hafwd ${d% }"
	return 0
}

hafwd_down() {
	local rc
	nsx "$NS_DUT" timeout 3 "$HAFWCTL" -s "$SOCK" show counters --json \
		>"$TMPD/hafwd-counters-$RUN_TAG.json" 2>&1
	stop_pid "$FWD_PID" 5
	rc=$?
	((rc == 0)) || echo "hafwd: exit status $rc after SIGTERM (expected 0)" >>"$RUN_LOG"
}

fwd_up() {
	case $1 in
	drop) return 0 ;;
	kernel) kernel_up ;;
	xdp) xdp_up ;;
	xsk) xsk_up ;;
	*) hafwd_up "$1" ;;
	esac
}

fwd_down() {
	case $1 in
	drop) ;;
	kernel) kernel_down ;;
	xdp) xdp_down ;;
	xsk) xsk_down ;;
	*) hafwd_down ;;
	esac
}

# ---------------------------------------------------------------- runs

# run_one FWD ROUND: one measurement; appends to the result arrays.
run_one() {
	local fwd=$1 round=$2 sout gout st0g st0d st1g st1d steal sd gsecs
	local status offered good bad_mac bad_ttl note='' busy
	local dv0i dv0o dv1i dv1o in_drop out_drop own0 own1 foreign clean t0 t1
	local c0='' c1='' setup='' drops='' created
	RUN_TAG=$fwd-$round
	RUN_LOG=$TMPD/run-$RUN_TAG.log
	sout=$TMPD/sink-$RUN_TAG.out
	gout=$TMPD/gen-$RUN_TAG.out
	: >"$RUN_LOG"

	if ! fwd_up "$fwd"; then
		[[ -n ${UNAVAIL[$fwd]:-} ]] || UNAVAIL[$fwd]="set-up failed"
		say "  round $round $(fwd_label "$fwd"): not available (${UNAVAIL[$fwd]})"
		return 0
	fi
	traffic_of "$fwd"
	WARM_NOTE=
	[[ $fwd == fw1m ]] && fw_warmup
	sink_start "$fwd" "$WARMUP" "$DURATION" "$sout"
	if ! wait_line "$sout" 'hf-sink: ready' 5 "$SINK_PID"; then
		stop_pid "$SINK_PID"
		fwd_down "$fwd"
		FAILED_NOTE=1
		say "  round $round $(fwd_label "$fwd"): sink failed: $(tail -n 1 "$sout")"
		return 0
	fi
	NAPI_NOTE=
	pin_napi
	st0g=$(cpu_stat "$GEN_CPU")
	st0d=$(cpu_stat "$DUT_CPU")
	other_ticks >"$TMPD/other0"
	own0=$(own_ns "$fwd")
	t0=$(now_ns)
	dv0i=$(dev_stat "$NS_GEN" "$DEV_G")
	dv0o=$(dev_stat "$NS_DUT" "$DEV_D1")
	# The sink's window opens WARMUP s after its first frame; leave the
	# generator 2 s of margin past it.
	gsecs=$(calc "$WARMUP + $DURATION + 2")
	gen_start "$GEN_USED" "$gsecs" "$gout"
	sleep 0.3
	pin_napi
	if [[ " $PROFILE " == *" $fwd "* ]]; then
		# perf samples of the whole DUT core over the window
		timeout "$(calc "$WARMUP + $DURATION + 10")" \
			taskset -c "$GEN_CPU" perf record -q \
			-C "$DUT_CPU" -g -o "$TMPD/perf-$RUN_TAG.data" -- \
			sleep "$(calc "$WARMUP + $DURATION - 0.3")" \
			>>"$RUN_LOG" 2>&1 &
		PIDS+=("$!")
	fi
	if [[ $fwd == fwnew ]]; then
		# hafwd's session setups over a DURATION window that opens
		# WARMUP s after the generator started, like the sink's
		sleep "$(calc "$WARMUP > 0.3 ? $WARMUP - 0.3 : 0")"
		c0=$(created_at)
		sleep "$DURATION"
		c1=$(created_at)
	fi
	wait_pid "$SINK_PID" "$(calc "$WARMUP + $DURATION + 15")"
	kill -0 "$GEN_PID" 2>/dev/null || note="generator ended before the window closed"
	wait_pid "$GEN_PID" "$(calc "$gsecs + 20")"
	PKTGEN_ACTIVE=0
	t1=$(now_ns)
	own1=$(own_ns "$fwd")
	other_ticks >"$TMPD/other1"
	st1g=$(cpu_stat "$GEN_CPU")
	st1d=$(cpu_stat "$DUT_CPU")
	dv1i=$(dev_stat "$NS_GEN" "$DEV_G")
	dv1o=$(dev_stat "$NS_DUT" "$DEV_D1")
	fwd_down "$fwd"

	steal=$(steal_pct "$st0g" "$st1g")
	sd=$(steal_pct "$st0d" "$st1d")
	fgt "$sd" "$steal" && steal=$sd
	busy=$(awk -v a="$own0" -v b="$own1" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%.0f", (t1 > t0 ? 100 * (b - a) / (t1 - t0) : 0) }')
	foreign=$(other_pct "$TMPD/other0" "$TMPD/other1" "$t0" "$t1")
	clean=1
	fgt "$steal" "$STEAL_MAX" && clean=0
	fgt "$foreign" "$FOREIGN_MAX" && clean=0
	in_drop=$(drop_pct "$dv0i" "$dv1i")
	out_drop=-
	[[ $fwd == drop ]] || out_drop=$(drop_pct "$dv0o" "$dv1o")%
	status=$(kv "$sout" status)
	offered=$(kv "$gout" mpps)
	good=$(kv "$sout" good_mpps)
	bad_mac=$(kv "$sout" bad_mac)
	bad_ttl=$(kv "$sout" bad_ttl)
	[[ -n $NAPI_NOTE ]] && note="${note:+$note; }$NAPI_NOTE"
	if [[ $fwd == fw1m ]]; then
		created=$(json_num sessions_created \
			<"$TMPD/hafwd-counters-$RUN_TAG.json")
		if [[ -n $created && -n $WARM_CREATED ]]; then
			RES_LIVE[$fwd]+="$WARM_LIVE "
			RES_NEWRUN[$fwd]+="$((created - WARM_CREATED)) "
			WARM_NOTE+=", $((created - WARM_CREATED)) new in the run"
		fi
		note="${note:+$note; }$WARM_NOTE"
	fi
	if [[ -n $c0 ]]; then
		setup=$(awk -v a="$c0" -v b="$c1" 'BEGIN { split(a, x); split(b, y)
			if (x[2] == "x" || y[2] == "x" || y[1] <= x[1]) exit
			printf "%.3f", (y[2] - x[2]) / ((y[1] - x[1]) / 1e9) / 1e6 }')
		if [[ -n $setup ]]; then
			RES_SETUP[$fwd]+="$setup "
			RES_SCLEAN[$fwd]+="$clean "
			note="${note:+$note; }setups $setup M/s"
			fgt "${good:-0}" 0 &&
				note+=" = $(calc "$setup / $good") per good frame"
		else
			note="${note:+$note; }setups: no counters from hafwd"
		fi
		# every frame new only while the cycle of flows is not used up
		(($(kv "$gout" sent) + 0 < NEW_PORTS * NEW_IPS)) ||
			note="${note:+$note; }the generator went round all its flows"
	fi
	is_hafwd "$fwd" && drops=$(hafwd_drops)
	[[ $fwd == xsk ]] && drops=$(xsk_drops)
	[[ -n $drops ]] && note="${note:+$note; }$drops"
	if [[ $status != ok ]]; then
		note="${note:+$note; }sink: ${status:-failed}"
		good=0
		[[ $status == no-traffic ]] || FAILED_NOTE=1
	fi
	[[ -n $offered ]] || { offered=0; note="${note:+$note; }generator gave no count"; }

	RES_OFF[$fwd]+="$offered "
	RES_GOOD[$fwd]+="$good "
	RES_BUSY[$fwd]+="$busy "
	RES_CLEAN[$fwd]+="$clean "
	RES_OUTDROP[$fwd]+="${out_drop%\%} "
	RES_BAD[$fwd]=$((${RES_BAD[$fwd]:-0} + ${bad_mac:-0} + ${bad_ttl:-0}))
	GEN_EXTRA=()
	((clean)) || note="${note:+$note; }disturbed: left out of the median"
	printf '  %d %-26s offered %6s  good %6s  bad %s/%s  in-drop %s%%  out-drop %s  dut-cpu %s%%  other %s%%  steal %s%%%s\n' \
		"$round" "$(fwd_label "$fwd")" "$offered" "$good" "${bad_mac:-?}" \
		"${bad_ttl:-?}" "$in_drop" "$out_drop" "$busy" "$foreign" \
		"$steal" "${note:+  ($note)}"
}

# median: of the numbers on stdin.
median() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		if (NR % 2) printf "%.3f\n", a[(NR + 1) / 2];
		else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# pick VALUES CLEAN: the values of the clean runs (flag 1) if at least 3
# are clean or all are; else all values.
pick() {
	awk -v v="$1" -v s="$2" 'BEGIN {
		n = split(v, a); split(s, b); k = 0
		for (i = 1; i <= n; i++) if (b[i] == 1) k++
		use_all = (k < 3 && k < n)
		for (i = 1; i <= n; i++)
			if (use_all || b[i] == 1) print a[i] }'
}

# report LIST REF REFNAME: the table of the rows in LIST; the last column
# is each row's median over REF's (when REF was measured).
report() {
	local list=$1 ref=$2 refname=$3
	local f label n used off good lo hi ratio busy odrop nclean mark kgood=
	if [[ -n ${RES_GOOD[$ref]:-} ]]; then
		kgood=$(pick "${RES_GOOD[$ref]}" "${RES_CLEAN[$ref]}" | median)
	fi
	say ""
	say "== results: $SIZE-byte IPv4/UDP, $(flows_desc "$list"), generator $GEN_USED on cpu $GEN_CPU, DUT on cpu $DUT_CPU"
	say "== $RUNS runs x ${DURATION} s window per row, interleaved; medians over"
	say "== undisturbed runs (steal <= $STEAL_MAX%, other processes <= $FOREIGN_MAX% of a CPU) if 3 or more, else all"
	printf '%-27s %5s %8s %9s %15s %9s %9s %5s %9s\n' forwarder runs \
		"offered" "sink good" "good min..max" "dut cpu" "out-drop" bad \
		"vs $refname"
	printf '%-27s %5s %8s %9s %15s %9s %9s %5s %9s\n' "" "" Mpps Mpps \
		Mpps "%" "%" "" ""
	for f in $list; do
		label=$(fwd_label "$f")
		if [[ -z ${RES_GOOD[$f]:-} ]]; then
			if is_hafwd "$f"; then
				printf '%-27s hafwd: not available (%s)\n' "$label" \
					"${UNAVAIL[$f]:-not run}"
			else
				printf '%-27s not available (%s)\n' "$label" \
					"${UNAVAIL[$f]:-not run}"
			fi
			continue
		fi
		n=$(wc -w <<<"${RES_GOOD[$f]}")
		used=$(pick "${RES_GOOD[$f]}" "${RES_CLEAN[$f]}" | wc -l)
		nclean=$(tr ' ' '\n' <<<"${RES_CLEAN[$f]}" | grep -c '^1$')
		mark=
		((nclean < used)) && mark='*' && MARKED=1
		off=$(pick "${RES_OFF[$f]}" "${RES_CLEAN[$f]}" | median)
		good=$(pick "${RES_GOOD[$f]}" "${RES_CLEAN[$f]}" | median)
		busy=$(pick "${RES_BUSY[$f]}" "${RES_CLEAN[$f]}" | median)
		odrop=-
		[[ $f == drop ]] ||
			odrop=$(pick "${RES_OUTDROP[$f]}" "${RES_CLEAN[$f]}" |
				median | awk '{ printf "%.1f", $1 }')
		lo=$(tr ' ' '\n' <<<"${RES_GOOD[$f]}" | grep . | sort -g | head -n 1)
		hi=$(tr ' ' '\n' <<<"${RES_GOOD[$f]}" | grep . | sort -g | tail -n 1)
		ratio=-
		if [[ $f != drop && -n $kgood ]] && fgt "$kgood" 0; then
			ratio=$(awk -v a="$good" -v b="$kgood" 'BEGIN { printf "%.2fx", a / b }')
		fi
		printf '%-27s %5s %8.2f %9.3f %15s %9.0f %9s %5s %9s\n' "$label" \
			"$used/$n$mark" "$off" "$good" "$lo..$hi" "$busy" \
			"$odrop" "${RES_BAD[$f]:-0}" "$ratio"
	done
	say ""
	((MARKED)) && say "* fewer than 3 undisturbed runs: the median includes disturbed runs"
	say "steal during the benchmark: cpu $GEN_CPU $(steal_pct "$STEAL_T0G" "$(cpu_stat "$GEN_CPU")")%, cpu $DUT_CPU $(steal_pct "$STEAL_T0" "$(cpu_stat "$DUT_CPU")")%"
	say "dut cpu: share of cpu $DUT_CPU used by the DUT (NAPI threads, hafwd or hf-xskfwd); well below 100: it waited"
	say "out-drop: frames the dut1 -> sink veth ring refused (sink too slow: above a few % the figure is a floor)"
}

# flows_desc LIST: the traffic of the rows in LIST, in words.
flows_desc() {
	local f d=
	for f in $1; do
		case $f in
		fw1) d+=", fw1: 1 flow" ;;
		fw1m | plain1m) [[ $d == *"$SESS_FLOWS"* ]] ||
			d+=", fw1m/plain1m: $SESS_FLOWS flows ($SESS_PORTS ports x $SESS_IPS sources)" ;;
		fwnew) d+=", fwnew: $((NEW_PORTS * NEW_IPS)) flows ($NEW_PORTS ports x $NEW_IPS sources)" ;;
		*) [[ $d == *" $FLOWS flows"* ]] || d+=", $FLOWS flows" ;;
		esac
	done
	echo "${d#, }"
}

# ratio_of A B: median good of row A over row B's, or "-".
ratio_of() {
	local a b
	[[ -n ${RES_GOOD[$1]:-} && -n ${RES_GOOD[$2]:-} ]] || { echo -; return; }
	a=$(pick "${RES_GOOD[$1]}" "${RES_CLEAN[$1]}" | median)
	b=$(pick "${RES_GOOD[$2]}" "${RES_CLEAN[$2]}" | median)
	fgt "$b" 0 || { echo -; return; }
	calc "$a / $b"
}

# verdict VALUE OP BOUND: "met" or "NOT met" (OP ge or le), "-" if unknown.
verdict() {
	[[ $1 == - || -z $1 ]] && { echo "not measured"; return; }
	case $2 in
	ge) fgt "$3" "$1" && echo "NOT met" || echo "met" ;;
	le) fgt "$1" "$3" && echo "NOT met" || echo "met" ;;
	esac
}

# sessions_summary: issue #3's end-to-end figures and targets.
sessions_summary() {
	local r1 rc setup per lo hi f last=
	r1=$(ratio_of fw1m fw1)
	rc=$(ratio_of fw1m plain1m)
	say ""
	say "== sessions (issue #3), end to end, one worker on cpu $DUT_CPU"
	say "1M live sessions / 1 session (fw1m / fw1): $r1 (target >= 0.90: $(verdict "$r1" ge 0.90))"
	say "1M live sessions / stateless on the same traffic (fw1m / plain1m): $rc"
	if [[ -n ${RES_LIVE[fw1m]:-} ]]; then
		lo=$(tr ' ' '\n' <<<"${RES_LIVE[fw1m]}" | grep . | sort -g | head -n 1)
		hi=$(tr ' ' '\n' <<<"${RES_NEWRUN[fw1m]}" | grep . | sort -g | tail -n 1)
		say "fw1m: live sessions when the window opened: at least $lo of $SESS_FLOWS; sessions made during a run: at most $hi"
	fi
	for f in "$TMPD"/session-info-fw1m-*.json; do
		[[ -s $f ]] && last=$f
	done
	[[ -n $last ]] &&
		say "hafwd's own account (show session info, session-max $SESS_MAX): $(json_num memory <"$last") bytes, $(json_num bytes_per_session <"$last") per session"
	if [[ -n ${RES_SETUP[fwnew]:-} ]]; then
		setup=$(pick "${RES_SETUP[fwnew]}" "${RES_SCLEAN[fwnew]}" | median)
		per=-
		[[ -n ${RES_GOOD[fwnew]:-} ]] &&
			per=$(calc "$setup / $(pick "${RES_GOOD[fwnew]}" "${RES_CLEAN[fwnew]}" | median)")
		say "session setups, every frame a new flow (fwnew): $setup M/s median (hafwd's sessions_created over the window), $per per good frame at the sink"
	fi
}

# run_micro: bench-session pinned to DUT_CPU, before any traffic.
run_micro() {
	local out=$TMPD/micro.out pid t0 t1 st0 st1 foreign rc setup bps rss
	say ""
	say "== micro-benchmark: session table (bench-session), one core (cpu $DUT_CPU), $MICRO_SESSIONS sessions, median of $MICRO_RUNS runs"
	if [[ ! -x $PERF_BIN/bench-session ]]; then
		say "bench-session: not available ($PERF_BIN/bench-session not built: make perf-tools)"
		return 0
	fi
	other_ticks >"$TMPD/micro-other0"
	st0=$(cpu_stat "$DUT_CPU")
	t0=$(now_ns)
	timeout 900 nice -n "$DUT_NICE" "$PERF_BIN/bench-session" \
		--cpu "$DUT_CPU" --runs "$MICRO_RUNS" \
		--sessions "$MICRO_SESSIONS" >"$out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_pid "$pid" 910
	rc=$?
	t1=$(now_ns)
	st1=$(cpu_stat "$DUT_CPU")
	other_ticks >"$TMPD/micro-other1"
	foreign=$(other_pct "$TMPD/micro-other0" "$TMPD/micro-other1" "$t0" "$t1")
	grep -v '^bench-session: sessions=' "$out"
	if ((rc != 0)); then
		say "bench-session: failed (exit status $rc)"
		FAILED_NOTE=1
		return 0
	fi
	setup=$(kv "$out" setup_mps)
	bps=$(kv "$out" bytes_per_session)
	rss=$(kv "$out" rss_per_session)
	say "other processes ${foreign}% of a CPU, steal $(steal_pct "$st0" "$st1")% on cpu $DUT_CPU during the micro-benchmark"
	say "targets: >= 1 M setups/s: $(verdict "$setup" ge 1) ($setup M/s); <= 256 bytes per session: $(verdict "$rss" le 256) ($bps accounted, $rss resident)"
}

# ---------------------------------------------------------------- main

# run_section LIST: RUNS rounds over the rows in LIST, order rotated.
run_section() {
	local round i n idx f fw=()
	STEAL_T0=$(cpu_stat "$DUT_CPU")
	STEAL_T0G=$(cpu_stat "$GEN_CPU")
	MARKED=0
	read -r -a fw <<<"$1"
	n=${#fw[@]}
	for ((round = 1; round <= RUNS; round++)); do
		say "round $round/$RUNS"
		# Rotate the order each round so that no forwarder always runs
		# first (or right after the same neighbour).
		for ((i = 0; i < n; i++)); do
			idx=$(((i + round - 1) % n))
			f=${fw[$idx]}
			[[ -n ${UNAVAIL[$f]:-} && -z ${RES_GOOD[$f]:-} ]] && continue
			run_one "$f" "$round"
		done
	done
}

main() {
	check_args
	check_env
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	TMPD=$(mktemp -d /tmp/hfb.XXXXXX) || die "mktemp failed"

	declare -gA RES_OFF RES_GOOD RES_CLEAN RES_BAD RES_BUSY RES_OUTDROP UNAVAIL
	declare -gA RES_SETUP RES_SCLEAN RES_LIVE RES_NEWRUN
	HAFWD_NEIGH=1
	XSK_PIDS=
	MARKED=0
	GEN_USED=
	NAPI_NOTE=
	GEN_EXTRA=()

	say "== hafwd forwarding benchmark ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
	say "command: RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP SIZE=$SIZE FLOWS=$FLOWS GEN=$GEN FORWARDERS=\"$FORWARDERS\" SESSIONS=\"$SESSIONS\" MICRO=$MICRO perf/run_bench.sh"
	[[ -z $HAFWD_CONF_EXTRA ]] ||
		say "hafwd configuration extra: $(tr '\n' ';' <<<"$HAFWD_CONF_EXTRA" | sed 's/;$//')"
	[[ -z $XSKFWD_ARGS ]] || say "hf-xskfwd extra options: $XSKFWD_ARGS"
	machine_facts
	CLK_TCK=$(getconf CLK_TCK)
	MY_SID=$(awk '{ sub(/.*\) /, ""); print $4 }' /proc/$$/stat)
	# The script's own work (polling, sleep, hafwctl requests) and what
	# it starts without a taskset of its own go to the generator's core,
	# not the DUT's: unpinned, they took 2-5 % of the DUT core.
	taskset -pc "$GEN_CPU" $$ >/dev/null 2>&1 ||
		warn "cannot pin the script to cpu $GEN_CPU"
	load_check
	((MICRO)) && run_micro
	[[ -n ${FORWARDERS// /}${SESSIONS// /} ]] || return 0

	setup_topology
	pin_napi
	select_gen || die "no packet generator works here (tried: ${GEN/auto/pktgen hf-gen trafgen})"
	[[ $GEN_USED == trafgen ]] &&
		warn "trafgen offers under 1 Mpps here: it, not the forwarder, is likely the bottleneck"

	if [[ -n ${FORWARDERS// /} ]]; then
		say ""
		say "== forwarding: $FORWARDERS"
		run_section "$FORWARDERS"
		report "$FORWARDERS" kernel kernel
	fi
	if [[ -n ${SESSIONS// /} ]]; then
		say ""
		say "== sessions: $SESSIONS (hafwd: 1 worker; stateful rows: zones in/out, one allow rule, session-max $SESS_MAX, fwnew $SESS_NEW_MAX, udp timeout 600 s)"
		run_section "$SESSIONS"
		report "$SESSIONS" fw1 "fw1"
		sessions_summary
	fi
	return 0
}

# On one line: once main returns bash reads no further, so editing this
# file during a run cannot make it execute stray text.
main "$@"; exit $?

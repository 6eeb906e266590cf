#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make demo`: a live hafwd between network namespaces.
#   h1 (198.18.1.2) --- [p1  dut/hafwd  p2] --- h2 (198.18.2.2)
# Starts hafwd in the dut namespace with a small security policy, pings
# through it and at it (and shows the reverse direction refused), sends a
# short UDP stream, shows interfaces, sessions, policy and counters, then
# tears it all down.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces, XDP)"; exit 1; }

P="hfdemo$$"
CONF=/tmp/$P.conf
SOCK=/tmp/$P.sock
LOG=/tmp/$P.log
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	for ns in h1 dut h2; do ip netns del "$P-$ns" 2>/dev/null || true; done
	rm -f "$CONF"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { build/hafwctl -s "$SOCK" "$@"; }

say "topology: h1 -- dut (hafwd) -- h2 in namespaces $P-*"
for ns in h1 dut h2; do ip netns add "$P-$ns"; ip -n "$P-$ns" link set lo up; done
ip link add eth0 netns "$P-h1" type veth peer name p1 netns "$P-dut"
ip link add eth0 netns "$P-h2" type veth peer name p2 netns "$P-dut"
for h in h1 h2; do
	ip -n "$P-$h" link set eth0 up
	# complete checksums: veth's offload would leave them to "hardware",
	# and AF_XDP forwards the frame as it is
	ip netns exec "$P-$h" ethtool -K eth0 tx off >/dev/null
done
ip -n "$P-dut" link set p1 up
ip -n "$P-dut" link set p2 up
ip -n "$P-h1" addr add 198.18.1.2/24 dev eth0
ip -n "$P-h1" route add default via 198.18.1.1
ip -n "$P-h2" addr add 198.18.2.2/24 dev eth0
ip -n "$P-h2" route add default via 198.18.2.1

cat > "$CONF" <<EOC
workers 1
control-socket $SOCK
poll-mode adaptive
port p1 {
    interface p1
    address 198.18.1.1/24
}
port p2 {
    interface p2
    address 198.18.2.1/24
}
route 198.19.0.0/16 via 198.18.2.2
# stateful: h1's side may open sessions to h2's side, not the reverse
zone inside p1
zone outside p2
policy-default deny
rule out from inside to outside action allow
session-timeout-icmp 30
EOC
say "configuration ($CONF)"
cat "$CONF"
build/hafwd --check-config "$CONF"

say "starting hafwd in $P-dut"
ip netns exec "$P-dut" build/hafwd -c "$CONF" >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 100); do ctl show interfaces >/dev/null 2>&1 && break; sleep 0.05; done
cat "$LOG"

say "ping the router, then through it"
ip netns exec "$P-h1" ping -c 3 -i 0.2 -W 1 198.18.1.1
ip netns exec "$P-h1" ping -c 5 -i 0.2 -W 1 198.18.2.2
ip netns exec "$P-h1" traceroute -n -q 1 -w 1 198.18.2.2 2>/dev/null || true

say "h2 -> h1 is refused by the policy (no session, default deny), captured"
ctl capture start --stage drop --file "/tmp/$P-drops.pcap"
ip netns exec "$P-h2" ping -c 2 -i 0.2 -W 1 198.18.1.2 || echo "(refused, as configured)"
ctl capture stop
echo "drop reasons (/tmp/$P-drops.pcap.drops, beside the pcap file):"
cat "/tmp/$P-drops.pcap.drops"
rm -f "/tmp/$P-drops.pcap" "/tmp/$P-drops.pcap.drops"

say "a short UDP stream h1 -> h2 (1000 packets, trafgen)"
if command -v trafgen >/dev/null; then
	MAC=$(ctl --json show interfaces | python3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["mac"])')
	SRC=$(ip -n "$P-h1" -j link show eth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
	cat > "/tmp/$P.trafgen" <<EOT
{ eth(da=$MAC, sa=$SRC), ipv4(saddr=198.18.1.2, daddr=198.18.2.2, ttl=64), udp(sport=1234, dport=9), fill(0x41, 64) }
EOT
	ip netns exec "$P-h1" trafgen -o eth0 -c "/tmp/$P.trafgen" -n 1000 -q >/dev/null 2>&1 || true
	rm -f "/tmp/$P.trafgen"
fi

say "hafwctl show interfaces"
ctl show interfaces
say "hafwctl show routes"
ctl show routes
say "hafwctl show neighbours"
ctl show neighbours
say "hafwctl show sessions"
ctl show sessions
say "hafwctl show policy"
ctl show policy
say "hafwctl show counters"
ctl show counters
say "hafwctl show threads"
ctl show threads

say "stopping hafwd (SIGTERM)"
kill "$PID"
wait "$PID" && echo "hafwd exited 0"
PID=
ip -n "$P-dut" link show p1 | grep -q xdp && echo "XDP still attached!" || echo "XDP programs detached"

# SPDX-License-Identifier: GPL-2.0-or-later
"""Every drop class that can be produced through a veth, one crafted
frame at a time, each counted under exactly its own counter and never
forwarded; then 10,000 fuzzed and garbage frames, after which hafwd still
forwards. Runts (< 14 bytes) cannot be sent over veth and are skipped."""
import random
import struct
import time

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.packet import fuzz
from scapy.utils import checksum

from hafwd_harness import counter_delta, wait_for

BCAST = "ff:ff:ff:ff:ff:ff"
# counters that record a discarded frame (besides every drop_*)
DROP_LIKE = ("arp_malformed", "arp_bad_sender", "arp_not_for_us",
             "icmp_error_suppressed", "icmp_error_ratelimited")


def udp(dst="198.18.2.2", src="198.18.1.2", **kw):
    return IP(src=src, dst=dst, **kw) / UDP(sport=4000, dport=5000) / \
        b"drop-test-payload"


def raw_ip(**kw):
    return bytearray(bytes(udp(**kw)))


def fix_csum(ip):
    ihl = (ip[0] & 0xf) * 4
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", checksum(bytes(ip[:ihl])))
    return ip


def with_byte(ip, off, val, csum=True):
    ip = bytearray(ip)
    ip[off] = val
    return fix_csum(ip) if csum else ip


def with_totlen(ip, tot):
    ip = bytearray(ip)
    ip[2:4] = struct.pack("!H", tot)
    return fix_csum(ip)


def arp_req(m, **kw):
    args = dict(op=1, hwsrc=m.h1, psrc="198.18.1.2", pdst="198.18.1.1")
    args.update(kw)
    return Ether(src=m.h1, dst=BCAST) / ARP(**args)


def eth(m, body, dst=None, type_=0x0800):
    """An Ethernet frame to the h1 port around raw bytes."""
    return Ether(src=m.h1, dst=dst or m.port, type=type_) / bytes(body)


# counter -> [(description, builder(m) -> frame)]
CASES = {
    "drop_not_our_mac": [
        ("other unicast MAC",
         lambda m: eth(m, udp(), dst="02:00:00:00:00:99")),
        ("MAC of another hafwd port", lambda m: eth(m, udp(), dst=m.h2port)),
    ],
    "drop_vlan": [
        ("802.1Q", lambda m: Ether(src=m.h1, dst=m.port) / Dot1Q(vlan=5) /
         udp()),
        ("802.1ad", lambda m: Ether(src=m.h1, dst=m.port) / Dot1AD(vlan=6) /
         Dot1Q(vlan=7) / udp()),
    ],
    "drop_ethertype": [
        ("IPv6", lambda m: Ether(src=m.h1, dst=m.port) /
         IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP()),
        ("0x88b5", lambda m: eth(m, bytes(46), type_=0x88b5)),
        ("0x0842", lambda m: eth(m, bytes(102), type_=0x0842)),
    ],
    "drop_ip_truncated": [
        ("total length > frame", lambda m: eth(m, bytes(udp(len=200)))),
        ("10 bytes of header", lambda m: eth(m, raw_ip()[:10])),
        ("IHL 15 in a 45-byte packet",
         lambda m: eth(m, with_byte(raw_ip(), 0, 0x4f))),
    ],
    "drop_ip_version": [
        ("version 5", lambda m: eth(m, with_byte(raw_ip(), 0, 0x55))),
        ("version 6 in an IPv4 frame",
         lambda m: eth(m, with_byte(raw_ip(), 0, 0x65))),
    ],
    "drop_ip_ihl": [
        ("IHL 4", lambda m: eth(m, with_byte(raw_ip(), 0, 0x44))),
        ("IHL 0", lambda m: eth(m, with_byte(raw_ip(), 0, 0x40))),
    ],
    "drop_ip_total_len": [
        ("total length 10", lambda m: eth(m, with_totlen(raw_ip(), 10))),
        ("total length 0", lambda m: eth(m, with_totlen(raw_ip(), 0))),
        ("total length 19", lambda m: eth(m, with_totlen(raw_ip(), 19))),
    ],
    "drop_ip_checksum": [
        ("checksum 0x1234", lambda m: eth(m, bytes(udp(chksum=0x1234)))),
        ("TTL changed after checksum",
         lambda m: eth(m, with_byte(raw_ip(), 8, 99, csum=False))),
    ],
    "drop_martian_src": [
        (src, lambda m, src=src: eth(m, udp(src=src)))
        for src in ("0.1.2.3", "127.0.0.1", "240.0.0.1", "224.0.0.1",
                    "169.254.1.1", "255.255.255.255")
    ],
    "drop_martian_dst": [
        (dst, lambda m, dst=dst: eth(m, udp(dst=dst)))
        for dst in ("127.0.0.1", "0.0.0.1", "169.254.1.1", "240.0.0.1")
    ],
    "drop_broadcast_dst": [
        (dst, lambda m, dst=dst: eth(m, udp(dst=dst)))
        for dst in ("255.255.255.255", "198.18.2.255", "198.18.1.255")
    ],
    "drop_multicast_dst": [
        (dst, lambda m, dst=dst: eth(m, udp(dst=dst)))
        for dst in ("224.1.2.3", "224.0.0.1", "239.255.255.250")
    ],
    "drop_l2_broadcast": [
        ("IP unicast in a broadcast frame",
         lambda m: eth(m, udp(), dst=BCAST)),
        ("IP unicast in a multicast frame",
         lambda m: eth(m, udp(), dst="01:00:5e:00:00:05")),
    ],
    "drop_local_proto": [
        ("UDP to 198.18.1.1", lambda m: eth(m, udp(dst="198.18.1.1"))),
        ("TCP to 198.18.2.1", lambda m: eth(m, IP(src="198.18.1.2",
                                                  dst="198.18.2.1") /
                                            TCP(sport=4000, dport=22))),
        ("fragmented echo to 198.18.1.1",
         lambda m: eth(m, IP(src="198.18.1.2", dst="198.18.1.1",
                             flags="MF") / ICMP() / bytes(64))),
    ],
    "drop_local_bad_icmp": [
        ("echo with a bad ICMP checksum",
         lambda m: eth(m, IP(src="198.18.1.2", dst="198.18.1.1") /
                       ICMP(chksum=0xdead) / b"ping")),
        ("ICMP of 4 bytes", lambda m: eth(m, IP(src="198.18.1.2",
                                                dst="198.18.1.1", proto=1) /
                                          b"\x08\x00\xf7\xff")),
    ],
    "arp_malformed": [
        ("hardware type 6", lambda m: arp_req(m, hwtype=6)),
        ("protocol type IPv6", lambda m: arp_req(m, ptype=0x86dd)),
        ("hardware length 8", lambda m: eth(
            m, with_byte(bytes(arp_req(m)[ARP]), 4, 8, csum=False),
            dst=BCAST, type_=0x0806)),
        ("operation 3", lambda m: arp_req(m, op=3)),
        ("truncated", lambda m: eth(m, bytes(arp_req(m)[ARP])[:20],
                                    dst=BCAST, type_=0x0806)),
    ],
    "arp_bad_sender": [
        ("broadcast sender MAC", lambda m: arp_req(m, hwsrc=BCAST)),
        ("zero sender MAC", lambda m: arp_req(m, hwsrc="00:00:00:00:00:00")),
        ("loopback sender IP", lambda m: arp_req(m, psrc="127.0.0.1")),
    ],
}


class Macs:
    def __init__(self, hafwd, topo):
        self.h1 = topo.host_mac("h1")
        self.port = hafwd.port_mac("h1")
        self.h2port = hafwd.port_mac("h2")


def drops_of(delta):
    return {k: v for k, v in delta.items()
            if k.startswith("drop_") or k in DROP_LIKE}


def test_each_drop_counted_once_under_its_reason(hafwd, topo):
    """One daemon for the whole table (a fresh one per row would cost a
    second each); every row is checked in isolation by counter deltas,
    and every mismatch is reported, not just the first."""
    m = Macs(hafwd, topo)
    h1, h2, h3 = topo.port("h1"), topo.port("h2"), topo.port("h3")
    bad = []
    for counter, rows in CASES.items():
        for what, build in rows:
            f = build(m)
            before = hafwd.counters()
            h1.send(f)
            try:
                wait_for(lambda: hafwd.counters()["rx_packets"] >
                         before["rx_packets"], timeout=3, what="rx")
                # the frame is counted before it is dropped; the drop
                # counter follows in the same loop iteration
                wait_for(lambda: drops_of(counter_delta(
                    before, hafwd.counters())), timeout=1, what="drop")
            except TimeoutError:
                pass
            d = counter_delta(before, hafwd.counters())
            problems = []
            if drops_of(d) != {counter: 1}:
                problems.append(f"drops {drops_of(d)}")
            if d.get("rx_packets") != 1:
                problems.append(f"rx_packets +{d.get('rx_packets', 0)}")
            problems += [f"{c} +{d[c]}" for c in
                         ("forwarded", "icmp_error_tx", "fragments_sent",
                          "arp_reply_tx", "icmp_echo_reply_tx") if c in d]
            if problems:
                bad.append(f"{counter} / {what}: {', '.join(problems)}")
    # nothing came out of the other ports
    for p in (h2, h3):
        leaked = p.recv(lambda p: IP in p and p[IP].src == "198.18.1.2",
                        timeout=0.1)
        assert leaked is None, f"forwarded: {leaked.summary()}"
    assert not bad, "wrong drop accounting:\n  " + "\n  ".join(bad)


def test_ethernet_padding_is_ignored(hafwd, topo):
    """A short packet padded to the Ethernet minimum (with junk, not
    zeros) is forwarded without its padding; only the IP total length
    counts."""
    m = Macs(hafwd, topo)
    h1, h2 = topo.port("h1"), topo.port("h2")
    ip = bytes(IP(src="198.18.1.2", dst="198.18.2.2", ttl=5) /
               UDP(sport=4000, dport=5055) / b"p")
    assert len(ip) == 29
    f = bytes(eth(m, ip)) + b"\xa5" * 31
    assert len(f) == 74
    h1.send(f)
    got = h2.recv(lambda p: UDP in p and p[UDP].dport == 5055, timeout=3)
    assert got is not None, "padded frame not forwarded"
    raw = bytes(got)
    assert len(raw) == 14 + 29, f"forwarded frame is {len(raw)} bytes"
    assert raw[14 + 8] == 4 and checksum(raw[14:34]) == 0
    assert raw[34:] == ip[20:], "UDP header or payload changed"


# ---- fuzz ----

FUZZ_SEED = 0x5eed


def fuzz_frames(m, rng, n):
    """n frames: scapy fuzz() of IP/UDP, IP/ICMP and ARP; random bytes
    with and without our MAC and an IP/ARP ethertype; valid packets cut
    short; valid packets with random header bytes overwritten."""
    eth_hdr = (bytes.fromhex(m.port.replace(":", "")) +
               bytes.fromhex(m.h1.replace(":", "")) + b"\x08\x00")
    src_dst = bytes([198, 18, 1, 2, 198, 18, 2, 2])

    def valid():
        """A correct UDP packet to h2 with random TTL and payload (built
        by hand: scapy is too slow for thousands)."""
        data = rng.randbytes(rng.randrange(0, 1400))
        ip = bytearray(struct.pack("!BBHHHBBH", 0x45, 0, 28 + len(data),
                                   rng.randrange(65536), 0,
                                   rng.randrange(256), 17, 0) + src_dst)
        ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
        return eth_hdr + bytes(ip) + struct.pack(
            "!HHHH", 4000, 5000, 8 + len(data), 0) + data

    def scapy_fuzz():
        layer = rng.choice([lambda: IP() / UDP(), lambda: IP() / ICMP(),
                            lambda: ARP()])()
        f = bytes(Ether(src=m.h1, dst=m.port) / fuzz(layer))
        return f + rng.randbytes(rng.randrange(0, 200))

    def garbage():
        n = rng.randrange(14, 1515)
        b = bytearray(rng.randbytes(n))
        r = rng.random()
        if r < 0.8:
            b[0:6] = bytes.fromhex(m.port.replace(":", ""))
        if r < 0.4:
            b[12:14] = b"\x08\x00"
        elif r < 0.55:
            b[12:14] = b"\x08\x06"
        return bytes(b)

    def truncated():
        f = valid()
        return f[:rng.randrange(14, len(f))]

    def mutated():
        f = bytearray(valid())
        for _ in range(rng.randrange(1, 5)):
            f[rng.randrange(14, 42)] = rng.randrange(256)
        return bytes(f)

    kinds = [(scapy_fuzz, 2), (garbage, 3), (truncated, 2), (mutated, 3)]
    bag = [k for k, w in kinds for _ in range(w)]
    return [rng.choice(bag)() for _ in range(n)]


def test_fuzz_does_not_break_forwarding(hafwd, topo):
    rng = random.Random(FUZZ_SEED)
    random.seed(FUZZ_SEED)          # scapy's fuzz() draws from random
    m = Macs(hafwd, topo)
    h1, h2 = topo.port("h1"), topo.port("h2")
    frames = fuzz_frames(m, rng, 10000)
    assert all(14 <= len(f) <= 1514 for f in frames)
    before = hafwd.counters()
    deadline = time.monotonic() + 60
    batch = 250
    for i in range(0, len(frames), batch):
        assert time.monotonic() < deadline, "fuzz took too long"
        for f in frames[i:i + batch]:
            h1.send(f)
        target = before["rx_packets"] + i + batch
        # let the worker catch up (bounded) so the rings do not overflow
        try:
            wait_for(lambda: hafwd.counters()["rx_packets"] >= target,
                     timeout=2, what="fuzz batch")
        except TimeoutError:
            pass
        assert hafwd.alive(), f"hafwd died during fuzz batch {i // batch} " \
            f"(seed {FUZZ_SEED:#x})"
    after = hafwd.counters()
    d = counter_delta(before, after)
    assert d.get("rx_packets", 0) >= 0.95 * len(frames), \
        f"only {d.get('rx_packets', 0)} of {len(frames)} frames reached hafwd"
    assert d.get("drop_runt", 0) == 0
    # still forwarding, correctly, many times over (a frame leak in some
    # drop path would have exhausted the UMEM by now)
    h2.drain()
    n = 300
    for i in range(n):
        h1.send(Ether(src=m.h1, dst=m.port) /
                IP(src="198.18.1.2", dst="198.18.2.2", ttl=9) /
                UDP(sport=4000, dport=5999) / struct.pack("!I", i))
    got = h2.recv_all(lambda p: UDP in p and p[UDP].dport == 5999 and
                      p[IP].src == "198.18.1.2" and p[IP].ttl == 8,
                      timeout=5, count=n)
    assert len(got) == n, f"{len(got)}/{n} forwarded after the fuzz"
    assert sorted(struct.unpack("!I", bytes(p[UDP].payload)[:4])[0]
                  for p in got) == list(range(n))
    h2_mac = topo.host_mac("h2")
    for p in got:
        assert p[Ether].dst == h2_mac
        assert checksum(bytes(p[IP])[:20]) == 0
    assert hafwd.alive()
    hafwd.ctl("show", "counters")

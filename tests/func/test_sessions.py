# SPDX-License-Identifier: GPL-2.0-or-later
"""Stateful mode: sessions created by policy on a flow's first packet,
replies passing by session, TCP tracking, UDP/ICMP sessions expiring,
related ICMP errors, table full, clear sessions and policy load."""
import os
import subprocess
import sys
import tempfile

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, UDPerror
from scapy.layers.l2 import Ether

from hafwd_harness import counter_delta, wait_for

POLICY = """
zone inside h1
zone outside h2 h3
policy-default deny
rule out from inside to outside action allow
"""

SHORT = ("session-timeout-udp 2\nsession-timeout-icmp 1\n"
         "session-timeout-tcp-syn 3\n")


def frame(hafwd, topo, host, l3):
    return Ether(src=topo.host_mac(host), dst=hafwd.port_mac(host)) / l3


def sessions(hafwd, *filters):
    return hafwd.json("show", "sessions", *filters)["sessions"]


def is_udp_to(dport):
    return lambda p: UDP in p and p[UDP].dport == dport


def test_tcp_from_inside_with_real_stacks(make_hafwd, topo):
    """A real connection: h2 listens, h1 connects, data both ways."""
    hafwd = make_hafwd(POLICY)
    server = subprocess.Popen(
        ["ip", "netns", "exec", topo.hosts["h2"], sys.executable, "-c",
         "import socket\n"
         "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind(('198.18.2.2', 8080)); s.listen(1); s.settimeout(10)\n"
         "print('listening', flush=True)\n"
         "c, _ = s.accept(); c.settimeout(10)\n"
         "c.sendall(c.recv(100).upper()); c.close()\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "listening"
        r = topo.run("h1", sys.executable, "-c",
                     "import socket\n"
                     "c = socket.create_connection(('198.18.2.2', 8080), timeout=5)\n"
                     "c.sendall(b'hello'); print(c.recv(100).decode())\n")
        assert r.stdout.strip() == "HELLO"
    finally:
        server.wait(timeout=10)
    s = [x for x in sessions(hafwd, "protocol", "tcp") if x["dport"] == 8080]
    assert len(s) == 1
    s = s[0]
    assert s["src"] == "198.18.1.2" and s["dst"] == "198.18.2.2"
    assert s["from_zone"] == "inside" and s["to_zone"] == "outside"
    assert s["rule"] == "out"
    # SYN, ACK, data, FIN... both ways; the close leaves time-wait
    assert s["packets"][0] >= 3 and s["packets"][1] >= 3
    assert s["state"] in ("time-wait", "fin-orig", "fin-reply", "closed")
    pol = hafwd.json("show", "policy")
    assert pol["rules"][0]["name"] == "out" and pol["rules"][0]["hits"] == 1
    one = hafwd.json("show", "session", str(s["id"]))
    assert one["id"] == s["id"] and one["dport"] == 8080
    text = hafwd.ctl("show", "session", str(s["id"])).stdout
    assert text.startswith("id ") and "198.18.1.2:" in text
    r = hafwd.ctl("show", "session", "12345", check=False)
    assert r.returncode != 0 and "no session 12345" in r.stderr


def test_inbound_syn_denied_and_counted(make_hafwd, topo):
    hafwd = make_hafwd(POLICY)
    h1, h2 = topo.port("h1"), topo.port("h2")
    before = hafwd.counters()
    h2.send(frame(hafwd, topo, "h2",
                  IP(src="198.18.2.2", dst="198.18.1.2") /
                  TCP(sport=5555, dport=22, flags="S")))
    assert h1.recv(lambda p: TCP in p, timeout=0.5) is None
    d = wait_for(lambda: counter_delta(before, hafwd.counters()).get(
        "drop_policy_deny") and counter_delta(before, hafwd.counters()),
        what="policy drop")
    assert d["drop_policy_deny"] == 1
    assert "sessions_created" not in d
    assert hafwd.json("show", "policy")["default"]["hits"] == 1
    assert sessions(hafwd) == []


def test_mid_stream_and_bad_flags_dropped(make_hafwd, topo):
    hafwd = make_hafwd(POLICY)
    h1, h2 = topo.port("h1"), topo.port("h2")
    before = hafwd.counters()
    for flags, sport in (("A", 4001), ("PA", 4002), ("SF", 4003),
                         ("F", 4004)):
        h1.send(frame(hafwd, topo, "h1",
                      IP(src="198.18.1.2", dst="198.18.2.2") /
                      TCP(sport=sport, dport=80, flags=flags)))
    assert h2.recv(lambda p: TCP in p, timeout=0.5) is None
    d = wait_for(lambda: (lambda d: d if d.get("drop_tcp_no_session") == 2
                          and d.get("drop_tcp_bad_flags") == 2 else None)(
        counter_delta(before, hafwd.counters())), what="tcp drops")
    assert "sessions_created" not in d


def test_loose_pickup_accepts_mid_stream(make_hafwd, topo):
    hafwd = make_hafwd(POLICY, extra_globals="tcp-loose-pickup yes\n")
    h1, h2 = topo.port("h1"), topo.port("h2")
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  TCP(sport=4100, dport=80, flags="A")))
    assert h2.recv(lambda p: TCP in p and p[TCP].sport == 4100,
                   timeout=3) is not None
    # h2's kernel knows no such connection: its RST comes back through
    # the picked-up session and closes it
    rst = h1.recv(lambda p: TCP in p and p[TCP].dport == 4100, timeout=3)
    assert rst is not None and "R" in str(rst[TCP].flags)
    s = sessions(hafwd, "port", "4100")
    assert len(s) == 1 and s[0]["packets"] == [1, 1]
    assert s[0]["state"] == "closed"


def test_udp_and_icmp_sessions_expire(make_hafwd, topo):
    hafwd = make_hafwd(POLICY, extra_globals=SHORT)
    h1, h2 = topo.port("h1"), topo.port("h2")
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  UDP(sport=4200, dport=4201) / b"x"))
    assert h2.recv(is_udp_to(4201), timeout=3) is not None
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  ICMP(type=8, id=0x4242, seq=1) / b"ping"))
    rep = h1.recv(lambda p: ICMP in p and p[ICMP].type == 0 and
                  p[ICMP].id == 0x4242, timeout=3)
    assert rep is not None, "echo reply did not pass back by its session"
    u = sessions(hafwd, "protocol", "udp")
    i = sessions(hafwd, "protocol", "icmp")
    assert len(u) == 1 and u[0]["sport"] == 4200 and u[0]["dport"] == 4201
    assert len(i) == 1 and i[0]["sport"] == 0x4242
    assert i[0]["packets"] == [1, 1] and i[0]["state"] == "active"
    # ICMP (1 s) goes first, then UDP (2 s); the ager looks once a second
    wait_for(lambda: not sessions(hafwd, "protocol", "icmp"), timeout=4,
             what="ICMP session expiry")
    wait_for(lambda: not sessions(hafwd, "protocol", "udp"), timeout=5,
             what="UDP session expiry")
    info = hafwd.json("show", "session", "info")
    assert info["live"] == 0 and info["created"] == 2


def test_related_icmp_error_passes_back(make_hafwd, topo):
    hafwd = make_hafwd(POLICY)
    h1, h2 = topo.port("h1"), topo.port("h2")
    probe = IP(src="198.18.1.2", dst="198.18.2.2", ttl=5) / \
        UDP(sport=4300, dport=33434) / b"trace"
    h1.send(frame(hafwd, topo, "h1", probe))
    got = h2.recv(is_udp_to(33434), timeout=3)
    assert got is not None
    h1.drain()
    before = hafwd.counters()
    # a router beyond h2 reports time exceeded for the forwarded probe
    err = IP(src="198.18.2.2", dst="198.18.1.2") / ICMP(type=11, code=0) / \
        bytes(got[IP])[:28]
    h2.send(frame(hafwd, topo, "h2", err))
    back = h1.recv(lambda p: ICMP in p and p[ICMP].type == 11, timeout=3)
    assert back is not None
    assert back[IPerror].src == "198.18.1.2" and back[UDPerror].sport == 4300
    # one about a flow that never existed is dropped
    bogus = IP(src="198.18.2.2", dst="198.18.1.2") / ICMP(type=11, code=0) / \
        bytes(IP(src="198.18.1.2", dst="198.18.2.2", ttl=1) /
              UDP(sport=4399, dport=33434))[:28]
    h2.send(frame(hafwd, topo, "h2", bogus))
    assert h1.recv(lambda p: ICMP in p and p[ICMP].type == 11 and
                   p[UDPerror].sport == 4399, timeout=0.5) is None
    d = wait_for(lambda: (lambda d: d if d.get("drop_no_session") else None)(
        counter_delta(before, hafwd.counters())), what="orphan error drop")
    assert d.get("fw_related", 0) >= 1 and d["drop_no_session"] == 1


def test_table_full_keeps_established_flows(make_hafwd, topo):
    hafwd = make_hafwd(POLICY, extra_globals="session-max 16\n")
    h1, h2 = topo.port("h1"), topo.port("h2")
    for i in range(16):
        h1.send(frame(hafwd, topo, "h1",
                      IP(src="198.18.1.2", dst="198.18.2.2") /
                      UDP(sport=5000 + i, dport=6000) / b"fill"))
    got = h2.recv_all(is_udp_to(6000), timeout=3, count=16)
    assert len(got) == 16
    before = hafwd.counters()
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  UDP(sport=5100, dport=6000) / b"new"))
    assert h2.recv(lambda p: UDP in p and p[UDP].sport == 5100,
                   timeout=0.5) is None
    # a packet of an existing flow still goes through
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  UDP(sport=5003, dport=6000) / b"old"))
    assert h2.recv(lambda p: UDP in p and p[UDP].sport == 5003,
                   timeout=3) is not None
    d = counter_delta(before, hafwd.counters())
    assert d["drop_session_full"] == 1
    info = hafwd.json("show", "session", "info")
    assert info["live"] == 16 and info["capacity"] == 16


def test_clear_sessions(make_hafwd, topo):
    hafwd = make_hafwd(POLICY)
    h1, h2 = topo.port("h1"), topo.port("h2")
    for sport in (4400, 4401, 4402):
        h1.send(frame(hafwd, topo, "h1",
                      IP(src="198.18.1.2", dst="198.18.2.2") /
                      TCP(sport=sport, dport=443, flags="S")))
    assert len(h2.recv_all(lambda p: TCP in p and p[TCP].dport == 443,
                           timeout=3, count=3)) == 3
    wait_for(lambda: len(sessions(hafwd, "port", "443")) == 3,
             what="3 sessions")
    r = hafwd.ctl("clear", "sessions", "port", "4401")
    assert r.stdout.strip() == "cleared 1 session"
    left = sorted(s["sport"] for s in sessions(hafwd, "port", "443"))
    assert left == [4400, 4402]
    # h2 answers SYN-ACK for the cleared one: no session, dropped
    h1.drain()
    before = hafwd.counters()
    h2.send(frame(hafwd, topo, "h2", IP(src="198.18.2.2", dst="198.18.1.2") /
                  TCP(sport=443, dport=4401, flags="SA")))
    assert h1.recv(lambda p: TCP in p and p[TCP].dport == 4401,
                   timeout=0.5) is None
    wait_for(lambda: counter_delta(before, hafwd.counters()).get(
        "drop_tcp_no_session") == 1, what="drop of the cleared flow")
    assert hafwd.json("clear", "sessions")["cleared"] == 2
    assert sessions(hafwd) == []


def test_policy_load_and_reevaluate(make_hafwd, topo):
    hafwd = make_hafwd(POLICY)
    h1, h2 = topo.port("h1"), topo.port("h2")
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  UDP(sport=4500, dport=53) / b"q"))
    assert h2.recv(is_udp_to(53), timeout=3) is not None
    with tempfile.NamedTemporaryFile("w", suffix=".rules",
                                     delete=False) as f:
        f.write("zone inside h1\nzone outside h2 h3\npolicy-default deny\n"
                "rule in from outside to inside protocol udp port 53 "
                "action allow\n")
    try:
        r = hafwd.ctl("policy", "load", f.name, "reevaluate")
    finally:
        os.unlink(f.name)
    assert "1 rules" in r.stdout and "1 sessions removed" in r.stdout
    assert sessions(hafwd) == []
    pol = hafwd.json("show", "policy")
    assert [x["name"] for x in pol["rules"]] == ["in"]
    # the old direction is now refused, the new one allowed
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  UDP(sport=4501, dport=53) / b"q"))
    assert h2.recv(is_udp_to(53), timeout=0.5) is None
    h2.send(frame(hafwd, topo, "h2", IP(src="198.18.2.2", dst="198.18.1.2") /
                  UDP(sport=4502, dport=53) / b"q"))
    assert h1.recv(is_udp_to(53), timeout=3) is not None
    # a bad file changes nothing and says where
    with tempfile.NamedTemporaryFile("w", suffix=".rules",
                                     delete=False) as f:
        f.write("zone inside h1\nrule x from inside to nowhere action allow\n")
    try:
        r = hafwd.ctl("policy", "load", f.name, check=False)
    finally:
        os.unlink(f.name)
    assert r.returncode != 0
    assert f"{f.name}:2: unknown zone 'nowhere'" in r.stderr
    assert [x["name"] for x in hafwd.json("show", "policy")["rules"]] == ["in"]


def test_no_policy_is_a_plain_router(hafwd, topo):
    h1, h2 = topo.port("h1"), topo.port("h2")
    # mid-stream TCP is forwarded: no session tracking without a policy
    h1.send(frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  TCP(sport=4600, dport=80, flags="A")))
    assert h2.recv(lambda p: TCP in p and p[TCP].sport == 4600,
                   timeout=3) is not None
    assert sessions(hafwd) == []
    assert hafwd.json("show", "policy") == {"stateful": False}


def test_stateful_fuzz_then_forwarding(make_hafwd, topo):
    """Valid IPv4 headers around random L4 bytes (TCP with any flags,
    truncated headers, ICMP errors quoting garbage, fragments), from
    both sides: hafwd survives, every frame is accounted for, and a
    normal flow still passes."""
    import random
    import struct

    from scapy.utils import checksum

    hafwd = make_hafwd(POLICY, extra_globals="session-max 1024\n")
    h1, h2 = topo.port("h1"), topo.port("h2")
    rng = random.Random(3)
    macs = {h: (bytes.fromhex(hafwd.port_mac(h).replace(":", "")) +
                bytes.fromhex(topo.host_mac(h).replace(":", "")) +
                b"\x08\x00") for h in ("h1", "h2")}
    addrs = {"h1": bytes([198, 18, 1, 2, 198, 18, 2, 2]),
             "h2": bytes([198, 18, 2, 2, 198, 18, 1, 2])}

    def fuzzed(side):
        proto = rng.choice([6, 6, 17, 1, 1, rng.randrange(256)])
        l4 = bytearray(rng.randbytes(rng.randrange(0, 64)))
        if proto == 1 and l4 and rng.random() < 0.5:
            l4[0] = rng.choice([3, 11, 12, 0, 8])   # errors and echo
        frag = rng.choice([0, 0, 0, 0x2000, rng.randrange(1, 0x2000)])
        ip = bytearray(struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4),
                                   rng.randrange(65536), frag, 64, proto,
                                   0) + addrs[side])
        ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
        return macs[side] + bytes(ip) + bytes(l4)

    before = hafwd.counters()
    for i in range(3000):
        side = "h1" if i % 3 else "h2"
        (h1 if side == "h1" else h2).send(fuzzed(side))
    # every frame is received and either forwarded or dropped by reason
    wait_for(lambda: counter_delta(before, hafwd.counters()).get(
        "rx_packets", 0) >= 3000, timeout=10, what="all fuzz frames")
    assert hafwd.alive()
    d = counter_delta(before, hafwd.counters())
    drops = sum(v for k, v in d.items() if k.startswith("drop_"))
    assert drops + d.get("forwarded", 0) >= 3000
    assert drops > 0 and d.get("sessions_created", 0) > 0
    info = hafwd.json("show", "session", "info")
    assert info["live"] <= 1024
    h2.drain()
    after = frame(hafwd, topo, "h1", IP(src="198.18.1.2", dst="198.18.2.2") /
                  UDP(sport=4700, dport=4701) / b"after")
    h1.send(after)
    got = h2.recv(is_udp_to(4701), timeout=3)
    assert got is not None and bytes(got[UDP]) == bytes(after[UDP])

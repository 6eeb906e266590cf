# SPDX-License-Identifier: GPL-2.0-or-later
"""ICMP errors (RFC 792/1191/1812): Time Exceeded, Net Unreachable,
Fragmentation Needed with the next-hop MTU; errors that must never be
sent (about ICMP errors, later fragments, link-layer broadcasts); the
per-worker rate limit."""
import struct
import time

import pytest
from scapy.layers.inet import ICMP, IP, UDP, IPerror, UDPerror
from scapy.layers.l2 import Ether
from scapy.utils import checksum

from conftest import PORTS
from hafwd_harness import counter_delta, wait_for


def frame(hafwd, topo, host="h1", dst="198.18.2.2", ttl=64, l4=None,
          payload=b"icmp-error-test", l2dst=None, **ipkw):
    src = {"h1": "198.18.1.2", "h2": "198.18.2.2", "h3": "198.18.3.2"}[host]
    l4 = UDP(sport=4000, dport=5000) / payload if l4 is None else l4
    return (Ether(src=topo.host_mac(host),
                  dst=l2dst or hafwd.port_mac(host)) /
            IP(src=src, dst=dst, ttl=ttl, **ipkw) / l4)


def icmp_error(type_, code=None):
    """Match an ICMP error of the given type/code. The hosts' kernels
    only ever send Port Unreachable (3/3) here, which never matches
    the errors hafwd is expected to send."""
    return lambda p: (ICMP in p and p[ICMP].type == type_ and
                      (code is None or p[ICMP].code == code))


def check_error(err, hafwd, topo, sent, type_, code, ingress="h1",
                router_ip="198.18.1.1"):
    """Verify an ICMP error from hafwd about the frame `sent`; return the
    raw ICMP message."""
    host_ip = sent[IP].src
    assert err[Ether].dst == topo.host_mac(ingress)
    assert err[Ether].src == hafwd.port_mac(ingress)
    ip_raw = bytes(err[IP])[:err[IP].len]
    ihl = err[IP].ihl * 4
    assert checksum(ip_raw[:ihl]) == 0, "IPv4 header checksum invalid"
    assert err[IP].src == router_ip, "error not sourced from the ingress port"
    assert err[IP].dst == host_ip
    assert err[IP].proto == 1 and err[IP].ttl > 1
    assert err[IP].len <= 576
    icmp = ip_raw[ihl:]
    assert checksum(icmp) == 0, "ICMP checksum invalid"
    assert icmp[0] == type_ and icmp[1] == code
    quote = icmp[8:]
    orig = bytes(sent[IP])
    assert len(quote) >= 20 + 8, "quote shorter than header + 8 bytes"
    # the quote is the packet as received: original TTL and checksum
    assert quote == orig[:len(quote)], "quote differs from the sent packet"
    return icmp


def open_ports(topo, *names):
    return [topo.port(n) for n in names]


@pytest.mark.parametrize("ttl", [1, 0])
def test_time_exceeded(hafwd, topo, ttl):
    h1, h2 = open_ports(topo, "h1", "h2")
    sent = frame(hafwd, topo, ttl=ttl, payload=bytes(range(40)))
    before = hafwd.counters()
    h1.send(sent)
    err = h1.recv(icmp_error(11), timeout=3)
    assert err is not None, f"no Time Exceeded for TTL {ttl}"
    icmp = check_error(err, hafwd, topo, sent, 11, 0)
    assert icmp[4:8] == b"\0\0\0\0"
    assert err[IPerror].ttl == ttl
    assert h2.recv(lambda p: UDP in p, timeout=0.2) is None
    d = counter_delta(before, hafwd.counters())
    assert d.get("drop_ttl_exceeded") == 1
    assert d.get("icmp_error_tx") == 1
    assert "forwarded" not in d


def test_time_exceeded_sourced_from_ingress_port(hafwd, topo):
    (h3,) = open_ports(topo, "h3")
    sent = frame(hafwd, topo, host="h3", dst="198.18.1.2", ttl=1)
    h3.send(sent)
    err = h3.recv(icmp_error(11), timeout=3)
    assert err is not None
    check_error(err, hafwd, topo, sent, 11, 0, ingress="h3",
                router_ip="198.18.3.1")


def test_error_source_and_path_for_other_subnets(hafwd, topo):
    """The error comes from the ingress port's address on the sender's
    subnet, else its first address, and is routed like any packet:
    a remote sender is reached through its gateway."""
    hafwd.ctl("address", "add", "h1", "198.18.10.1/24")
    # h1's kernel answers ARP for the sender address on that subnet
    topo.run("h1", "ip", "addr", "add", "198.18.10.7/24", "dev", "eth0")
    hafwd.ctl("route", "add", "198.19.50.0/24", "via", "198.18.1.2")
    (h1,) = open_ports(topo, "h1")
    for src, router_ip in (("198.18.10.7", "198.18.10.1"),
                           ("198.19.50.5", "198.18.1.1")):
        sent = frame(hafwd, topo, ttl=1)
        sent[IP].src = src
        sent = Ether(bytes(sent))
        h1.send(sent)
        err = h1.recv(lambda p: icmp_error(11)(p) and p[IP].dst == src,
                      timeout=3)
        assert err is not None, f"no Time Exceeded for a sender {src}"
        check_error(err, hafwd, topo, sent, 11, 0, router_ip=router_ip)


def test_ttl_1_for_our_own_address_is_answered(hafwd, topo):
    """RFC 1812 5.3.1: TTL is checked only when forwarding; a packet for
    the router itself is delivered whatever its TTL."""
    (h1,) = open_ports(topo, "h1")
    for i, (dst, ttl) in enumerate((("198.18.1.1", 1), ("198.18.3.1", 1),
                                    ("198.18.2.1", 0))):
        before = hafwd.counters()
        h1.send(frame(hafwd, topo, dst=dst, ttl=ttl,
                      l4=ICMP(type=8, id=0x77, seq=i) / b"ttl"))
        rep = h1.recv(lambda p: ICMP in p and p[ICMP].type in (0, 11),
                      timeout=3)
        assert rep is not None, f"no answer from {dst} to TTL {ttl}"
        assert rep[ICMP].type == 0 and rep[ICMP].seq == i, rep.summary()
        assert rep[IP].src == dst
        d = counter_delta(before, hafwd.counters())
        assert "drop_ttl_exceeded" not in d


def test_net_unreachable(hafwd, topo):
    (h1,) = open_ports(topo, "h1")
    sent = frame(hafwd, topo, dst="198.19.1.1")
    before = hafwd.counters()
    h1.send(sent)
    err = h1.recv(icmp_error(3, 0), timeout=3)
    assert err is not None, "no Net Unreachable"
    icmp = check_error(err, hafwd, topo, sent, 3, 0)
    assert icmp[4:8] == b"\0\0\0\0"
    d = counter_delta(before, hafwd.counters())
    assert d.get("drop_no_route") == 1
    assert d.get("icmp_error_tx") == 1


def frag_needed_case(hafwd, topo, mtu):
    h1, h2 = open_ports(topo, "h1", "h2")
    # exactly the MTU passes, with DF
    fits = frame(hafwd, topo, flags="DF", l4=UDP(sport=4000, dport=5001) /
                 bytes(mtu - 28))
    assert len(fits[IP]) == mtu
    h1.send(fits)
    got = h2.recv(lambda p: UDP in p and p[UDP].dport == 5001, timeout=3)
    assert got is not None, "a DF packet of exactly the MTU was not forwarded"
    assert got[IP].len == mtu and got[IP].flags == "DF"
    # h2's kernel answers Port Unreachable: let it pass before counting
    assert h1.recv(icmp_error(3, 3), timeout=3) is not None
    # one byte more does not: Fragmentation Needed with the next-hop MTU
    big = frame(hafwd, topo, flags="DF", l4=UDP(sport=4000, dport=5002) /
                (bytes(range(256)) * 8)[:mtu + 1 - 28])
    assert len(big[IP]) == mtu + 1
    before = hafwd.counters()
    h1.send(big)
    err = h1.recv(icmp_error(3, 4), timeout=3)
    assert err is not None, "no Fragmentation Needed"
    icmp = check_error(err, hafwd, topo, big, 3, 4)
    unused, nh_mtu = struct.unpack("!HH", icmp[4:8])
    assert unused == 0 and nh_mtu == mtu, f"next-hop MTU {nh_mtu}"
    assert err[IPerror].ttl == 64
    # the whole error fits 576 bytes
    assert len(icmp) + 20 == 576
    assert h2.recv(lambda p: UDP in p and p[UDP].dport == 5002,
                   timeout=0.2) is None
    d = counter_delta(before, hafwd.counters())
    assert d.get("drop_frag_needed") == 1
    assert d.get("icmp_error_tx") == 1
    assert "fragments_sent" not in d and "forwarded" not in d


def test_frag_needed_after_mtu_set(hafwd, topo):
    hafwd.ctl("mtu", "set", "h2", "1280")
    mtus = {i["name"]: i["mtu"]
            for i in hafwd.json("show", "interfaces")["interfaces"]}
    assert mtus == {"h1": 1500, "h2": 1280, "h3": 1500}
    frag_needed_case(hafwd, topo, 1280)


def test_frag_needed_with_config_mtu(make_hafwd, topo):
    ports = PORTS.replace("interface h2\n", "interface h2\n    mtu 1000\n")
    assert "mtu 1000" in ports
    d = make_hafwd(ports=ports)
    frag_needed_case(d, topo, 1000)


def assert_no_icmp_error(h1, hafwd, topo, what):
    """Prove that nothing was sent for what came before: a TTL-1 control
    packet sent now gets its own Time Exceeded; any error about the
    earlier packet would have arrived first (one worker, in order)."""
    ctl = frame(hafwd, topo, ttl=1, l4=UDP(sport=4000, dport=5999) /
                b"control")
    h1.send(ctl)
    err = h1.recv(lambda p: ICMP in p and p[ICMP].type in (3, 11),
                  timeout=3)
    assert err is not None, "no error for the control packet"
    assert UDPerror in err and err[UDPerror].dport == 5999, \
        f"ICMP error sent about {what}: {err.summary()}"


def test_no_error_about_icmp_error(hafwd, topo):
    (h1,) = open_ports(topo, "h1")
    for type_, code in ((3, 3), (11, 0), (12, 0), (5, 1), (4, 0)):
        bad = frame(hafwd, topo, ttl=1,
                    l4=ICMP(type=type_, code=code) /
                    IPerror(src="198.18.2.2", dst="198.18.1.2") /
                    UDPerror(sport=5000, dport=4000))
        before = hafwd.counters()
        h1.send(bad)
        assert_no_icmp_error(h1, hafwd, topo, f"ICMP type {type_}")
        d = counter_delta(before, hafwd.counters())
        assert d.get("drop_ttl_exceeded") == 2
        assert d.get("icmp_error_suppressed") == 1, f"type {type_}: {d}"
        assert d.get("icmp_error_tx") == 1   # the control packet's
    # an ICMP query (echo request) does get an error
    echo = frame(hafwd, topo, ttl=1, l4=ICMP(type=8, id=7, seq=1) / b"q")
    h1.send(echo)
    err = h1.recv(icmp_error(11), timeout=3)
    assert err is not None, "no Time Exceeded about an echo request"
    check_error(err, hafwd, topo, echo, 11, 0)


def test_no_error_about_later_fragment(hafwd, topo):
    (h1,) = open_ports(topo, "h1")
    later = frame(hafwd, topo, ttl=1, frag=100, flags="MF", proto=17,
                  l4=bytes(64))
    last = frame(hafwd, topo, ttl=1, frag=200, proto=17, l4=bytes(64))
    for f in (later, last):
        before = hafwd.counters()
        h1.send(f)
        assert_no_icmp_error(h1, hafwd, topo, "a later fragment")
        d = counter_delta(before, hafwd.counters())
        assert d.get("icmp_error_suppressed") == 1, d
        assert d.get("drop_ttl_exceeded") == 2
    # the first fragment does get one
    first = frame(hafwd, topo, ttl=1, flags="MF", proto=17,
                  l4=UDP(sport=4000, dport=5003) / bytes(64))
    h1.send(first)
    err = h1.recv(icmp_error(11), timeout=3)
    assert err is not None, "no Time Exceeded about a first fragment"
    check_error(err, hafwd, topo, first, 11, 0)


@pytest.mark.parametrize("l2dst", ["ff:ff:ff:ff:ff:ff",
                                   "01:00:5e:01:02:03"])
def test_no_error_about_link_layer_broadcast(hafwd, topo, l2dst):
    """RFC 1812 5.3.4: IP unicast in a link-layer broadcast or multicast
    frame is discarded, neither forwarded nor answered with an error."""
    h1, h2 = open_ports(topo, "h1", "h2")
    for dst, ttl in (("198.19.1.1", 64),     # no route: no Net Unreachable
                     ("198.18.2.2", 1),      # no Time Exceeded
                     ("198.18.2.2", 64)):    # and not forwarded either
        before = hafwd.counters()
        h1.send(frame(hafwd, topo, dst=dst, ttl=ttl, l2dst=l2dst))
        assert_no_icmp_error(h1, hafwd, topo,
                             f"an L2 broadcast to {dst} TTL {ttl}")
        d = counter_delta(before, hafwd.counters())
        assert d.get("drop_l2_broadcast") == 1, d
        assert d.get("icmp_error_tx") == 1          # the control's only
        assert d.get("drop_ttl_exceeded") == 1      # the control's only
        assert "drop_no_route" not in d and "forwarded" not in d, d
    assert h2.recv(lambda p: UDP in p, timeout=0.1) is None


def test_icmp_error_rate_limit(make_hafwd, topo):
    d = make_hafwd(extra_globals="icmp-rate 10\nicmp-burst 5")
    (h1,) = open_ports(topo, "h1")
    # resolve h1 first, so no error waits in the ARP hold queue
    r = topo.run("h1", "ping", "-c", "1", "-W", "2", "198.18.1.1",
                 check=False)
    assert r.returncode == 0, r.stdout
    h1.drain()
    n = 50
    tmpl = frame(d, topo, ttl=1)

    def ttl1(dport):
        p = tmpl.copy()
        p[UDP].dport = dport
        return p

    sent = [ttl1(6000 + i) for i in range(n)]
    raw = [bytes(p) for p in sent]
    before = d.counters()
    t0 = time.monotonic()
    for b in raw:
        h1.send(b)
    burst_s = time.monotonic() - t0
    wait_for(lambda: counter_delta(before, d.counters())
             .get("drop_ttl_exceeded", 0) >= n, what="all 50 processed")
    errs = h1.recv_all(icmp_error(11), timeout=0.5)
    # the burst, plus what 10/s refills while we send
    allowed = 5 + int(burst_s * 10) + 1
    assert 5 <= len(errs) <= allowed, \
        f"{len(errs)} errors for {n} packets (burst 5, rate 10/s)"
    for e in errs:
        i = e[UDPerror].dport - 6000
        check_error(e, d, topo, sent[i], 11, 0)
    delta = counter_delta(before, d.counters())
    assert delta.get("drop_ttl_exceeded") == n
    assert delta.get("icmp_error_tx") == len(errs)
    assert delta.get("icmp_error_ratelimited") == n - len(errs)
    # the bucket refills at about 10/s: within a second a new error flows
    t1 = time.monotonic()
    got = None
    for i in range(40):
        h1.send(ttl1(7000 + i))
        got = h1.recv(icmp_error(11), timeout=0.05)
        if got is not None:
            break
    assert got is not None, "rate limit never let an error through again"
    assert time.monotonic() - t1 < 1.5

# SPDX-License-Identifier: GPL-2.0-or-later
"""IPv4 fragmentation of non-DF packets larger than the egress MTU:
fragment sizes, offsets, flags, IDs, checksums, TTL, options copied to
later fragments, re-fragmenting fragments, and reassembly of the payload
(by the test and by h2's kernel)."""
import pytest
from scapy.layers.inet import (ICMP, IP, UDP, IPOption_EOL, IPOption_RR,
                               IPOption_Router_Alert)
from scapy.layers.l2 import Ether
from scapy.utils import checksum

from conftest import PORTS
from hafwd_harness import counter_delta

PAYLOAD = bytes((i * 7 + 3) & 0xff for i in range(1400))


def start(make_hafwd, how, mtu):
    if how == "config":
        d = make_hafwd(ports=PORTS.replace(
            "interface h2\n", f"interface h2\n    mtu {mtu}\n"))
    else:
        d = make_hafwd()
        d.ctl("mtu", "set", "h2", str(mtu))
    assert {i["name"]: i["mtu"] for i in
            d.json("show", "interfaces")["interfaces"]}["h2"] == mtu
    return d


def from_h1(d, topo, ip, l4):
    return (Ether(src=topo.host_mac("h1"), dst=d.port_mac("h1")) / ip / l4)


def frags_of(ident):
    return lambda p: (IP in p and p[IP].src == "198.18.1.2" and
                      p[IP].id == ident)


def check_fragments(frags, d, topo, sent, mtu):
    """Every fragment well formed; return the reassembled payload."""
    orig = sent[IP]
    frags = sorted(frags, key=lambda p: p[IP].frag)
    base = orig.frag * 8
    expect_off = base
    data = b""
    for k, f in enumerate(frags):
        ip = f[IP]
        raw = bytes(ip)[:ip.len]
        ihl = ip.ihl * 4
        assert f[Ether].dst == topo.host_mac("h2")
        assert f[Ether].src == d.port_mac("h2")
        assert ip.len <= mtu, f"fragment {k} is {ip.len} bytes, MTU {mtu}"
        assert checksum(raw[:ihl]) == 0, f"fragment {k}: bad checksum"
        assert ip.id == orig.id and ip.ttl == orig.ttl - 1
        assert ip.src == orig.src and ip.dst == orig.dst
        assert ip.proto == orig.proto and ip.tos == orig.tos
        assert "DF" not in ip.flags
        assert ip.frag * 8 == expect_off, f"fragment {k}: hole or overlap"
        chunk = raw[ihl:]
        last = k == len(frags) - 1
        if not last:
            assert "MF" in ip.flags, f"fragment {k}: MF missing"
            assert len(chunk) % 8 == 0, \
                f"fragment {k}: {len(chunk)} payload bytes, not 8-aligned"
        else:
            assert ("MF" in ip.flags) == ("MF" in orig.flags), \
                "last fragment's MF must be the original packet's"
        expect_off += len(chunk)
        data += chunk
    return data


def collect(h2, ident, n):
    frags = h2.recv_all(frags_of(ident), timeout=3, count=n)
    # nothing more than the expected pieces
    frags += h2.recv_all(frags_of(ident), timeout=0.2)
    return frags


@pytest.mark.parametrize("how,mtu", [("ctl", 576), ("config", 1000),
                                     ("ctl", 68)])
def test_fragments_to_smaller_mtu(make_hafwd, topo, how, mtu):
    d = start(make_hafwd, how, mtu)
    h1, h2 = topo.port("h1"), topo.port("h2")
    sent = from_h1(d, topo, IP(src="198.18.1.2", dst="198.18.2.2", ttl=30,
                               id=0x4321, tos=0x28),
                   UDP(sport=4000, dport=5000) / PAYLOAD)
    n = -(-(len(sent[IP]) - 20) // ((mtu - 20) & ~7))
    before = d.counters()
    h1.send(sent)
    frags = collect(h2, 0x4321, n)
    assert len(frags) == n, f"{len(frags)} fragments, expected {n}"
    data = check_fragments(frags, d, topo, sent, mtu)
    assert data == bytes(sent[UDP]), "reassembled payload differs"
    # all but the last are as large as the MTU allows
    sizes = sorted((f[IP].len for f in frags), reverse=True)
    assert sizes[0] == 20 + ((mtu - 20) & ~7)
    # h2's kernel reassembles the datagram and answers Port Unreachable
    # quoting it: end-to-end proof that the pieces fit together
    back = h1.recv(lambda p: ICMP in p and p[ICMP].type == 3 and
                   p[ICMP].code == 3, timeout=3)
    assert back is not None, "h2 could not reassemble the fragments"
    assert back[IP].src == "198.18.2.2"
    delta = counter_delta(before, d.counters())
    assert delta.get("fragments_sent") == n
    assert delta.get("forwarded") == 2           # ours and h2's reply
    assert not {k for k in delta if k.startswith("drop_")}, delta


def test_packet_that_fits_is_not_fragmented(make_hafwd, topo):
    d = start(make_hafwd, "ctl", 576)
    h1, h2 = topo.port("h1"), topo.port("h2")
    sent = from_h1(d, topo, IP(src="198.18.1.2", dst="198.18.2.2", id=77),
                   UDP(sport=4000, dport=5000) / PAYLOAD[:576 - 28])
    before = d.counters()
    h1.send(sent)
    got = collect(h2, 77, 1)
    assert len(got) == 1 and got[0][IP].len == 576
    assert got[0][IP].flags == 0 and got[0][IP].frag == 0
    assert "fragments_sent" not in counter_delta(before, d.counters())


@pytest.mark.parametrize("flags,offset", [("MF", 0), ("MF", 185),
                                          ("", 185)],
                         ids=["first", "middle", "last"])
def test_refragment_a_fragment(make_hafwd, topo, flags, offset):
    """A fragment split again: offsets continue from the original's and
    MF stays set on the last piece unless the original was the last."""
    d = start(make_hafwd, "ctl", 576)
    h1, h2 = topo.port("h1"), topo.port("h2")
    sent = from_h1(d, topo, IP(src="198.18.1.2", dst="198.18.2.2", id=0x1111,
                               flags=flags, frag=offset, proto=17),
                   PAYLOAD[:1408])
    before = d.counters()
    h1.send(sent)
    frags = collect(h2, 0x1111, 3)
    assert len(frags) == 3, f"{len(frags)} fragments, expected 3"
    data = check_fragments(frags, d, topo, sent, 576)
    assert data == PAYLOAD[:1408]
    last = max(frags, key=lambda p: p[IP].frag)
    assert ("MF" in last[IP].flags) == (flags == "MF")
    assert min(f[IP].frag for f in frags) == offset
    delta = counter_delta(before, d.counters())
    assert delta.get("fragments_sent") == 3
    assert delta.get("forwarded") == 1


def test_options_copied_only_when_flagged(make_hafwd, topo):
    """Router Alert has the copied bit and goes into every fragment;
    Record Route does not and stays in the first only (RFC 791)."""
    d = start(make_hafwd, "ctl", 576)
    h1, h2 = topo.port("h1"), topo.port("h2")
    opts = [IPOption_Router_Alert(), IPOption_RR(routers=["198.18.1.2"]),
            IPOption_EOL()]
    sent = from_h1(d, topo, IP(src="198.18.1.2", dst="198.18.2.2", id=0x2222,
                               options=opts),
                   UDP(sport=4000, dport=5000) / PAYLOAD)
    sent = Ether(bytes(sent))
    hlen = sent[IP].ihl * 4
    assert hlen == 32
    h1.send(sent)
    frags = collect(h2, 0x2222, 3)
    assert len(frags) == 3
    data = check_fragments(frags, d, topo, sent, 576)
    assert data == bytes(sent[IP])[hlen:]
    frags.sort(key=lambda p: p[IP].frag)
    orig_opts = bytes(sent[IP])[20:hlen]
    assert bytes(frags[0][IP])[20:hlen] == orig_opts, \
        "first fragment must keep every option"
    ra = bytes(IPOption_Router_Alert())
    for f in frags[1:]:
        assert f[IP].ihl * 4 == 20 + len(ra), "later fragment header length"
        assert bytes(f[IP])[20:24] == ra, "Router Alert not copied"

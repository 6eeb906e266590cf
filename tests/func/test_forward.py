# SPDX-License-Identifier: GPL-2.0-or-later
"""Basic IPv4 forwarding: TTL, checksum, MACs, payload, ARP resolution,
echo replies for the router's own addresses."""
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether

from hafwd_harness import counter_delta, wait_for


def udp_from_h1(hafwd, topo, dst="198.18.2.2", ttl=64, payload=b"hafwd-test",
                sport=4000, dport=5000):
    return (Ether(src=topo.host_mac("h1"), dst=hafwd.port_mac("h1")) /
            IP(src="198.18.1.2", dst=dst, ttl=ttl) /
            UDP(sport=sport, dport=dport) / payload)


def is_udp_to(dport):
    return lambda p: UDP in p and p[UDP].dport == dport


def test_forward_rewrites_ttl_checksum_macs(hafwd, topo):
    h1, h2 = topo.port("h1"), topo.port("h2")
    payload = bytes(range(256)) * 4
    pkt = udp_from_h1(hafwd, topo, ttl=17, payload=payload)
    before = hafwd.counters()
    h1.send(pkt)  # the first packet also exercises ARP resolution
    got = h2.recv(is_udp_to(5000), timeout=3)
    assert got is not None, "packet not forwarded to h2"
    assert got[Ether].src == hafwd.port_mac("h2")
    assert got[Ether].dst == topo.host_mac("h2")
    assert got[IP].ttl == 16
    chk = got[IP].chksum
    del got[IP].chksum
    assert IP(bytes(got[IP]))[IP].chksum == chk, "IPv4 checksum invalid"
    assert got[IP].src == "198.18.1.2" and got[IP].dst == "198.18.2.2"
    # L4 header and payload are byte-for-byte the ones sent
    assert bytes(got[UDP]) == bytes(pkt[UDP])
    # h2's kernel answers with Port Unreachable, routed back to h1
    back = h1.recv(lambda p: ICMP in p and p[ICMP].type == 3, timeout=3)
    assert back is not None and back[IP].ttl == 63
    d = counter_delta(before, hafwd.counters())
    assert d.get("forwarded") == 2
    assert d.get("arp_request_tx") == 2    # h2, then h1 for the reply
    assert d.get("arp_hold_released") == 2


def test_arp_resolution_without_static_neighbour(hafwd, topo):
    h1, h2 = topo.port("h1"), topo.port("h2")
    assert hafwd.json("show", "neighbours")["neighbours"] == []
    h1.send(udp_from_h1(hafwd, topo, dport=5001))
    assert h2.recv(is_udp_to(5001), timeout=3) is not None
    neigh = wait_for(lambda: [n for n in hafwd.json("show", "neighbours")
                              ["neighbours"] if n["ip"] == "198.18.2.2"],
                     what="neighbour entry")
    assert neigh[0]["mac"] == topo.host_mac("h2")
    assert neigh[0]["state"] == "reachable"
    assert neigh[0]["port"] == "h2"


def test_answers_arp_for_own_address_only(hafwd, topo):
    h1 = topo.port("h1")
    mac = topo.host_mac("h1")
    h1.send(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=mac, psrc="198.18.1.2", pdst="198.18.1.1"))
    rep = h1.recv(lambda p: ARP in p and p[ARP].op == 2, timeout=2)
    assert rep is not None
    assert rep[ARP].hwsrc == hafwd.port_mac("h1")
    assert rep[ARP].psrc == "198.18.1.1"
    assert rep[ARP].pdst == "198.18.1.2" and rep[ARP].hwdst == mac
    assert rep[Ether].dst == mac
    # the address of another port is not answered on this one
    before = hafwd.counters()
    h1.send(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=mac, psrc="198.18.1.2", pdst="198.18.2.1"))
    assert h1.recv(lambda p: ARP in p and p[ARP].op == 2, timeout=0.5) is None
    assert counter_delta(before, hafwd.counters()).get("arp_not_for_us") == 1


def test_echo_reply_for_every_own_address(hafwd, topo):
    h1 = topo.port("h1")
    mac = topo.host_mac("h1")
    for i, dst in enumerate(["198.18.1.1", "198.18.2.1", "198.18.3.1"]):
        req = (Ether(src=mac, dst=hafwd.port_mac("h1")) /
               IP(src="198.18.1.2", dst=dst) /
               ICMP(type=8, id=0x4242, seq=i) / b"ping-payload")
        h1.send(req)
        rep = h1.recv(lambda p: ICMP in p and p[ICMP].type == 0 and
                      p[ICMP].seq == i, timeout=3)
        assert rep is not None, f"no echo reply from {dst}"
        assert rep[IP].src == dst and rep[IP].dst == "198.18.1.2"
        assert rep[ICMP].id == 0x4242
        assert bytes(rep[ICMP].payload) == b"ping-payload"
        chk = rep[ICMP].chksum
        del rep[ICMP].chksum
        assert ICMP(bytes(rep[ICMP])).chksum == chk


def test_kernel_ping_through_router(hafwd, topo):
    r = topo.run("h1", "ping", "-c", "3", "-i", "0.2", "-W", "2",
                 "198.18.3.2", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout

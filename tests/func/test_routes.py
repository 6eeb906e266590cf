# SPDX-License-Identifier: GPL-2.0-or-later
"""Static routes: longest-prefix match across /0../32 changed live with
hafwctl, route replace/del semantics and their errors, routes from the
configuration file, blackhole routes, and a route-churn test that checks
no packet ever sees a half-made FIB or next-hop entry."""
import threading
import time

from scapy.layers.inet import ICMP, IP, UDP, IPerror
from scapy.layers.l2 import Ether
from scapy.utils import checksum

from hafwd_harness import counter_delta, wait_for

DST = "198.19.9.9"
GW = {"h2": "198.18.2.2", "h3": "198.18.3.2"}

# every prefix covers DST; gateways alternate so each step moves traffic
LPM_STEPS = [
    ("0.0.0.0/0", "h2"),
    ("198.0.0.0/8", "h3"),
    ("198.19.0.0/16", "h2"),
    ("198.19.9.0/24", "h3"),
    ("198.19.9.9/32", "h2"),
]


def udp_from_h1(hafwd, topo, dst=DST, ttl=64, payload=b"route-test",
                dport=5000):
    return (Ether(src=topo.host_mac("h1"), dst=hafwd.port_mac("h1")) /
            IP(src="198.18.1.2", dst=dst, ttl=ttl) /
            UDP(sport=4000, dport=dport) / payload)


def udp_to(dport):
    return lambda p: UDP in p and p[UDP].dport == dport


def ip_csum_ok(pkt):
    return checksum(bytes(pkt[IP])[:pkt[IP].ihl * 4]) == 0


def route_table(hafwd):
    return {r["prefix"]: r for r in hafwd.json("show", "routes")["routes"]}


def where_does_it_go(hafwd, topo, ports, dport, dst=DST, wait=3.0):
    """Send one UDP packet from h1 to dst; return the name of the host
    that received it (within wait seconds) after checking the copy, or
    None."""
    pkt = udp_from_h1(hafwd, topo, dst=dst, dport=dport,
                      payload=b"lpm-%d" % dport)
    ports["h1"].send(pkt)
    got = {}
    deadline = time.monotonic() + wait
    while not got and time.monotonic() < deadline:
        for name in ("h2", "h3"):
            p = ports[name].recv(udp_to(dport), timeout=0.05)
            if p is not None:
                got[name] = p
    # a copy on the other host too would be a bug: give it a moment
    for name in ("h2", "h3"):
        if name not in got:
            p = ports[name].recv(udp_to(dport), timeout=0.2 if got else 0)
            if p is not None:
                got[name] = p
    assert len(got) <= 1, f"packet delivered to several hosts: {list(got)}"
    if not got:
        return None
    name, p = next(iter(got.items()))
    assert p[Ether].dst == topo.host_mac(name)
    assert p[Ether].src == hafwd.port_mac(name)
    assert p[IP].ttl == 63 and p[IP].dst == dst
    assert ip_csum_ok(p), "IPv4 checksum invalid"
    assert bytes(p[UDP]) == bytes(pkt[UDP])
    return name


def open_ports(topo):
    return {n: topo.port(n) for n in ("h1", "h2", "h3")}


def test_lpm_add_and_delete_live(hafwd, topo):
    ports = open_ports(topo)
    dport = 6000
    for prefix, host in LPM_STEPS:
        hafwd.ctl("route", "add", prefix, "via", GW[host])
        r = route_table(hafwd)[prefix]
        assert (r["type"], r["origin"], r["gateway"], r["port"]) == \
            ("forward", "static", GW[host], host)
        dport += 1
        assert where_does_it_go(hafwd, topo, ports, dport) == host, \
            f"after adding {prefix} via {host}"
    # delete the most specific first: the next shorter prefix takes over
    for i in range(len(LPM_STEPS) - 1, 0, -1):
        prefix = LPM_STEPS[i][0]
        hafwd.ctl("route", "del", prefix)
        assert prefix not in route_table(hafwd)
        dport += 1
        expect = LPM_STEPS[i - 1][1]
        assert where_does_it_go(hafwd, topo, ports, dport) == expect, \
            f"after deleting {prefix}, expected fallback to {expect}"
    hafwd.ctl("route", "del", "0.0.0.0/0")
    ports["h1"].drain()
    before = hafwd.counters()
    dport += 1
    assert where_does_it_go(hafwd, topo, ports, dport, wait=0.5) is None
    err = ports["h1"].recv(lambda p: ICMP in p and p[ICMP].type == 3,
                           timeout=2)
    assert err is not None, "no ICMP net unreachable without a route"
    assert err[ICMP].code == 0
    assert err[IP].src == "198.18.1.1" and err[IP].dst == "198.18.1.2"
    assert err[IPerror].dst == DST
    d = counter_delta(before, hafwd.counters())
    assert d.get("drop_no_route") == 1
    assert d.get("icmp_error_tx") == 1
    assert "forwarded" not in d


def test_route_replace_moves_traffic_at_once(hafwd, topo):
    ports = open_ports(topo)
    hafwd.ctl("route", "add", "198.19.9.0/24", "via", GW["h2"])
    assert where_does_it_go(hafwd, topo, ports, 6100) == "h2"
    hafwd.ctl("route", "replace", "198.19.9.0/24", "via", GW["h3"])
    r = route_table(hafwd)["198.19.9.0/24"]
    assert (r["gateway"], r["port"], r["origin"]) == (GW["h3"], "h3",
                                                      "static")
    # the very first packet after the command takes the new path
    assert where_does_it_go(hafwd, topo, ports, 6101) == "h3"
    hafwd.ctl("route", "replace", "198.19.9.0/24", "via", GW["h2"])
    assert where_does_it_go(hafwd, topo, ports, 6102) == "h2"


def test_route_add_existing_and_replace_missing_fail(hafwd, topo):
    hafwd.ctl("route", "add", "198.19.0.0/16", "via", GW["h2"])
    r = hafwd.ctl("route", "add", "198.19.0.0/16", "via", GW["h3"],
                  check=False)
    assert r.returncode != 0
    assert "198.19.0.0/16" in r.stderr and "exists" in r.stderr
    # the failed add left the route alone
    assert route_table(hafwd)["198.19.0.0/16"]["gateway"] == GW["h2"]
    r = hafwd.ctl("route", "replace", "198.19.7.0/24", "via", GW["h3"],
                  check=False)
    assert r.returncode != 0 and "does not exist" in r.stderr
    assert "198.19.7.0/24" not in route_table(hafwd)
    r = hafwd.ctl("route", "del", "198.19.7.0/24", check=False)
    assert r.returncode != 0 and "does not exist" in r.stderr


def test_connected_and_local_routes_cannot_be_changed(hafwd, topo):
    before = route_table(hafwd)
    for prefix in ("198.18.2.0/24", "198.18.2.1/32", "198.18.2.255/32"):
        r = hafwd.ctl("route", "del", prefix, check=False)
        assert r.returncode != 0, f"route del {prefix} succeeded"
        assert "connected or local" in r.stderr, r.stderr
        r = hafwd.ctl("route", "replace", prefix, "via", GW["h3"],
                      check=False)
        assert r.returncode != 0, f"route replace {prefix} succeeded"
        assert "connected or local" in r.stderr, r.stderr
    assert route_table(hafwd) == before
    ports = open_ports(topo)
    assert where_does_it_go(hafwd, topo, ports, 6200,
                            dst="198.18.2.2") == "h2"


def test_gateway_not_on_connected_subnet_refused(hafwd, topo):
    cases = [
        (("via", "198.18.50.1"), "not on a connected subnet"),
        (("via", "198.18.2.1"), "not on a connected subnet"),  # our own
        (("via", GW["h3"], "port", "h2"), "of that port"),
        (("via", "198.18.2.2", "port", "nosuch"), "no port named"),
    ]
    for words, msg in cases:
        r = hafwd.ctl("route", "add", "198.19.5.0/24", *words, check=False)
        assert r.returncode != 0, f"route add via {words} succeeded"
        assert msg in r.stderr, r.stderr
    assert "198.19.5.0/24" not in route_table(hafwd)
    r = hafwd.ctl("route", "add", "198.19.5.1/24", "via", GW["h2"],
                  check=False)
    assert r.returncode != 0 and "host bits" in r.stderr


def test_routes_from_config_file(make_hafwd, topo):
    d = make_hafwd(extra=(
        "route 198.19.0.0/16 via 198.18.2.2\n"
        "route 198.19.9.0/24 via 198.18.3.2 port h3\n"
        "route 198.19.99.0/24 blackhole\n"))
    routes = route_table(d)
    want = {
        "198.19.0.0/16": ("forward", "static", GW["h2"], "h2"),
        "198.19.9.0/24": ("forward", "static", GW["h3"], "h3"),
        "198.19.99.0/24": ("blackhole", "static", None, "-"),
    }
    for prefix, w in want.items():
        r = routes.get(prefix)
        assert r is not None, f"{prefix} missing from show routes"
        assert (r["type"], r["origin"], r["gateway"], r["port"]) == w
    # the connected routes are there too, with their own origin
    assert routes["198.18.2.0/24"]["origin"] == "connected"
    assert routes["198.18.2.1/32"]["origin"] == "local"
    ports = open_ports(topo)
    assert where_does_it_go(d, topo, ports, 6300, dst="198.19.1.1") == "h2"
    assert where_does_it_go(d, topo, ports, 6301, dst="198.19.9.1") == "h3"
    # config routes are ordinary static routes: replace and del work
    d.ctl("route", "replace", "198.19.0.0/16", "via", GW["h3"])
    assert where_does_it_go(d, topo, ports, 6302, dst="198.19.1.1") == "h3"
    d.ctl("route", "del", "198.19.99.0/24")
    assert "198.19.99.0/24" not in route_table(d)


def test_blackhole_route_drops_silently(hafwd, topo):
    hafwd.ctl("route", "add", "198.19.0.0/16", "via", GW["h2"])
    hafwd.ctl("route", "add", "198.19.99.0/24", "blackhole")
    r = route_table(hafwd)["198.19.99.0/24"]
    assert (r["type"], r["origin"], r["gateway"]) == ("blackhole", "static",
                                                      None)
    ports = open_ports(topo)
    # warm the h2 neighbour so the counters below are only the blackhole
    assert where_does_it_go(hafwd, topo, ports, 6400,
                            dst="198.19.1.1") == "h2"
    before = hafwd.counters()
    assert where_does_it_go(hafwd, topo, ports, 6401, dst="198.19.99.7",
                            wait=0.5) is None
    # no ICMP error for a blackhole
    assert ports["h1"].recv(lambda p: ICMP in p, timeout=0.3) is None
    d = counter_delta(before, hafwd.counters())
    assert d.get("drop_blackhole") == 1
    assert "forwarded" not in d and "icmp_error_tx" not in d
    # the covering /16 still forwards around the hole
    assert where_does_it_go(hafwd, topo, ports, 6402,
                            dst="198.19.98.7") == "h2"


class _Collector(threading.Thread):
    """Reads frames from one port into a list until stopped (bounded)."""

    def __init__(self, port, match, limit, deadline):
        super().__init__(daemon=True)
        self.port, self.match = port, match
        self.limit, self.deadline = limit, deadline
        self.frames = []
        self.stop = threading.Event()

    def run(self):
        while (not self.stop.is_set() and len(self.frames) < self.limit and
               time.monotonic() < self.deadline):
            raw = self.port.recv_raw(0.05)
            if raw is not None and self.match(raw):
                self.frames.append(raw)


def test_route_churn_never_shows_half_made_entry(make_hafwd, topo):
    n_pkts, spacing = 2000, 0.001
    mac = {h: topo.host_mac(h) for h in ("h1", "h2", "h3")}
    d = make_hafwd(extra=(
        f"neighbour 198.18.2.2 {mac['h2']} port h2\n"
        f"neighbour 198.18.3.2 {mac['h3']} port h3\n"
        # no covering route: a packet that finds the /32 missing even
        # for an instant is dropped as drop_no_route
        "route 198.19.9.9/32 via 198.18.2.2\n"),
        # a small next-hop table: freed slots get reused (after a grace
        # period) many times during the churn
        extra_globals="nexthops-max 16\nfib-tbl8-groups 16")
    port_mac = {h: d.port_mac(h) for h in ("h1", "h2", "h3")}
    ports = open_ports(topo)
    frames = [bytes(Ether(src=mac["h1"], dst=port_mac["h1"]) /
                    IP(src="198.18.1.2", dst=DST, ttl=64, id=i) /
                    UDP(sport=4000, dport=7000) /
                    (b"churn-%05d-" % i + bytes(range(64))))
              for i in range(n_pkts)]
    deadline = time.monotonic() + 30
    is_ours = lambda raw: raw[12:14] == b"\x08\x00" and raw[23] == 17
    rx = {h: _Collector(ports[h], is_ours, n_pkts, deadline)
          for h in ("h2", "h3")}
    for c in rx.values():
        c.start()

    def sender():
        t0 = time.monotonic()
        for i, f in enumerate(frames):
            ports["h1"].send(f)
            delay = t0 + (i + 1) * spacing - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the stream, not waiting

    before = d.counters()
    tx = threading.Thread(target=sender, daemon=True)
    tx.start()
    flips = others = 0
    while tx.is_alive() and flips < 2000 and time.monotonic() < deadline:
        gw = GW["h3" if flips % 2 == 0 else "h2"]
        d.ctl("route", "replace", "198.19.9.9/32", "via", gw)
        flips += 1
        if flips % 4 == 0:
            # routes beside ours come and go: in its tbl8 group, in a
            # group of their own (allocated and freed), and a /25
            for p in ("198.19.9.10/32", "198.19.10.1/32", "198.19.9.128/25"):
                d.ctl("route", "add", p, "via", gw)
            for p in ("198.19.9.10/32", "198.19.10.1/32", "198.19.9.128/25"):
                d.ctl("route", "del", p)
            others += 1
    tx.join(timeout=max(deadline - time.monotonic(), 0))
    assert not tx.is_alive(), "sender did not finish"
    try:
        wait_for(lambda: sum(len(c.frames) for c in rx.values()) >= n_pkts,
                 timeout=5, what="every packet of the stream")
    except TimeoutError:
        pass    # counted and explained below
    for c in rx.values():
        c.stop.set()
        c.join(timeout=2)
    assert flips >= 20, f"only {flips} route replaces during the stream"
    print(f"{flips} route replaces, {others} add/del rounds during "
          f"{n_pkts} packets")

    seen = {}
    for host, c in rx.items():
        for raw in c.frames:
            p = Ether(raw)
            i = p[IP].id
            want = Ether(frames[i])
            assert p[Ether].dst == mac[host], \
                f"packet {i} on {host} has dst MAC {p[Ether].dst}"
            assert p[Ether].src == port_mac[host]
            assert p[IP].ttl == 63, f"packet {i}: TTL {p[IP].ttl}"
            assert ip_csum_ok(p), f"packet {i}: bad IPv4 checksum"
            assert p[IP].src == "198.18.1.2" and p[IP].dst == DST
            assert bytes(p[UDP]) == bytes(want[UDP]), \
                f"packet {i}: L4 header or payload changed"
            assert i not in seen, f"packet {i} delivered twice"
            seen[i] = host
    delta = counter_delta(before, d.counters())
    drops = {k: v for k, v in delta.items() if k.startswith("drop_")}
    assert len(seen) == n_pkts and drops == {}, \
        f"{n_pkts - len(seen)} packets lost during route churn, drops {drops}"
    assert set(seen.values()) == {"h2", "h3"}, "the route never moved"
    assert delta.get("forwarded") == n_pkts
    assert d.alive()

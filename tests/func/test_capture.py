# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet capture (hafwctl capture): the rx, fw, tx and drop stages read
back from pcap files with scapy, pcap filters, a record limit that closes
the file by itself, drop reasons in the sidecar file, clear errors, a
flush at shutdown, and no effect on forwarding or counters.

Forwarded test traffic goes to SINK, a static neighbour on h2 that no
host owns: h2 sees the frames on its wire but its kernel never answers,
so a capture holds exactly the packets a test sends."""
import os
import subprocess

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.utils import rdpcap

from hafwd_harness import HAFWCTL, counter_delta, wait_for

SINK = "198.18.2.99"
SINK_MAC = "02:00:00:00:99:99"
NEIGH = f"neighbour {SINK} {SINK_MAC} port h2\n"
# counters that depend on timing, not on the traffic
TIMING = ("tx_kicks", "tx_kick_errors", "rx_wakeups", "fq_short")
PORT_INDEX = {"h1": 0, "h2": 1, "h3": 2}

POLICY = """
zone inside h1
zone outside h2 h3
policy-default deny
rule out from inside to outside action allow
"""


def static_h1(topo):
    """NEIGH plus h1 as a static neighbour: ICMP errors to h1 need no
    ARP, so no ARP frame shows up in a capture."""
    return NEIGH + f"neighbour 198.18.1.2 {topo.host_mac('h1')} port h1\n"


def udp_frame(hafwd, topo, dport, ttl=64, dst=SINK, payload=b"capture"):
    return (Ether(src=topo.host_mac("h1"), dst=hafwd.port_mac("h1")) /
            IP(src="198.18.1.2", dst=dst, ttl=ttl) /
            UDP(sport=4000, dport=dport) / payload)


def is_udp_to(dport):
    return lambda p: UDP in p and p[UDP].dport == dport


def start(hafwd, *args):
    return hafwd.ctl("capture", "start", *args)


def stop(hafwd):
    return hafwd.json("capture", "stop")


def status(hafwd):
    return hafwd.json("capture", "status")["capture"]


def error_of(hafwd, *args):
    r = hafwd.ctl(*args, check=False)
    assert r.returncode != 0, f"hafwctl {' '.join(args)} succeeded"
    return r.stderr


def sidecar(path):
    """{record number: (port index, reason)} from a .drops file."""
    out = {}
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == "# record\tstage\tworker\tport\treason"
    for line in lines[1:]:
        rec, stage, worker, port, reason = line.split("\t")
        assert stage == "drop" and worker == "0"
        out[int(rec)] = (int(port), reason)
    return out


def forward_one(hafwd, topo, dport, **kw):
    """Send one UDP packet to SINK and wait until h2 sees it."""
    h1, h2 = topo.port("h1"), topo.port("h2")
    try:
        pkt = udp_frame(hafwd, topo, dport, **kw)
        h1.send(pkt)
        assert h2.recv(is_udp_to(dport), timeout=3) is not None, \
            f"UDP to port {dport} not forwarded"
        return pkt
    finally:
        h1.close()
        h2.close()


def test_each_stage_sees_exactly_the_packet(make_hafwd, topo, tmp_path):
    hafwd = make_hafwd(NEIGH)
    h1_mac, h2_port_mac = topo.host_mac("h1"), hafwd.port_mac("h2")
    for i, stage in enumerate(("rx", "fw", "tx")):
        f = tmp_path / f"{stage}.pcap"
        start(hafwd, "--stage", stage, "--file", str(f))
        sent = forward_one(hafwd, topo, 6000 + i)
        st = stop(hafwd)
        assert st["written"] == 1 and st["overflow"] == 0, (stage, st)
        assert st["drops_file"] is None and not os.path.exists(f"{f}.drops")
        pkts = rdpcap(str(f))
        assert len(pkts) == 1, (stage, [p.summary() for p in pkts])
        p = pkts[0]
        assert p[IP].src == "198.18.1.2" and p[IP].dst == SINK
        assert p[UDP].sport == 4000 and p[UDP].dport == 6000 + i
        assert bytes(p[UDP]) == bytes(sent[UDP])
        if stage in ("rx", "fw"):
            # as received: the sender's MACs, TTL not yet decremented
            assert p[Ether].src == h1_mac
            assert p[Ether].dst == hafwd.port_mac("h1")
            assert p[IP].ttl == 64
            assert bytes(p) == bytes(sent)
        else:
            # as sent: MACs rewritten for the egress port, TTL 63
            assert p[Ether].src == h2_port_mac and p[Ether].dst == SINK_MAC
            assert p[IP].ttl == 63

    # several stages in one file: one packet gives rx, fw, tx in order;
    # --stage may repeat
    f = tmp_path / "all.pcap"
    start(hafwd, "--stage", "rx,fw", "--stage", "tx", "--file", str(f))
    forward_one(hafwd, topo, 6100)
    stop(hafwd)
    pkts = rdpcap(str(f))
    assert [p[IP].ttl for p in pkts] == [64, 64, 63]
    assert [p[Ether].src for p in pkts] == [h1_mac, h1_mac, h2_port_mac]
    assert all(p[UDP].dport == 6100 for p in pkts)


def test_tx_includes_what_the_router_generates(hafwd, topo, tmp_path):
    h1 = topo.port("h1")
    mac = topo.host_mac("h1")
    f = tmp_path / "tx.pcap"
    start(hafwd, "--stage", "tx", "--file", str(f))
    h1.send(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=mac, psrc="198.18.1.2", pdst="198.18.1.1"))
    assert h1.recv(lambda p: ARP in p and p[ARP].op == 2, timeout=3)
    # the request taught hafwd h1's MAC: the echo reply needs no ARP
    wait_for(lambda: [n for n in hafwd.json("show", "neighbours")
                      ["neighbours"] if n["ip"] == "198.18.1.2"],
             what="h1 learned")
    h1.send(Ether(src=mac, dst=hafwd.port_mac("h1")) /
            IP(src="198.18.1.2", dst="198.18.1.1") /
            ICMP(type=8, id=0x77, seq=1) / b"ping")
    assert h1.recv(lambda p: ICMP in p and p[ICMP].type == 0, timeout=3)
    stop(hafwd)
    pkts = rdpcap(str(f))
    assert len(pkts) == 2, [p.summary() for p in pkts]
    arp, echo = pkts
    assert arp[ARP].op == 2 and arp[ARP].psrc == "198.18.1.1"
    assert arp[ARP].hwsrc == hafwd.port_mac("h1") and arp[Ether].dst == mac
    assert echo[ICMP].type == 0 and echo[ICMP].id == 0x77
    assert echo[IP].src == "198.18.1.1" and echo[IP].dst == "198.18.1.2"
    assert echo[Ether].dst == mac


def test_filter_selects_exactly_the_matching_packets(make_hafwd, topo,
                                                     tmp_path):
    hafwd = make_hafwd(NEIGH)
    f = tmp_path / "filter.pcap"
    # a quoted expression with spaces, and '%' (modulo): odd ports only
    start(hafwd, "--stage", "rx", "--filter",
          "udp and dst host 198.18.2.99 and udp[2:2] % 2 = 1",
          "--file", str(f))
    st = status(hafwd)
    assert st["filter"] == "udp and dst host 198.18.2.99 and udp[2:2] % 2 = 1"
    for dport in (7000, 7001, 7002, 7003, 7004):
        forward_one(hafwd, topo, dport)
    h1 = topo.port("h1")
    h1.send(Ether(src=topo.host_mac("h1"), dst=hafwd.port_mac("h1")) /
            IP(src="198.18.1.2", dst=SINK) / ICMP(type=8, id=7001))
    wait_for(lambda: status(hafwd)["filtered_out"] == 4,
             what="4 frames filtered out")
    st = stop(hafwd)
    assert (st["matched"], st["written"], st["filtered_out"]) == (2, 2, 4)
    assert [p[UDP].dport for p in rdpcap(str(f))] == [7001, 7003]

    # the expression may also come as separate words, up to the next
    # option
    f = tmp_path / "words.pcap"
    start(hafwd, "--stage", "fw", "--filter", "udp", "dst", "port", "7101",
          "--file", str(f))
    assert status(hafwd)["filter"] == "udp dst port 7101"
    for dport in (7100, 7101, 7102):
        forward_one(hafwd, topo, dport)
    stop(hafwd)
    assert [p[UDP].dport for p in rdpcap(str(f))] == [7101]


def test_count_closes_the_file_by_itself(make_hafwd, topo, tmp_path):
    hafwd = make_hafwd(NEIGH)
    f = tmp_path / "count.pcap"
    r = start(hafwd, "--stage", "rx", "--count", "3", "--file", str(f))
    assert "stopping after 3 packets" in r.stdout
    for dport in range(7200, 7206):
        forward_one(hafwd, topo, dport)
    # mprelay's tick closes it: no `capture stop`
    st = wait_for(lambda: (lambda s: s if not s["running"] else None)(
        status(hafwd)), timeout=3, what="capture to end by itself")
    assert st["ended"] == "count reached" and st["finished"]
    assert st["written"] == 3 and st["error"] is None
    assert [p[UDP].dport for p in rdpcap(str(f))] == [7200, 7201, 7202]
    assert f"capture to {f} ended (count reached): 3 written" in \
        hafwd.read_log()
    err = error_of(hafwd, "capture", "stop")
    assert "no capture is running" in err and "count reached" in err
    # and the next capture may start at once
    start(hafwd, "--stage", "tx", "--count", "1", "--file",
          str(tmp_path / "next.pcap"))
    forward_one(hafwd, topo, 7210)
    wait_for(lambda: not status(hafwd)["running"], timeout=3,
             what="second capture to end")
    assert [p[UDP].dport for p in rdpcap(str(tmp_path / "next.pcap"))] == \
        [7210]


def test_drop_captures_carry_the_reason(make_hafwd, topo, tmp_path):
    hafwd = make_hafwd(POLICY + static_h1(topo))
    h1, h2 = topo.port("h1"), topo.port("h2")
    f = tmp_path / "drops.pcap"
    start(hafwd, "--stage", "drop", "--file", str(f))
    assert status(hafwd)["drops_file"] == f"{f}.drops"
    before = hafwd.counters()
    # TTL expires at hafwd (an allowed flow): answered by Time Exceeded
    h1.send(udp_frame(hafwd, topo, 7301, ttl=1))
    assert h1.recv(lambda p: ICMP in p and p[ICMP].type == 11, timeout=3)
    # outside -> inside is denied by the policy
    h2.send(Ether(src=topo.host_mac("h2"), dst=hafwd.port_mac("h2")) /
            IP(src="198.18.2.2", dst="198.18.1.2") /
            UDP(sport=4000, dport=7302) / b"denied")
    # not addressed to the port's MAC
    h1.send(Ether(src=topo.host_mac("h1"), dst="02:00:00:00:77:77") /
            IP(src="198.18.1.2", dst=SINK) / UDP(sport=4000, dport=7303))
    # no route to the destination
    h1.send(udp_frame(hafwd, topo, 7304, dst="203.0.113.9"))
    want = {"drop_ttl_exceeded": 1, "drop_policy_deny": 1,
            "drop_not_our_mac": 1, "drop_no_route": 1}
    wait_for(lambda: all(counter_delta(before, hafwd.counters()).get(k) == v
                         for k, v in want.items()), what="the four drops")
    st = stop(hafwd)
    assert st["written"] == 4
    pkts = rdpcap(str(f))
    reasons = sidecar(f"{f}.drops")
    assert sorted(reasons) == [1, 2, 3, 4]
    got = {p[UDP].dport: (reasons[i + 1], p) for i, p in enumerate(pkts)}
    assert got[7301][0] == (PORT_INDEX["h1"], "drop_ttl_exceeded")
    assert got[7302][0] == (PORT_INDEX["h2"], "drop_policy_deny")
    assert got[7303][0] == (PORT_INDEX["h1"], "drop_not_our_mac")
    assert got[7304][0] == (PORT_INDEX["h1"], "drop_no_route")
    # each record is the frame as it arrived
    assert got[7301][1][IP].ttl == 1
    assert got[7302][1][IP].src == "198.18.2.2"
    assert got[7302][1][Ether].src == topo.host_mac("h2")
    assert bytes(got[7302][1][UDP].payload) == b"denied"
    assert got[7303][1][Ether].dst == "02:00:00:00:77:77"
    assert got[7304][1][IP].dst == "203.0.113.9"


def test_errors_are_clear(hafwd, tmp_path):
    f = str(tmp_path / "e.pcap")
    assert status(hafwd) is None
    assert "no capture is running" in error_of(hafwd, "capture", "stop")
    cases = [
        (["--stage", "rx,bogus", "--file", f], "unknown stage 'bogus'"),
        (["--file", f], "missing --stage"),
        (["--stage", "rx"], "missing --file"),
        (["--stage", "rx", "--count", "0", "--file", f], "count '0'"),
        (["--stage", "rx", "--count", "many", "--file", f], "count 'many'"),
        (["--stage", "rx", "--snaplen", "0", "--file", f], "snaplen '0'"),
        (["--stage", "rx", "--bogus", "--file", f], "unknown word '--bogus'"),
        (["--stage", "rx", "--filter", "--file", f],
         "--filter needs a pcap expression"),
        (["--stage", "rx", "--filter", "udp prot 53", "--file", f],
         "filter 'udp prot 53': "),
        (["--stage", "rx", "--file", str(tmp_path / "no/such/dir/x.pcap")],
         "no/such"),
    ]
    for args, msg in cases:
        err = error_of(hafwd, "capture", "start", *args)
        assert msg in err, (args, err)
    assert "syntax error" in error_of(hafwd, "capture", "start", "--stage",
                                      "rx", "--filter", "udp prot 53",
                                      "--file", f)
    assert not os.path.exists(f), "a failed start left a file behind"
    assert status(hafwd) is None

    # one capture at a time; the running one is not disturbed
    start(hafwd, "--stage", "drop", "--file", f)
    err = error_of(hafwd, "capture", "start", "--stage", "rx", "--file",
                   str(tmp_path / "second.pcap"))
    assert f"a capture to '{f}' is running" in err
    assert not os.path.exists(tmp_path / "second.pcap")
    st = status(hafwd)
    assert st["running"] and st["file"] == f and st["stages"] == ["drop"]
    assert hafwd.json("show", "capture")["capture"]["file"] == f
    stop(hafwd)
    st = status(hafwd)
    assert not st["running"] and st["ended"] == "stopped"

    # a relative --file is where hafwctl runs, not where hafwd does
    r = subprocess.run([HAFWCTL, "-s", hafwd.sock, "capture", "start",
                        "--stage", "rx", "--file", "rel.pcap"],
                       capture_output=True, text=True, timeout=10,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert status(hafwd)["file"] == str(tmp_path / "rel.pcap")
    stop(hafwd)
    assert (tmp_path / "rel.pcap").exists()


def test_capture_changes_no_counter(make_hafwd, topo, tmp_path):
    """The same traffic with and without a capture (of every stage)
    moves the same counters by the same amounts; after a stop nothing
    more reaches the file."""
    hafwd = make_hafwd(static_h1(topo))

    def run(base):
        before = hafwd.counters()
        for dport in range(base, base + 5):
            forward_one(hafwd, topo, dport)
        h1 = topo.port("h1")
        h1.send(udp_frame(hafwd, topo, base + 9, dst="203.0.113.9"))
        assert h1.recv(lambda p: ICMP in p and p[ICMP].type == 3, timeout=3)
        h1.close()
        d = wait_for(lambda: (lambda d: d if d.get("tx_packets") == 6
                              else None)(
            counter_delta(before, hafwd.counters())), what="traffic counted")
        return {k: v for k, v in d.items() if k not in TIMING}

    plain = run(7400)
    assert status(hafwd) is None
    f = tmp_path / "all.pcap"
    start(hafwd, "--stage", "all", "--file", str(f))
    captured = run(7500)
    st = stop(hafwd)
    assert captured == plain
    # rx 6, fw 5, tx 6 (5 forwarded, 1 ICMP error), drop 1 (no route)
    assert st["written"] == 18 and st["overflow"] == 0
    size = os.path.getsize(f)
    run(7600)
    assert os.path.getsize(f) == size
    assert not st["error"]


def test_shutdown_flushes_a_running_capture(make_hafwd, topo, tmp_path):
    hafwd = make_hafwd(static_h1(topo))
    f = tmp_path / "shutdown.pcap"
    start(hafwd, "--stage", "rx,drop", "--file", str(f))
    before = hafwd.counters()
    h1 = topo.port("h1")
    for dport in (7700, 7701, 7702):
        h1.send(udp_frame(hafwd, topo, dport))
    h1.send(udp_frame(hafwd, topo, 7703, dst="203.0.113.9"))
    wait_for(lambda: counter_delta(before, hafwd.counters()).get(
        "rx_packets") == 4, what="4 frames received")
    assert hafwd.stop() == 0
    assert [p[UDP].dport for p in rdpcap(str(f))] == \
        [7700, 7701, 7702, 7703, 7703]
    assert sidecar(f"{f}.drops") == {5: (0, "drop_no_route")}
    assert f"capture to {f} ended (shutdown): 5 written" in hafwd.read_log()

# SPDX-License-Identifier: GPL-2.0-or-later
"""The drill's traffic tools checked without hafwd: nodes A and B are
plain kernel routers (ip_forward inside their namespaces), the virtual IPs
are kernel addresses moved from A to B by hand, and the tool must measure
what we did to the path.

Run: cd tests/ha && /usr/bin/python3 -m pytest -q test_drill_traffic.py
"""
import time

import pytest

import drill_traffic as dt
import topo as topolib
from traffic import TrafficClient, TrafficServer

CONNS = 50
RATE = 1000
DETECT = 0.2        # simulated detection + promotion time of a failover


def dump(res):
    """A short summary for assertion messages."""
    p, t = res["probes"], res["tcp"] or {}
    return (f"sent={p['sent']} lost={p['lost']} outage={res['outage_ms']}ms "
            f"gap={p['longest_gap']} pps={p['rate_achieved_pps']} "
            f"lateness={p['send_lateness_ms']} tcp survived="
            f"{t.get('survived')}/{t.get('connections')} "
            f"reasons={t.get('dead_reasons')} tcp_error={res['tcp_error']}")


def take_over(topo, detect=DETECT):
    """Node A dies (both data ports down at once); `detect` seconds later
    B takes the virtual IPs and announces them with gratuitous ARP.
    Returns the monotonic times: cut requested, cut done, takeover
    started, takeover done (GARPs sent)."""
    t_cut0 = time.monotonic()
    topo.set_ports("a", up=False)
    t_cut1 = time.monotonic()
    time.sleep(max(0.0, t_cut1 + detect - time.monotonic()))
    t_take = time.monotonic()
    topo.add_vips("b")
    b = topo.nodes["b"]
    topo.garp("b", b["inside"], topolib.VIP_INSIDE)
    topo.garp("b", b["outside"], topolib.VIP_OUTSIDE)
    t_done = time.monotonic()
    topo.del_vips("a")
    return t_cut0, t_cut1, t_take, t_done


# --- pure parts ------------------------------------------------------------

def test_analyze_stream_gaps_and_losses():
    ms = 1_000_000
    send = [i * ms for i in range(100)]
    # 1 ms apart, except probes 40..59 lost, 70 late (reordered after 71),
    # 80 duplicated, and the last three lost
    recv = []
    for i in range(97):
        if 40 <= i < 60 or i == 70:
            continue
        recv.append((i, i * ms + 100_000))
        if i == 71:
            recv.append((70, 71 * ms + 200_000))
        if i == 80:
            recv.append((80, 80 * ms + 150_000))
    r = dt.analyze_stream(send, recv, threshold_ms=5, wall_off=0,
                          end_ns=99 * ms)
    assert r["sent"] == 100
    assert r["received"] == 100 - 20 - 3
    assert r["lost"] == 23
    assert r["duplicates"] == 1
    assert r["reordered"] == 1
    g = r["longest_gap"]
    assert g["ms"] == 21.0
    assert (g["last_seq_before"], g["first_seq_after"]) == (39, 60)
    assert g["lost_in_gap"] == 20
    assert g["send_span_ms"] == 21.0
    assert r["gaps_over_threshold_total"] == 1
    assert r["head_gap_ms"] == 0.0
    assert r["tail_gap_ms"] == pytest.approx(99 - 96.1)
    assert not r["recovered"]
    assert r["outage_ms"] == 21.0


def test_analyze_stream_nothing_received():
    send = [i * 1_000_000 for i in range(10)]
    r = dt.analyze_stream(send, [], threshold_ms=5, wall_off=0)
    assert r["lost"] == 10 and r["received"] == 0
    assert r["longest_gap"] is None
    assert r["outage_ms"] == 9.0


def test_analyze_reverse():
    srv = [(i, i * 1_000_000) for i in range(50)]
    seen = set(range(50)) - set(range(10, 20)) - {48, 49}
    r = dt.analyze_reverse(srv, seen, wall_off=0)
    assert r["lost"] == 12
    assert r["loss_runs"] == 2
    assert r["lost_at_end"] == 2
    assert r["longest_lost_run"]["ms"] == 11.0
    assert r["longest_lost_run"]["lost_in_run"] == 10
    assert r["longest_lost_run"]["lost_span_ms"] == 9.0
    assert r["longest_lost_run"]["first_seq_after"] == 20


def test_garp_frame_decodes_as_gratuitous_arp():
    from scapy.layers.l2 import ARP, Ether
    f = Ether(topolib.garp_frame("02:00:00:00:00:0b", "198.18.1.1"))
    assert f.dst == "ff:ff:ff:ff:ff:ff" and f.src == "02:00:00:00:00:0b"
    a = f[ARP]
    assert a.op == 1 and a.psrc == a.pdst == "198.18.1.1"
    assert a.hwsrc == "02:00:00:00:00:0b"
    r = Ether(topolib.garp_frame("02:00:00:00:00:0b", "198.18.1.1", True))
    assert r[ARP].op == 2 and r[ARP].hwdst == "ff:ff:ff:ff:ff:ff"


# --- in namespaces ---------------------------------------------------------

@pytest.mark.netns
def test_topology_shape(topo):
    for role in topo.ROLES:
        assert topo.run(role, "ip", "link", "show", "lo").returncode == 0
    b = topo.nodes["b"]
    # HA link up and addressed
    r = topo.run("a", "ping", "-c", "1", "-W", "2", b["ha_addr"])
    assert r.returncode == 0
    # both bridges hold three ports
    for br, ports in (("br1", {"p-client", "p-a0", "p-b0"}),
                      ("br2", {"p-server", "p-a1", "p-b1"})):
        out = topo.run(br, "ip", "-o", "link", "show", "master",
                       "br0").stdout
        assert {ln.split(":")[1].strip().split("@")[0]
                for ln in out.splitlines()} == ports
    # port down/up on the node side
    topo.port_down("a", "inside")
    assert "state DOWN" in topo.run("br1", "ip", "link", "show",
                                    "p-a0").stdout
    topo.port_up("a", "inside")
    # checksum offload off where the harness wants it
    out = topo.run("client", "ethtool", "-k", "eth0").stdout
    assert "tx-checksumming: off" in out
    topo.destroy()
    topo.destroy()          # idempotent


@pytest.mark.netns
def test_steady_state_no_loss(routers):
    srv = TrafficServer(routers)
    cli = TrafficClient(routers, duration=3.0, conns=CONNS, rate=RATE)
    cli.wait_ready()
    res = cli.wait()
    summary = srv.stop()
    p, t = res["probes"], res["tcp"]
    print("steady:", dump(res))
    assert res["stopped_by"] == "duration"
    assert 2.9 <= res["duration_s"] <= 3.2
    assert p["lost"] == 0, dump(res)
    assert p["sent"] == pytest.approx(3 * RATE, rel=0.02)
    assert p["rate_achieved_pps"] == pytest.approx(RATE, rel=0.01)
    assert p["duplicates"] == 0
    assert p["recovered"]
    assert p["server_record_error"] is None
    assert p["forward"]["received"] == p["sent"]
    assert p["reverse"]["lost"] == 0
    assert t["connections"] == CONNS
    assert t["survived"] == CONNS, dump(res)
    # each connection exchanged a message about every 20 ms
    assert t["messages_ok"] >= 0.8 * CONNS * 3.0 / 0.020
    assert t["messages_ok"] == t["messages_sent"]
    assert all(c["survived"] and c["errors"] == 0
               for c in t["per_connection"])
    assert res["ok"]
    # a steady path has no outage worth the name, even on a busy VM
    assert res["outage_ms"] < 100, dump(res)
    assert summary["probes_received"] == p["sent"]
    assert summary["tcp_accepted"] == CONNS


@pytest.mark.netns
def test_failover_gap_measured_and_tcp_survives(routers):
    srv = TrafficServer(routers)
    cli = TrafficClient(routers, duration=0, conns=CONNS, rate=RATE)
    cli.wait_ready()
    time.sleep(1.5)
    t_cut0, t_cut1, t_take, t_done = take_over(routers)
    time.sleep(2.0)
    cli.stop("file")
    res = cli.wait()
    srv.stop()
    p, t = res["probes"], res["tcp"]
    gap = p["longest_gap"]
    print(f"failover: cut took {(t_cut1 - t_cut0) * 1000:.1f}ms, dead "
          f"{(t_take - t_cut1) * 1000:.1f}ms, takeover took "
          f"{(t_done - t_take) * 1000:.1f}ms;", dump(res))
    print("  forward gap:", p["forward"]["longest_gap"]["ms"], "ms, reverse:",
          p["reverse"]["lost"], "lost",
          p["reverse"]["longest_lost_run"], "; tcp longest echo gap",
          t["longest_echo_gap"]["ms"], "ms")
    assert res["stopped_by"] == "stop-file"
    # the outage is the dead time we made plus the takeover itself (and
    # some scheduling noise of a busy VM on top)
    least = (t_take - t_cut1) * 1000 - 2
    most = (t_done - t_cut0) * 1000 + 100
    assert least <= res["outage_ms"] <= most, (least, most, dump(res))
    assert gap["ms"] == res["outage_ms"]
    # ... and it is placed where we made it (same CLOCK_MONOTONIC)
    assert t_cut0 - 0.03 <= gap["start_mono"] <= t_cut1 + 0.01, \
        (t_cut0, t_cut1, gap)
    assert t_take <= gap["end_mono"] <= t_done + 0.1, (t_take, t_done, gap)
    # one probe per ms went missing during the gap, hardly any elsewhere
    assert gap["lost_in_gap"] == pytest.approx(gap["ms"], rel=0.2, abs=15)
    assert p["lost"] <= gap["lost_in_gap"] + 5
    assert p["recovered"]
    assert p["rate_achieved_pps"] == pytest.approx(RATE, rel=0.01)
    # both directions were cut: the server saw the same hole
    assert p["forward"]["longest_gap"]["ms"] >= least
    # every TCP connection rode through it (kernel routers keep no state)
    assert t["survived"] == CONNS, dump(res)
    assert t["longest_echo_gap"]["ms"] >= least
    assert not res["ok"]          # probes were lost
    # the client now talks to B
    b_mac = routers.mac("b", routers.nodes["b"]["inside"])
    assert routers.neigh("client", topolib.VIP_INSIDE)[0] == b_mac


@pytest.mark.netns
def test_stopped_server_reports_loss_and_dead_connections(routers):
    srv = TrafficServer(routers)
    cli = TrafficClient(routers, duration=0, conns=CONNS, rate=RATE,
                        stall_max=1.0)
    cli.wait_ready()
    time.sleep(1.0)
    t_kill = time.monotonic()
    srv.kill()                      # by pid: the server we started
    time.sleep(1.5)
    cli.stop("signal")
    res = cli.wait()
    srv.close()
    p, t = res["probes"], res["tcp"]
    print("server killed:", dump(res))
    assert res["stopped_by"] == "signal SIGTERM"
    assert not res["ok"]
    assert p["lost"] >= 1000, dump(res)
    assert not p["recovered"]
    assert p["tail_gap_ms"] >= 1300
    assert res["outage_ms"] >= 1300
    # the dead port answers with ICMP port unreachable
    assert p["rx_errors"].get("ECONNREFUSED", 0) > 0
    assert p["server_record_error"] is not None
    assert p["forward"] is None
    assert t["survived"] == 0 and t["dead"] == CONNS, dump(res)
    assert set(t["dead_reasons"]) <= {"closed by peer", "reset"}, \
        t["dead_reasons"]
    for c in t["per_connection"]:
        assert c["connected"] and c["ok"] > 0
        assert t_kill <= c["died_mono"] <= t_kill + 1.0


@pytest.mark.netns
def test_blackhole_times_connections_out(routers):
    """Path cut for longer than the stall limit, then restored: every
    connection is declared dead by timeout, the probes measure the cut."""
    stall = 1.0
    cut = 1.6
    srv = TrafficServer(routers)
    cli = TrafficClient(routers, duration=3.2, conns=CONNS, rate=RATE,
                        stall_max=stall)
    cli.wait_ready()
    time.sleep(0.8)
    t_fail = time.monotonic()
    routers.port_down("a", "inside")        # nobody takes over...
    time.sleep(cut)
    routers.port_up("a", "inside")          # ...until A comes back
    t_back = time.monotonic()
    res = cli.wait()
    srv.stop()
    p, t = res["probes"], res["tcp"]
    print("blackhole:", dump(res))
    assert res["stopped_by"] == "duration"
    assert t["survived"] == 0 and t["dead"] == CONNS, dump(res)
    assert all(r.startswith("timeout") for r in t["dead_reasons"]), \
        t["dead_reasons"]
    for c in t["per_connection"]:
        # declared dead once its oldest message waited > stall seconds
        assert t_fail + stall - 0.05 <= c["died_mono"] <= \
            t_fail + stall + 0.5, (t_fail, c)
    assert p["recovered"]
    gap = p["longest_gap"]
    assert cut * 1000 - 20 <= gap["ms"] <= (t_back - t_fail) * 1000 + 300, \
        dump(res)
    assert gap["lost_in_gap"] == pytest.approx(gap["ms"], rel=0.2, abs=15)
    # the server saw the same hole in the stream
    assert p["forward"]["longest_gap"]["ms"] == pytest.approx(gap["ms"],
                                                              abs=50)


@pytest.mark.netns
def test_no_server_at_start(routers):
    """Nothing listens: connects fail fast (refused, no retries), every
    probe is lost, and the tool still reports."""
    cli = TrafficClient(routers, duration=1.0, conns=5, rate=RATE,
                        extra=("--tcp-connect-retries", "0"))
    res = cli.wait(timeout=20)
    p, t = res["probes"], res["tcp"]
    assert not res["ok"]
    assert p["received"] == 0 and p["lost"] == p["sent"] > 900
    assert p["longest_gap"] is None and p["outage_ms"] >= 990
    assert t["established"] == 0 and t["survived"] == 0
    assert all(c["reason"].startswith("connect failed")
               for c in t["per_connection"])
    assert p["server_record_error"]

# SPDX-License-Identifier: GPL-2.0-or-later
"""Process life cycle and control plane: clean shutdown detaches XDP,
--check-config, the start-up self-check, restart after SIGKILL, hafwctl
without a daemon, show threads/interfaces, live address add/del and
mtu set limits."""
import json
import os
import signal
import subprocess

import pytest
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether

from conftest import PORTS
from hafwd_harness import HAFWCTL, HAFWD, Hafwd, counter_delta, sh, wait_for

PORT_NAMES = ("h1", "h2", "h3")


def xdp_prog(topo, ifname):
    """The XDP program attached to ifname in the dut namespace, or None."""
    link = json.loads(sh("ip", "-n", topo.dut, "-j", "link", "show",
                         ifname).stdout)[0]
    return link.get("xdp", {}).get("prog")


def forwards(d, topo, dport):
    """One UDP packet h1 -> h2 arrives, TTL decremented."""
    h1, h2 = topo.port("h1"), topo.port("h2")
    try:
        h1.send(Ether(src=topo.host_mac("h1"), dst=d.port_mac("h1")) /
                IP(src="198.18.1.2", dst="198.18.2.2", ttl=20) /
                UDP(sport=4000, dport=dport) / b"lifecycle")
        got = h2.recv(lambda p: UDP in p and p[UDP].dport == dport,
                      timeout=3)
    finally:
        h1.close()
        h2.close()
    return got is not None and got[IP].ttl == 19


def write_conf(topo, name, text):
    path = f"/tmp/{topo.prefix}-{name}.conf"
    with open(path, "w") as f:
        f.write(text)
    return path


def run_hafwd(topo, *args, timeout=15):
    """Run hafwd to completion in the dut namespace. On timeout
    subprocess.run kills the child, which is hafwd itself (ip netns exec
    execs it)."""
    return subprocess.run(["ip", "netns", "exec", topo.dut, HAFWD, *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT],
                         ids=["SIGTERM", "SIGINT"])
def test_clean_shutdown_detaches_xdp(make_hafwd, topo, sig):
    d = make_hafwd()
    for p in PORT_NAMES:
        prog = xdp_prog(topo, p)
        assert prog is not None and prog["name"] == "hafwd_xsk", p
    assert forwards(d, topo, 5100)
    # SIGHUP is logged and ignored: still running and answering
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "SIGHUP" in d.read_log(), what="SIGHUP logged")
    assert d.alive() and forwards(d, topo, 5101)
    d.proc.send_signal(sig)
    rc = d.proc.wait(timeout=10)
    assert rc == 0, d.read_log()
    for p in PORT_NAMES:
        assert xdp_prog(topo, p) is None, f"XDP program left on {p}"
    assert not os.path.exists(d.sock), "control socket left behind"
    assert "stopped cleanly" in d.read_log()


GOOD_CONF = """# a good configuration
workers 1
control-socket /tmp/unused-hafwd-check.sock
port a {
    interface nosuch0
    address 198.18.1.1/24
}
port b {
    interface nosuch1
    address 198.18.2.1/24
    mtu 1400
}
route 198.19.0.0/16 via 198.18.2.2
route 198.19.99.0/24 blackhole
neighbour 198.18.2.2 02:00:00:00:02:02 port b
"""

BAD_CONFS = [
    # (text, line, words the reason must contain)
    ("workers 1\nport a {\n    frobnicate 3\n}\n", 3, ["frobnicate"]),
    ("port a {\n    interface x0\n    address 198.18.1.1\n}\n", 3,
     ["198.18.1.1"]),
    # reported at the last line of the file, naming where the block opened
    ("port a {\n    interface x0\n    address 198.18.1.1/24\n", 3,
     ["closing", "line 1"]),
    ("workers 0\n", 1, ["workers"]),
    ("port a {\n    interface x0\n    address 198.18.1.1/24\n}\n"
     "route 198.19.0.0/16 via 198.18.5.1\n", 5, ["gateway"]),
    ("port a {\n    interface x0\n    address 198.18.1.1/24\n}\n"
     "route 198.19.0.1/16 via 198.18.1.2\n", 5, ["host bits"]),
    ("port a {\n    interface x0\n    address 198.18.1.1/24\n    mtu 20\n}\n",
     4, ["mtu"]),
    ("port a {\n    interface x0\n    address 198.18.1.1/24\n}\n"
     "neighbour 198.18.1.9 01:00:00:00:00:01 port a\n", 5, ["unicast"]),
]


def test_check_config(topo):
    good = write_conf(topo, "good", GOOD_CONF)
    try:
        for args in (["--check-config", good], ["-t", "-c", good]):
            r = run_hafwd(topo, *args)
            assert r.returncode == 0, r.stderr
            assert "valid" in r.stdout and "2 ports" in r.stdout, r.stdout
        for i, (text, line, words) in enumerate(BAD_CONFS):
            path = write_conf(topo, f"bad{i}", text)
            try:
                r = run_hafwd(topo, "--check-config", path)
            finally:
                os.unlink(path)
            out = (r.stderr + r.stdout).strip()
            assert r.returncode != 0, f"bad config {i} accepted: {text!r}"
            assert out.startswith(f"{path}:{line}: "), \
                f"bad config {i}: want '{path}:{line}: reason', got {out!r}"
            for w in words:
                assert w in out, f"bad config {i}: {out!r}"
        r = run_hafwd(topo, "--check-config", f"/tmp/{topo.prefix}-none.conf")
        assert r.returncode != 0 and "cannot open" in r.stderr
    finally:
        os.unlink(good)
    # checking touched no interface
    for p in PORT_NAMES:
        assert xdp_prog(topo, p) is None


def test_self_check_refuses_more_workers_than_queues(topo):
    conf = write_conf(topo, "w2", f"workers 2\ncontrol-socket "
                      f"/tmp/{topo.prefix}-w2.sock\n{PORTS}")
    try:
        r = run_hafwd(topo, "-c", conf)
    finally:
        os.unlink(conf)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "1 rx queues" in out and "2 workers" in out, out
    for p in PORT_NAMES:
        assert xdp_prog(topo, p) is None, f"XDP program left on {p}"
    assert not os.path.exists(f"/tmp/{topo.prefix}-w2.sock")


def test_restart_after_sigkill_replaces_stale_program(make_hafwd, topo):
    crashed = Hafwd(topo, PORTS)
    try:
        assert forwards(crashed, topo, 5200)
        old = xdp_prog(topo, "h1")
        crashed.proc.send_signal(signal.SIGKILL)   # by pid: hafwd itself
        assert crashed.proc.wait(timeout=10) == -signal.SIGKILL
        # the program outlives the process, its socket does not
        assert xdp_prog(topo, "h1")["id"] == old["id"]
        r = subprocess.run([HAFWCTL, "-s", crashed.sock, "show", "counters"],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0 and "cannot connect" in r.stderr
        d = make_hafwd()
        assert "stale" in d.read_log()
        for p in PORT_NAMES:
            prog = xdp_prog(topo, p)
            assert prog is not None and prog["name"] == "hafwd_xsk"
        assert xdp_prog(topo, "h1")["id"] != old["id"]
        assert forwards(d, topo, 5201), "no forwarding after the restart"
    finally:
        crashed.stop(check=False)


def test_hafwctl_without_daemon(topo):
    path = f"/tmp/{topo.prefix}-missing.sock"
    r = subprocess.run([HAFWCTL, "-s", path, "show", "interfaces"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode != 0
    assert r.stdout == ""
    assert path in r.stderr and "cannot connect" in r.stderr
    assert "No such file" in r.stderr and "is hafwd running" in r.stderr


def test_show_threads(hafwd, topo):
    threads = hafwd.json("show", "threads")["threads"]
    by_name = {t["name"]: t for t in threads}
    assert set(by_name) == {"main", "mprelay", "pan_task/0"}, threads
    tids = [t["tid"] for t in threads]
    assert all(t > 0 for t in tids) and len(set(tids)) == 3
    # they are threads of the hafwd process
    for t in tids:
        assert os.path.exists(f"/proc/{hafwd.proc.pid}/task/{t}"), t
    assert by_name["main"]["tid"] == hafwd.proc.pid
    w = by_name["pan_task/0"]
    assert w["loops"] >= 0 and 0 <= w["busy_pct"] <= 100
    # the worker is looping
    def loops():
        ts = hafwd.json("show", "threads")["threads"]
        return {t["name"]: t["loops"] for t in ts if "loops" in t}[
            "pan_task/0"]
    wait_for(lambda: loops() > w["loops"], what="worker loops advancing")


def test_show_interfaces(hafwd, topo):
    ifs = hafwd.json("show", "interfaces")["interfaces"]
    assert [i["name"] for i in ifs] == list(PORT_NAMES)
    for n, i in enumerate(ifs, start=1):
        link = json.loads(sh("ip", "-n", topo.dut, "-j", "link", "show",
                             i["interface"]).stdout)[0]
        assert i["interface"] == i["name"]
        assert i["ifindex"] == link["ifindex"]
        assert i["mac"] == link["address"]
        assert (i["driver"], i["xdp_mode"], i["bind_mode"]) == \
            ("veth", "native", "copy")
        assert (i["rx_queues"], i["tx_queues"], i["sockets"]) == (1, 1, 1)
        assert i["mtu"] == 1500 and i["interface_mtu"] == 1500
        assert i["addresses"] == [f"198.18.{n}.1/24"]
    # the port traffic counters follow the traffic
    assert forwards(hafwd, topo, 5300)
    ifs = {i["name"]: i for i in
           hafwd.json("show", "interfaces")["interfaces"]}
    assert ifs["h1"]["rx_packets"] >= 1 and ifs["h2"]["tx_packets"] >= 1
    assert ifs["h1"]["xdp_redirected"] >= ifs["h1"]["rx_packets"]


def arp_for(port, topo, hafwd, target):
    """Ask for target from h2 with a raw ARP request; the reply or None
    (earlier frames, e.g. replies to h2's kernel, are discarded)."""
    mac = topo.host_mac("h2")
    port.drain()
    port.send(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
              ARP(op=1, hwsrc=mac, psrc="198.18.20.2", pdst=target))
    return port.recv(lambda p: ARP in p and p[ARP].op == 2 and
                     p[ARP].psrc == target, timeout=1)


def test_address_add_and_del_live(hafwd, topo):
    topo.run("h2", "ip", "addr", "add", "198.18.20.2/24", "dev", "eth0")
    h2 = topo.port("h2")
    assert arp_for(h2, topo, hafwd, "198.18.20.1") is None
    hafwd.ctl("address", "add", "h2", "198.18.20.1/24")
    ifs = {i["name"]: i for i in
           hafwd.json("show", "interfaces")["interfaces"]}
    assert ifs["h2"]["addresses"] == ["198.18.2.1/24", "198.18.20.1/24"]
    routes = {r["prefix"]: r for r in hafwd.json("show", "routes")["routes"]}
    assert routes["198.18.20.0/24"]["origin"] == "connected"
    assert routes["198.18.20.0/24"]["port"] == "h2"
    assert routes["198.18.20.1/32"]["type"] == "local"
    rep = arp_for(h2, topo, hafwd, "198.18.20.1")
    assert rep is not None, "no ARP reply for the new address"
    assert rep[ARP].hwsrc == hafwd.port_mac("h2")
    r = topo.run("h2", "ping", "-c", "2", "-i", "0.2", "-W", "2", "-I",
                 "198.18.20.2", "198.18.20.1", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    # the new connected subnet is routed to: h1 reaches 198.18.20.2
    r = topo.run("h1", "ping", "-c", "1", "-W", "2", "198.18.20.2",
                 check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    # errors: overlap, duplicate, unknown port, not an address
    for words, msg in ((("h3", "198.18.20.9/24"), "overlaps"),
                       (("h2", "198.18.20.1/24"), "overlaps"),
                       (("nope", "198.18.30.1/24"), "no port named"),
                       (("h2", "198.18.30.1"), "usage")):
        r = hafwd.ctl("address", "add", *words, check=False)
        assert r.returncode != 0 and msg in r.stderr, (words, r.stderr)
    r = hafwd.ctl("address", "del", "h2", "198.18.21.1/24", check=False)
    assert r.returncode != 0 and "no address" in r.stderr

    hafwd.ctl("address", "del", "h2", "198.18.20.1/24")
    ifs = {i["name"]: i for i in
           hafwd.json("show", "interfaces")["interfaces"]}
    assert ifs["h2"]["addresses"] == ["198.18.2.1/24"]
    routes = {r["prefix"] for r in hafwd.json("show", "routes")["routes"]}
    assert not {"198.18.20.0/24", "198.18.20.1/32",
                "198.18.20.255/32"} & routes
    before = hafwd.counters()
    assert arp_for(h2, topo, hafwd, "198.18.20.1") is None
    assert counter_delta(before, hafwd.counters()).get("arp_not_for_us") == 1
    # an echo request to the old address (h2 still has its MAC cached)
    # is not answered
    h2.send(Ether(src=topo.host_mac("h2"), dst=hafwd.port_mac("h2")) /
            IP(src="198.18.20.2", dst="198.18.20.1") /
            ICMP(type=8, id=9, seq=1))
    assert h2.recv(lambda p: ICMP in p and p[ICMP].type == 0,
                   timeout=0.5) is None
    # the original address still works
    r = topo.run("h2", "ping", "-c", "1", "-W", "2", "198.18.2.1",
                 check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mtu_set_limits(hafwd, topo):
    for bad in ("67", "1501", "0", "9000", "-1", "abc", "1280x"):
        r = hafwd.ctl("mtu", "set", "h2", bad, check=False)
        assert r.returncode != 0, f"mtu set h2 {bad} accepted"
        assert "68..1500" in r.stderr, r.stderr
    r = hafwd.ctl("mtu", "set", "nope", "1000", check=False)
    assert r.returncode != 0 and "no port named" in r.stderr
    r = hafwd.ctl("mtu", "set", "h2", check=False)
    assert r.returncode != 0 and "usage" in r.stderr

    def mtu():
        return {i["name"]: i["mtu"] for i in
                hafwd.json("show", "interfaces")["interfaces"]}["h2"]
    assert mtu() == 1500
    for good in ("68", "1500", "1280"):
        hafwd.ctl("mtu", "set", "h2", good)
        assert mtu() == int(good)


def test_address_add_does_not_silently_eat_a_static_route(hafwd, topo):
    """A static route whose prefix a new port address would take over
    must not vanish without a word: either 'address add' refuses, or
    the static route is back once the address is deleted."""
    hafwd.ctl("route", "add", "198.18.20.0/24", "via", "198.18.3.2")

    def route():
        return {r["prefix"]: r for r in
                hafwd.json("show", "routes")["routes"]}.get("198.18.20.0/24")
    r = hafwd.ctl("address", "add", "h2", "198.18.20.1/24", check=False)
    if r.returncode != 0:
        assert r.stderr, "refused without a message"
        assert route()["origin"] == "static"
        return
    hafwd.ctl("address", "del", "h2", "198.18.20.1/24")
    after = route()
    assert after is not None and after["origin"] == "static" and \
        after["gateway"] == "198.18.3.2", \
        f"static route 198.18.20.0/24 via 198.18.3.2 lost: now {after}"


def link_flags(topo, ifname):
    return json.loads(sh("ip", "-n", topo.dut, "-j", "link", "show",
                         ifname).stdout)[0]["flags"]


def test_configured_mac_sets_promisc_until_exit(make_hafwd, topo):
    """A port MAC that is not the NIC's own would be filtered by a real
    NIC: hafwd keeps such a port promiscuous while it runs, answers ARP
    with that MAC, forwards frames sent to it, and restores the flag."""
    vmac = "02:00:5e:00:01:01"
    ports = PORTS.replace("    interface h1\n",
                          f"    interface h1\n    mac {vmac}\n", 1)
    assert "PROMISC" not in link_flags(topo, "h1")
    d = make_hafwd(ports=ports)
    assert d.port_mac("h1") == vmac
    assert "PROMISC" in link_flags(topo, "h1")
    assert "PROMISC" not in link_flags(topo, "h2")  # own MAC: untouched
    # the host resolves the gateway to the configured MAC
    r = topo.run("h1", "ping", "-c", "2", "-i", "0.2", "-W", "2",
                 "198.18.2.2", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    neigh = topo.run("h1", "ip", "-j", "neigh", "show", "198.18.1.1").stdout
    assert json.loads(neigh)[0]["lladdr"] == vmac
    assert forwards(d, topo, 7101)
    d.stop()
    assert "PROMISC" not in link_flags(topo, "h1")

# SPDX-License-Identifier: GPL-2.0-or-later
"""The failover drill: two hafwd nodes (A preferred, B standby) between a
client and a server on Linux bridges (topo.py), a 1,000 pps sequenced
probe stream and 50 long-lived TCP connections (drill_traffic.py), and
one failure per scenario:

    kill      kill -9 of the active hafwd (A)
    linkdown  A's inside data port goes down (its link monitor reacts)
    admin     `hafwctl ha failover` on A
    failback  A, preferred and with preemption on, is killed, comes back,
              re-syncs from B and takes the active role back

For each run it reports: detection (failure to the survivor's, or for a
link, the failing node's own transition; kernel_ms: how long the kernel
took to carry out the link-down request, included in detection), outage
(the longest gap in the
probes the client got back), probes lost, TCP connections that survived,
the node active at the end, and the session-sync lag the active reported.

    python3 tests/ha/drill.py [--runs 5] [--scenarios kill,admin,...]
                              [--synclag-rate 10000] [--build DIR]
                              [--json FILE]

and then, RUNS times, the session-sync lag with 10,000 new sessions/s
through the active node (needs hf-gen: make perf-tools).

Timing uses CLOCK_MONOTONIC on both sides (time.monotonic_ns() here,
hafwd's transition times in `show ha --json`): one clock for all
namespaces.
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import topo as topolib          # noqa: E402
import traffic as trafficlib    # noqa: E402

SCENARIOS = ("kill", "linkdown", "admin", "failback")

CONF = """\
workers 1
poll-mode adaptive
control-socket {ctl}
port inside {{
    interface {pin}
    address {ain}/24
    virtual-address {vin}/24
    virtual-mac 02:00:5e:00:01:01
}}
port outside {{
    interface {pout}
    address {aout}/24
    virtual-address {vout}/24
    virtual-mac 02:00:5e:00:01:02
}}
zone in inside
zone out outside
policy-default deny
rule fwd from in to out action allow
ha {{
    node-id {node_id}
    priority {prio}
    preempt {preempt}
    preempt-hold {hold}
    interface {ha}
    local-address {lha}
    peer-address {pha}
    link-group data any inside outside
{extra_ha}}}
"""


def default_build():
    return os.environ.get("HAFWD_BUILD",
                          os.path.join(HERE, "..", "..", "build"))


class Node:
    """One hafwd of the pair, run in its namespace."""

    def __init__(self, pair, name, node_id, prio):
        self.pair, self.name = pair, name
        t = pair.topo
        nd, other = t.nodes[name], t.nodes["b" if name == "a" else "a"]
        self.ctl_path = os.path.join(pair.dir, f"{name}.sock")
        self.conf = os.path.join(pair.dir, f"{name}.conf")
        self.log = os.path.join(pair.dir, f"{name}.log")
        with open(self.conf, "w") as f:
            f.write(CONF.format(
                ctl=self.ctl_path, pin=nd["inside"], pout=nd["outside"],
                ain=nd["inside_addr"], aout=nd["outside_addr"],
                vin=topolib.VIP_INSIDE, vout=topolib.VIP_OUTSIDE,
                node_id=node_id, prio=prio,
                preempt="yes" if pair.preempt else "no",
                hold=pair.preempt_hold_ms, ha=nd["ha"], lha=nd["ha_addr"],
                pha=other["ha_addr"], extra_ha=pair.extra_ha))
        self.proc = None

    def start(self):
        if os.path.exists(self.ctl_path):
            os.unlink(self.ctl_path)
        logf = open(self.log, "a")
        self.proc = self.pair.topo.popen(
            self.name, [os.path.join(self.pair.build, "hafwd"), "-c",
                        self.conf], stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        deadline = time.monotonic() + 10
        while not os.path.exists(self.ctl_path):
            if self.proc.poll() is not None:
                raise RuntimeError(f"hafwd {self.name} exited "
                                   f"{self.proc.returncode}: {self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"hafwd {self.name}: no control socket")
            time.sleep(0.01)
        return self

    def kill(self):
        """kill -9: no goodbye, no clean-up; returns the time it was sent."""
        t = time.monotonic_ns()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        return t

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ctl(self, *args, check=True):
        r = subprocess.run([os.path.join(self.pair.build, "hafwctl"), "-s",
                            self.ctl_path, *args], capture_output=True,
                           text=True, timeout=10)
        if check and r.returncode != 0:
            raise RuntimeError(f"hafwctl {' '.join(args)} on {self.name}: "
                               f"{r.stderr.strip()}")
        return r.stdout

    def ha(self):
        return json.loads(self.ctl("show", "ha", "--json"))

    def ctl_timed(self, line):
        """Send one control command over a connection made beforehand, so
        that the time taken is that of the request itself, not of
        starting hafwctl. Returns (ns when sent, reply)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.ctl_path)
        t = time.monotonic_ns()
        s.sendall(line.encode() + b"\n")
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        reply = reply.decode()
        if not reply.startswith("ok"):
            raise RuntimeError(f"{line!r} on {self.name}: {reply.strip()}")
        return t, reply

    def tail(self, n=30):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Pair:
    """The topology, both nodes, and the traffic server."""

    def __init__(self, build=None, preempt=False, preempt_hold_ms=1000,
                 extra_ha=""):
        self.build = os.path.abspath(build or default_build())
        self.preempt, self.preempt_hold_ms = preempt, preempt_hold_ms
        self.extra_ha = extra_ha    # more lines for the ha block
        self.dir = tempfile.mkdtemp(prefix="hafwd-drill-")
        self.topo = topolib.create()
        try:
            self.a = Node(self, "a", 1, 10)
            self.b = Node(self, "b", 2, 20)
            self.a.start()
            self.b.start()
            self.server = trafficlib.TrafficServer(self.topo)
        except Exception:
            self.destroy()
            raise

    def node(self, name):
        return self.a if name == "a" else self.b

    def wait(self, what, cond, timeout=10.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                if cond():
                    return
            except (RuntimeError, ValueError) as e:
                last = e
            time.sleep(0.02)
        raise TimeoutError(f"{what} not reached in {timeout}s ({last}); "
                           f"A: {self.a.tail(8)} B: {self.b.tail(8)}")

    def wait_roles(self, active, timeout=10.0):
        """@active is active and forwarding, the other passive and synced
        (its sessions are hot: a failover may happen)."""
        act = self.node(active)
        pas = self.node("b" if active == "a" else "a")

        def ok():
            ja, jp = act.ha(), pas.ha()
            return (ja["state"] == "active" and ja["forwarding"] and
                    jp["state"] == "passive" and jp["synced"] and
                    ja["peer"]["alive"] and jp["peer"]["alive"])
        self.wait(f"{active} active, peer passive and synced", ok, timeout)

    def wait_active(self, name, timeout=10.0):
        n = self.node(name)
        self.wait(f"{name} active", lambda: n.ha()["state"] == "active",
                  timeout)

    def destroy(self):
        for n in ("a", "b"):
            nd = getattr(self, n, None)
            if nd:
                try:
                    nd.stop()
                except Exception:
                    pass
        self.topo.destroy()


def link_down(topo, node, port):
    """Set a node's data port down with one rtnetlink request from here
    (pyroute2, namespace opened beforehand); returns the ns just before
    the request and when the kernel acknowledged it (the link is down by
    then; with an AF_XDP socket bound, taking a veth down takes the
    kernel itself a few to tens of ms)."""
    from pyroute2 import NetNS
    ns = NetNS(topo.nodes[node]["ns"])
    try:
        idx = ns.link_lookup(ifname=topo.port_ifname(node, port))[0]
        t = time.monotonic_ns()
        ns.link("set", index=idx, state="down")
        return t, time.monotonic_ns()
    finally:
        ns.close()


def transition_ns(node):
    j = node.ha()
    lt = j.get("last_transition") or {}
    return lt.get("at_ns", 0), j


def sync_lag_ms(j):
    """The active's sync lag p99 from show ha --json, when dssd reports."""
    s = j.get("sync") or {}
    return s.get("lag_p99_ms")


def run_scenario(name, build=None, warmup=2.0, settle=2.0, conns=50):
    """One drill run; returns its row (a dict)."""
    pair = Pair(build, preempt=(name == "failback"),
                preempt_hold_ms=1000)
    row = {"scenario": name}
    try:
        pair.wait_roles("a")
        cli = trafficlib.TrafficClient(pair.topo, duration=0,
                                       conns=conns).wait_ready()
        time.sleep(warmup)
        row["sync_lag_p99_ms"] = sync_lag_ms(pair.a.ha())
        if name == "kill":
            t0 = pair.a.kill()
            pair.wait_active("b")
            at, _ = transition_ns(pair.b)
            expect = "b"
        elif name == "linkdown":
            t0, t_ack = link_down(pair.topo, "a", "inside")
            pair.wait_active("b")
            # the failing node's own detection: to non-functional
            at, _ = transition_ns(pair.a)
            row["kernel_ms"] = round((t_ack - t0) / 1e6, 2)
            expect = "b"
        elif name == "admin":
            t0, _ = pair.a.ctl_timed("ha failover")
            pair.wait_active("b")
            at, _ = transition_ns(pair.b)
            expect = "b"
        else:   # failback: lose A, bring it back, let it preempt
            pair.a.kill()
            pair.wait_active("b")
            time.sleep(1.0)
            pair.a.start()
            pair.wait_roles("b", timeout=15)
            pair.wait_active("a", timeout=pair.preempt_hold_ms / 1000 + 10)
            at = t0 = None     # a planned hand-over: nothing to detect
            expect = "a"
        row["detection_ms"] = None if at is None else \
            round(max(at - t0, 0) / 1e6, 2)
        time.sleep(settle)
        cli.stop()
        res = cli.wait()
        act = pair.node(expect)
        other = pair.node("b" if expect == "a" else "a")
        row["active_end"] = expect if act.ha()["state"] == "active" else "?"
        if other.alive():
            if other.ha()["state"] == "active":
                row["active_end"] = "both"
        row.update(summarise(res))
    finally:
        pair.destroy()
    return row


def run_synclag(build=None, rate=10000, seconds=5.0):
    """Session-sync lag under load: hf-gen (perf tools) sends UDP from the
    client, every frame a new flow, at @rate frames/s for @seconds, through
    the active node; returns its sync figures (show ha --json) after."""
    build = os.path.abspath(build or default_build())
    gen = os.path.join(build, "perf", "hf-gen")
    if not os.access(gen, os.X_OK):
        return {"scenario": "synclag", "skipped": f"{gen} not built "
                "(make perf-tools)"}
    pair = Pair(build)
    try:
        pair.wait_roles("a")
        t = pair.topo
        # XDP frames sent into a veth vanish unless its peer (the bridge
        # port) has an XDP program or GRO on
        t.run("br1", "ethtool", "-K", "p-client", "gro", "on")
        before = pair.a.ha().get("sync", {})
        r = t.run("client", gen, "--dev", t.client["ifname"], "--dst-mac",
                  "02:00:5e:00:01:01", "--src-ip", topolib.CLIENT_ADDR,
                  "--dst-ip", topolib.SERVER_ADDR, "--sport", "1024",
                  "--flows", str(int(rate * seconds)), "--rate", str(rate),
                  "--duration", str(seconds), timeout=seconds + 30)
        time.sleep(1.0)
        ja, jb = pair.a.ha(), pair.b.ha()
        sa, sb = ja.get("sync", {}), jb.get("sync", {})
        return {
            "scenario": "synclag", "rate": rate, "seconds": seconds,
            "gen": r.stdout.strip().splitlines()[-1] if r.stdout else "",
            "sessions_active": sa.get("local_sessions"),
            "sessions_passive": sb.get("local_sessions"),
            "sync_lag_p50_ms": sa.get("lag_p50_ms"),
            "sync_lag_p99_ms": sa.get("lag_p99_ms"),
            "lag_samples": (sa.get("lag_samples", 0) -
                            before.get("lag_samples", 0)),
            "retransmitted": sa.get("retransmitted"),
            "notes_lost": sa.get("notes_lost"),
        }
    finally:
        pair.destroy()


def summarise(res):
    """The drill figures from drill_traffic's client result."""
    probes = res.get("probes", {})
    tcp = res.get("tcp", {})
    return {
        "outage_ms": res.get("outage_ms"),
        "probes_sent": probes.get("sent"),
        "probes_lost": probes.get("lost"),
        "tcp_survived": tcp.get("survived"),
        "tcp_total": tcp.get("connections"),
    }


def fmt(v):
    return "-" if v is None else (f"{v:.1f}" if isinstance(v, float)
                                  else str(v))


def print_table(rows, runs):
    cols = ("scenario", "runs", "detection_ms", "kernel_ms", "outage_ms",
            "probes_lost", "tcp_survived", "active_end", "sync_lag_p99_ms")
    print("  ".join(f"{c:>15}" for c in cols))
    for sc in SCENARIOS:
        rs = [r for r in rows if r["scenario"] == sc]
        if not rs:
            continue
        out = {"scenario": sc, "runs": f"{len(rs)}/{runs}"}
        for c in ("detection_ms", "kernel_ms", "outage_ms", "probes_lost",
                  "sync_lag_p99_ms"):
            vals = [r[c] for r in rs if r.get(c) is not None]
            out[c] = statistics.median(vals) if vals else None
        out["tcp_survived"] = "/".join(
            f"{r.get('tcp_survived')}" for r in rs) + \
            f" of {rs[0].get('tcp_total')}"
        out["active_end"] = ",".join(r.get("active_end", "?") for r in rs)
        print("  ".join(f"{fmt(out[c]):>15}" for c in cols))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--build", default=None)
    ap.add_argument("--json", default=None, help="write every row here")
    ap.add_argument("--synclag-rate", type=int, default=10000,
                    help="new sessions/s of the sync-lag run (0: none)")
    args = ap.parse_args(argv)
    scen = [s for s in args.scenarios.split(",") if s]
    for s in scen:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s!r} (one of {', '.join(SCENARIOS)})")
    rows = []
    for r in range(args.runs):
        for s in scen:
            row = run_scenario(s, args.build)
            row["run"] = r + 1
            rows.append(row)
            print(json.dumps(row), flush=True)
    lag = []
    for r in range(args.runs if args.synclag_rate else 0):
        row = run_synclag(args.build, rate=args.synclag_rate)
        row["run"] = r + 1
        lag.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n== failover drill: median of {args.runs} run(s) per scenario "
          f"(default timers: hello 100 ms x 3, 1,000 pps probes, "
          f"50 TCP connections every 20 ms)")
    print_table(rows, args.runs)
    ok = [r for r in lag if "skipped" not in r]
    if ok:
        p99 = statistics.median(r["sync_lag_p99_ms"] for r in ok)
        p50 = statistics.median(r["sync_lag_p50_ms"] for r in ok)
        print(f"\nsession sync at {args.synclag_rate} new sessions/s "
              f"(hf-gen, 5 s, every frame a new flow), median of {len(ok)}:"
              f" lag p50 {p50:.2f} ms, p99 {p99:.2f} ms; sessions active/"
              f"passive " + ", ".join(f"{r['sessions_active']}/"
                                      f"{r['sessions_passive']}"
                                      for r in ok))
    elif lag:
        print(f"\nsession sync lag: {lag[0]['skipped']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows + lag, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-2.0-or-later
"""Test harness for hafwd: network namespaces, veth links, the daemon,
and raw packet ports for scapy.

Every topology gets a unique name prefix and is torn down by its fixture
even when a test fails. Only 198.18.0.0/15 is used between namespaces;
nothing in the root namespace is touched; only processes started here
are signalled, by pid.
"""
import contextlib
import ctypes
import itertools
import json
import os
import select
import signal
import socket
import subprocess
import time

from pyroute2.netns import popns, pushns

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("HAFWD_BUILD", os.path.join(ROOT, "build"))
HAFWD = os.path.join(BUILD, "hafwd")
HAFWCTL = os.path.join(BUILD, "hafwctl")

ETH_P_ALL = 0x0003
PR_SET_PDEATHSIG = 1
PACKET_OUTGOING = 4

_counter = itertools.count()


def _die_with_parent():
    """Child side of Popen: SIGTERM us if the test process dies, so an
    interrupted run never leaves a hafwd behind. Survives the exec of
    `ip netns exec` into hafwd (same pid)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                            signal.SIGTERM, 0, 0, 0)


def sh(*args, check=True, timeout=10):
    """Run a command; raise with its output if it fails."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}): "
                           f"{r.stderr.strip()}")
    return r


def wait_for(cond, timeout=5.0, interval=0.02, what="condition"):
    """Poll cond() until it returns a truthy value; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class PacketPort:
    """A raw AF_PACKET socket on an interface inside a namespace."""

    def __init__(self, ns, ifname):
        self.ns, self.ifname = ns, ifname
        pushns(ns)
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                              socket.htons(ETH_P_ALL))
            s.bind((ifname, 0))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.setblocking(False)
        finally:
            popns()
        self.sock = s

    def close(self):
        self.sock.close()

    def send(self, pkt):
        self.sock.send(bytes(pkt))

    def drain(self):
        """Discard everything received so far."""
        while True:
            try:
                self.sock.recv(65535)
            except BlockingIOError:
                return

    def recv_raw(self, timeout):
        """One incoming frame as bytes, or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            try:
                data, addr = self.sock.recvfrom(65535)
            except BlockingIOError:
                continue
            if addr[2] == PACKET_OUTGOING:
                continue
            return data

    def recv(self, match=None, timeout=2.0):
        """First incoming frame (as scapy Ether) for which match(pkt) is
        true, or None."""
        from scapy.layers.l2 import Ether
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            data = self.recv_raw(max(left, 0))
            if data is None:
                return None
            pkt = Ether(data)
            if match is None or match(pkt):
                return pkt

    def recv_all(self, match=None, timeout=1.0, count=None):
        """Every matching frame until timeout (or count frames)."""
        out = []
        deadline = time.monotonic() + timeout
        while count is None or len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            p = self.recv(match, left)
            if p is None:
                break
            out.append(p)
        return out


class Topology:
    """Namespaces joined by veth pairs.

    hosts: {name: (address/len, gateway)} each gets a namespace with one
    veth "eth0" whose peer "<name>" sits in the dut namespace.
    """

    def __init__(self, hosts, queues=1):
        self.prefix = f"hf{os.getpid()}x{next(_counter)}"
        self.dut = f"{self.prefix}-dut"
        self.hosts = {}
        self.namespaces = []
        try:
            self._add_ns(self.dut)
            for name, (addr, gw) in hosts.items():
                self._add_host(name, addr, gw, queues)
        except Exception:
            self.destroy()
            raise

    def _add_ns(self, ns):
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")

    def _add_host(self, name, addr, gw, queues):
        ns = f"{self.prefix}-{name}"
        self._add_ns(ns)
        q = ["numrxqueues", str(queues), "numtxqueues", str(queues)]
        sh("ip", "link", "add", "eth0", "netns", ns, *q, "type", "veth",
           "peer", "name", name, "netns", self.dut, *q)
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", self.dut, "link", "set", name, "up")
        # veth hands TCP/UDP on with the checksum left to "hardware";
        # through AF_XDP it would arrive unfinished: send it complete
        sh("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off")
        # the hosts do not need IPv6 chatter in our captures
        sh("ip", "netns", "exec", ns, "sysctl", "-qw",
           "net.ipv6.conf.all.disable_ipv6=1")
        sh("ip", "netns", "exec", self.dut, "sysctl", "-qw",
           "net.ipv6.conf.all.disable_ipv6=1")
        if addr:
            sh("ip", "-n", ns, "addr", "add", addr, "dev", "eth0")
        if gw:
            sh("ip", "-n", ns, "route", "add", "default", "via", gw)
        self.hosts[name] = ns

    def host_mac(self, name):
        out = sh("ip", "-n", self.hosts[name], "-j", "link", "show",
                 "eth0").stdout
        return json.loads(out)[0]["address"]

    def port(self, name):
        """A raw packet port on host <name>'s eth0."""
        return PacketPort(self.hosts[name], "eth0")

    def run(self, name, *args, check=True, timeout=10):
        return sh("ip", "netns", "exec", self.hosts[name], *args,
                  check=check, timeout=timeout)

    def destroy(self):
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []


class Hafwd:
    """hafwd running in the dut namespace of a Topology."""

    def __init__(self, topo, config_body, workers=1, extra_globals=""):
        self.topo = topo
        self.sock = f"/tmp/{topo.prefix}.sock"
        self.conf = f"/tmp/{topo.prefix}.conf"
        self.log = f"/tmp/{topo.prefix}.log"
        with open(self.conf, "w") as f:
            f.write(f"workers {workers}\ncontrol-socket {self.sock}\n"
                    f"poll-mode adaptive\n{extra_globals}\n{config_body}\n")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", topo.dut, HAFWD, "-c", self.conf],
            stdout=self.logf, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent)
        try:
            wait_for(self._ready, timeout=10, what="hafwd control socket")
        except Exception:
            self.stop(check=False)
            raise

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"hafwd exited with {self.proc.returncode}: "
                               f"{self.read_log()}")
        r = subprocess.run([HAFWCTL, "-s", self.sock, "show", "interfaces"],
                           capture_output=True)
        return r.returncode == 0

    def read_log(self):
        with open(self.log) as f:
            return f.read()

    def ctl(self, *args, check=True):
        r = subprocess.run([HAFWCTL, "-s", self.sock, *args],
                           capture_output=True, text=True, timeout=10)
        if check and r.returncode != 0:
            raise RuntimeError(f"hafwctl {' '.join(args)}: {r.stderr.strip()}")
        return r

    def json(self, *args):
        return json.loads(self.ctl(*args, "--json").stdout)

    def counters(self):
        return self.json("show", "counters")["counters"]

    def port_mac(self, port):
        for i in self.json("show", "interfaces")["interfaces"]:
            if i["name"] == port:
                return i["mac"]
        raise KeyError(port)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, check=True):
        """SIGTERM, wait, return the exit code (assert 0 when check)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        rc = self.proc.returncode
        for p in (self.conf,):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p)
        if check:
            assert rc == 0, f"hafwd exited with {rc}: {self.read_log()}"
        return rc


def counter_delta(before, after):
    """Counters that changed, as {name: increase}."""
    return {k: after[k] - before.get(k, 0) for k in after
            if after[k] != before.get(k, 0)}

# SPDX-License-Identifier: GPL-2.0-or-later
"""The failover-drill topology, built from network namespaces, veth pairs
and Linux bridges:

    client -- [br1: br0] --+-- a0 (node A) a1 --+-- [br2: br0] -- server
                           +-- b0 (node B) b1 --+
                            node A ha0 <---> node B ha0  (HA link)

Namespaces: <prefix>-client, -server, -a, -b, -br1, -br2.

    client  eth0 198.18.1.10/24, default via 198.18.1.1 (virtual IP)
    server  eth0 198.19.1.10/24, default via 198.19.1.1 (virtual IP)
    node A  a0 198.18.1.2/24, a1 198.19.1.2/24, ha0 198.18.255.1/30
    node B  b0 198.18.1.3/24, b1 198.19.1.3/24, ha0 198.18.255.2/30
    br1     bridge br0 with ports p-client, p-a0, p-b0
    br2     bridge br0 with ports p-server, p-a1, p-b1

The node data-port addresses are put on the kernel interfaces only with
node_kernel_addrs=True (kernel routers); when hafwd drives the ports it
owns them. The HA link is an ordinary kernel interface and always gets its
address. Only 198.18.0.0/15 is used; nothing in the root namespace is
touched; only processes started through Topology.popen are signalled, by
pid, at destroy().
"""
import ctypes
import itertools
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

PR_SET_PDEATHSIG = 1
_counter = itertools.count()

VIP_INSIDE = "198.18.1.1"       # client side virtual IP
VIP_OUTSIDE = "198.19.1.1"      # server side virtual IP
PLEN = 24

CLIENT_ADDR = "198.18.1.10"
SERVER_ADDR = "198.19.1.10"

NODES = {
    "a": {"inside": "a0", "outside": "a1", "ha": "ha0",
          "inside_addr": "198.18.1.2", "outside_addr": "198.19.1.2",
          "ha_addr": "198.18.255.1"},
    "b": {"inside": "b0", "outside": "b1", "ha": "ha0",
          "inside_addr": "198.18.1.3", "outside_addr": "198.19.1.3",
          "ha_addr": "198.18.255.2"},
}
HA_PLEN = 30


def sh(*args, check=True, timeout=10, input=None):
    """Run a command; raise with its output if it fails."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}): "
                           f"{r.stderr.strip()}")
    return r


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                            signal.SIGTERM, 0, 0, 0)


def garp_frame(mac, ip, reply=False):
    """A gratuitous ARP frame (broadcast; sender = target = ip): a request
    by default, as `arping -U` sends, or a reply with reply=True."""
    m = bytes.fromhex(mac.replace(":", ""))
    a = socket.inet_aton(ip)
    bcast = b"\xff" * 6
    op = 2 if reply else 1
    tha = bcast if reply else b"\x00" * 6
    return bcast + m + struct.pack("!H", 0x0806) + \
        struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + m + a + tha + a


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def packet_socket(ns, ifname):
    """A raw AF_PACKET socket bound to ifname in namespace ns (opened by
    entering ns from this thread for a moment: setns is per thread)."""
    self_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        ns_fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if _libc.setns(ns_fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, f"setns {ns}: {os.strerror(e)}")
            try:
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            finally:
                if _libc.setns(self_fd, CLONE_NEWNET) != 0:
                    e = ctypes.get_errno()
                    raise OSError(e, "setns back failed")
        finally:
            os.close(ns_fd)
    finally:
        os.close(self_fd)
    s.bind((ifname, 0))
    return s


class Topology:
    """The drill topology. Use create(); destroy() is idempotent."""

    ROLES = ("client", "server", "a", "b", "br1", "br2")

    def __init__(self, prefix=None, node_kernel_addrs=False):
        self.prefix = prefix or f"hd{os.getpid()}x{next(_counter)}"
        self.ns = {r: f"{self.prefix}-{r}" for r in self.ROLES}
        self.namespaces = []
        self.procs = []
        self.node_kernel_addrs = node_kernel_addrs
        self.client = {"ns": self.ns["client"], "ifname": "eth0",
                       "addr": CLIENT_ADDR, "plen": PLEN, "gw": VIP_INSIDE}
        self.server = {"ns": self.ns["server"], "ifname": "eth0",
                       "addr": SERVER_ADDR, "plen": PLEN, "gw": VIP_OUTSIDE}
        self.nodes = {n: dict(v, ns=self.ns[n]) for n, v in NODES.items()}
        self.vips = {"inside": VIP_INSIDE, "outside": VIP_OUTSIDE}
        self.bridge = "br0"

    # -- building ----------------------------------------------------------
    def build(self):
        try:
            for r in self.ROLES:
                self._add_ns(self.ns[r])
            for br in ("br1", "br2"):
                ns = self.ns[br]
                sh("ip", "-n", ns, "link", "add", self.bridge, "type",
                   "bridge", "stp_state", "0", "forward_delay", "0")
                sh("ip", "-n", ns, "link", "set", self.bridge, "up")
            self._host(self.client, "br1", "p-client")
            self._host(self.server, "br2", "p-server")
            for n, nd in self.nodes.items():
                self._node_port(nd, nd["inside"], "br1",
                                nd["inside_addr"])
                self._node_port(nd, nd["outside"], "br2",
                                nd["outside_addr"])
            a, b = self.nodes["a"], self.nodes["b"]
            sh("ip", "link", "add", a["ha"], "netns", a["ns"], "type",
               "veth", "peer", "name", b["ha"], "netns", b["ns"])
            for nd in (a, b):
                sh("ip", "-n", nd["ns"], "addr", "add",
                   f"{nd['ha_addr']}/{HA_PLEN}", "dev", nd["ha"])
                sh("ip", "-n", nd["ns"], "link", "set", nd["ha"], "up")
        except Exception:
            self.destroy()
            raise
        return self

    def _add_ns(self, ns):
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        # no IPv6 chatter (DAD, RS, MLD) on the drill links
        sh("ip", "netns", "exec", ns, "sysctl", "-qw",
           "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1")

    def _veth_to_bridge(self, ns, ifname, br, brport):
        brns = self.ns[br]
        sh("ip", "link", "add", ifname, "netns", ns, "type", "veth",
           "peer", "name", brport, "netns", brns)
        sh("ip", "-n", brns, "link", "set", brport, "master", self.bridge)
        sh("ip", "-n", brns, "link", "set", brport, "up")
        sh("ip", "-n", ns, "link", "set", ifname, "up")

    def _host(self, h, br, brport):
        ns, ifn = h["ns"], h["ifname"]
        self._veth_to_bridge(ns, ifn, br, brport)
        # veth leaves TCP/UDP checksums partial; through AF_XDP they would
        # arrive unfinished: send them complete
        sh("ip", "netns", "exec", ns, "ethtool", "-K", ifn, "tx", "off")
        sh("ip", "-n", ns, "addr", "add", f"{h['addr']}/{h['plen']}",
           "dev", ifn)
        sh("ip", "-n", ns, "route", "add", "default", "via", h["gw"])

    def _node_port(self, nd, ifname, br, addr):
        self._veth_to_bridge(nd["ns"], ifname, br, f"p-{ifname}")
        if self.node_kernel_addrs:
            sh("ip", "-n", nd["ns"], "addr", "add", f"{addr}/{PLEN}",
               "dev", ifname)

    # -- running things ----------------------------------------------------
    def nsname(self, where):
        """A role ("client", "a", ...) or a full namespace name."""
        return self.ns.get(where, where)

    def run(self, where, *args, check=True, timeout=10):
        return sh("ip", "netns", "exec", self.nsname(where), *args,
                  check=check, timeout=timeout)

    def popen(self, where, args, **kw):
        """Start a process in a namespace; it is SIGTERMed if we die, and
        ended by pid at destroy() if still running."""
        kw.setdefault("preexec_fn", _die_with_parent)
        p = subprocess.Popen(["ip", "netns", "exec", self.nsname(where),
                              *args], **kw)
        self.procs.append(p)
        return p

    # -- links, addresses, neighbours --------------------------------------
    def port_ifname(self, node, port):
        """port: "inside", "outside", "ha" or an interface name."""
        nd = self.nodes[node]
        return nd.get(port, port) if port in ("inside", "outside", "ha") \
            else port

    def set_port(self, node, port, up):
        """Take a node-side port down or up (its bridge-side peer then
        loses/regains carrier)."""
        sh("ip", "-n", self.nodes[node]["ns"], "link", "set",
           self.port_ifname(node, port), "up" if up else "down")

    def set_ports(self, node, up, ports=("inside", "outside")):
        """Several node-side ports down or up in one `ip -batch` (they
        change within a millisecond of each other)."""
        cmds = "".join(f"link set {self.port_ifname(node, p)} "
                       f"{'up' if up else 'down'}\n" for p in ports)
        sh("ip", "-n", self.nodes[node]["ns"], "-batch", "-", input=cmds)

    def port_down(self, node, port):
        self.set_port(node, port, False)

    def port_up(self, node, port):
        self.set_port(node, port, True)

    def mac(self, where, ifname):
        out = sh("ip", "-n", self.nsname(where), "-j", "link", "show",
                 ifname).stdout
        return json.loads(out)[0]["address"]

    def addr_add(self, where, ifname, cidr):
        sh("ip", "-n", self.nsname(where), "addr", "add", cidr, "dev",
           ifname)

    def addr_del(self, where, ifname, cidr, check=True):
        sh("ip", "-n", self.nsname(where), "addr", "del", cidr, "dev",
           ifname, check=check)

    def _vips(self, node, op, check=True):
        nd = self.nodes[node]
        cmds = "".join(
            f"addr {op} {vip}/{PLEN} dev {nd[side]}\n"
            for side, vip in (("inside", VIP_INSIDE),
                              ("outside", VIP_OUTSIDE)))
        sh("ip", "-n", self.nsname(node), "-force", "-batch", "-",
           input=cmds, check=check)

    def add_vips(self, node):
        """Configure both virtual IPs as kernel addresses on a node's ports
        (kernel-router drills only; one `ip -batch`, to be quick)."""
        self._vips(node, "add")

    def del_vips(self, node, check=True):
        self._vips(node, "del", check)

    def enable_forwarding(self, node, on=True):
        """ip_forward inside the node's namespace only."""
        self.run(node, "sysctl", "-qw",
                 f"net.ipv4.ip_forward={1 if on else 0}")

    def neigh(self, where, ip):
        """(lladdr, state) of a neighbour entry, or None."""
        out = sh("ip", "-n", self.nsname(where), "-j", "neigh", "show",
                 ip).stdout
        ents = json.loads(out or "[]")
        if not ents:
            return None
        e = ents[0]
        return e.get("lladdr"), e.get("state")

    def garp(self, where, ifname, ip, count=1, interval=0.0, reply=False):
        """Send gratuitous ARP for ip out of ifname in a namespace. Uses
        iputils `arping -U` when installed, else a raw AF_PACKET frame
        (same frame; no scapy import on the failover path)."""
        ns = self.nsname(where)
        arping = shutil.which("arping")
        if arping and not reply and _is_iputils(arping):
            args = ["ip", "netns", "exec", ns, arping, "-q", "-U", "-c",
                    str(count), "-I", ifname, ip]
            if interval:
                args[6:6] = ["-i", str(interval)]
            sh(*args, check=False)
            return
        s = packet_socket(ns, ifname)
        try:
            mac = s.getsockname()[4].hex(":")
            frame = garp_frame(mac, ip, reply)
            for i in range(count):
                if i and interval:
                    time.sleep(interval)
                s.send(frame)
        finally:
            s.close()

    # -- teardown ----------------------------------------------------------
    def stop_procs(self, timeout=5):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def destroy(self):
        self.stop_procs()
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []


_iputils_cache = {}


def _is_iputils(path):
    if path not in _iputils_cache:
        r = subprocess.run([path, "-V"], capture_output=True, text=True)
        _iputils_cache[path] = "iputils" in (r.stdout + r.stderr)
    return _iputils_cache[path]


def create(prefix=None, node_kernel_addrs=False):
    """Build the drill topology and return it (see Topology)."""
    return Topology(prefix, node_kernel_addrs).build()

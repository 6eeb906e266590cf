#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Traffic side of the HA failover drill.

    server mode: UDP probe reflector + TCP echo server + a small TCP
                 control service that hands the server's record of a probe
                 session back to the client.
    client mode: a sequenced, timestamped UDP probe stream at a fixed rate
                 (default 1000 pps) plus N long-lived TCP connections that
                 each send a sequenced message every 20 ms and verify the
                 echo; prints ONE JSON object with the results on stdout.

Run each side inside its namespace, e.g.

    ip netns exec P-server python3 drill_traffic.py server
    ip netns exec P-client python3 drill_traffic.py client \\
        --server 198.19.1.10 --duration 10

Standard library only. The outage of a failover is the longest gap
between consecutive received probes (issue 4, point 6). All times are
CLOCK_MONOTONIC (shared by every network namespace of one host, so the
figures of both sides and of the test driving the drill line up), with a
wall-clock rendering next to the important ones.
"""
import argparse
import array
import collections
import ctypes
import errno
import gc
import json
import multiprocessing
import os
import random
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time

VERSION = 1
DEFAULT_PORT = 7000          # UDP probes and TCP echo
# control service: DEFAULT_PORT + 1 unless --ctrl-port

# --- wire formats --------------------------------------------------------
# UDP probe (client -> server) and its echo (server -> client):
#   magic "HFDP", version u8, kind u8 (0 probe, 1 echo), reserved u16,
#   session u64, seq u64, client send time ns u64,
#   server receive time ns u64 (0 in a probe), then padding.
PROBE = struct.Struct("!4sBBHQQQQ")
PROBE_MAGIC = b"HFDP"
KIND_PROBE, KIND_ECHO = 0, 1
# TCP message (client -> server, echoed back byte for byte):
#   magic "HFDT", conn id u16, total length u16, seq u32, send time ns u64,
#   then a padding pattern that depends on (conn, seq).
TMSG = struct.Struct("!4sHHIQ")
TMSG_MAGIC = b"HFDT"
# control record: seq u64, server receive time ns u64
CREC = struct.Struct("!QQ")

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = getattr(socket, "SCM_TIMESTAMPNS", SO_TIMESTAMPNS)
TIMESPEC = struct.Struct("@ll")
PR_SET_PDEATHSIG = 1

MAX_GAPS_LISTED = 200


def log(msg):
    print(f"drill_traffic[{os.getpid()}]: {msg}", file=sys.stderr, flush=True)


def mono_ns():
    return time.monotonic_ns()


def wall_offset_ns():
    """CLOCK_REALTIME - CLOCK_MONOTONIC, sampled now."""
    a = time.monotonic_ns()
    w = time.time_ns()
    b = time.monotonic_ns()
    return w - (a + b) // 2


def iso_wall(wall_ns):
    s, ns = divmod(wall_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + \
        f".{ns // 1_000_000:03d}Z"


def die_with_parent(sig=signal.SIGTERM):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig),
                                                0, 0, 0)
    except OSError:
        pass


def enable_kernel_timestamps(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        return True
    except OSError:
        return False


def kernel_rx_mono(ancdata, offset):
    """The kernel receive timestamp (CLOCK_REALTIME) of a datagram turned
    into CLOCK_MONOTONIC ns with the current offset, or None."""
    for level, typ, data in ancdata:
        if level == socket.SOL_SOCKET and typ == SCM_TIMESTAMPNS and \
                len(data) >= TIMESPEC.size:
            s, ns = TIMESPEC.unpack_from(data)
            return s * 1_000_000_000 + ns - offset
    return None


def cpu_times():
    """(total, steal) jiffies from /proc/stat (host-wide), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v[:8]), v[7] if len(v) > 7 else 0
    except (OSError, ValueError):
        return None


def host_figures(cpu0):
    """CPU steal over the run (a VM whose host took the CPU away makes
    timing figures worthless: drop such runs) and the load average."""
    out = {"cpus": os.cpu_count()}
    cpu1 = cpu_times()
    if cpu0 and cpu1 and cpu1[0] > cpu0[0]:
        out["steal_pct"] = round(100.0 * (cpu1[1] - cpu0[1]) /
                                 (cpu1[0] - cpu0[0]), 2)
    try:
        out["loadavg"] = [float(x) for x in
                          open("/proc/loadavg").read().split()[:3]]
    except (OSError, ValueError):
        pass
    return out


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 *
                                                   (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def ms(ns):
    return None if ns is None else round(ns / 1e6, 3)


def tmsg_payload(conn, seq, t_ns, size):
    head = TMSG.pack(TMSG_MAGIC, conn, size, seq, t_ns)
    pad = size - TMSG.size
    if pad <= 0:
        return head
    b = ((conn * 31 + seq) & 0xFF)
    pattern = bytes(((b + i) & 0xFF) for i in range(min(pad, 256)))
    return head + (pattern * (pad // len(pattern) + 1))[:pad]


# --- analysis (pure functions, unit-tested) --------------------------------

def analyze_stream(send_ns, recv, threshold_ms, wall_off, end_ns=None):
    """Gap analysis of one probe stream at one receiver.

    send_ns: sequence indexed by seq: when probe seq was sent (monotonic ns).
    recv:    list of (seq, receive ns) in arrival order (duplicates allowed).
    end_ns:  when the stream ended (default: last send).
    Returns a dict: received/lost/duplicates/reordered, the longest gap
    between consecutive received probes, every gap over threshold_ms, the
    head gap (first send -> first receive, if the first probes were lost),
    the tail gap (last receive -> last send, if the last probes were
    lost) and outage_ms = the largest of those three.
    """
    sent = len(send_ns)
    seen = bytearray(sent)
    uniq = []                # (t, seq) of first arrivals, arrival order
    dups = reordered = 0
    max_seq = -1
    for seq, t in recv:
        if seq >= sent:
            continue
        if seen[seq]:
            dups += 1
            continue
        seen[seq] = 1
        if seq < max_seq:
            reordered += 1
        max_seq = max(max_seq, seq)
        uniq.append((t, seq))
    uniq.sort()
    received = len(uniq)
    # prefix count of received seqs, to count losses inside a gap
    prefix = array.array("l", [0]) * (sent + 1)
    c = 0
    for i in range(sent):
        c += seen[i]
        prefix[i + 1] = c

    def lost_between(a, b):
        lo, hi = min(a, b), max(a, b)
        if hi - lo <= 1:
            return 0
        return (hi - lo - 1) - (prefix[hi] - prefix[lo + 1])

    def gap_rec(t0, t1, s0, s1):
        return {
            "ms": ms(t1 - t0),
            "start_mono": round(t0 / 1e9, 6),
            "start_wall": iso_wall(t0 + wall_off),
            "end_mono": round(t1 / 1e9, 6),
            "last_seq_before": s0,
            "first_seq_after": s1,
            "lost_in_gap": lost_between(s0, s1),
            "send_span_ms": ms(send_ns[s1] - send_ns[s0])
            if 0 <= s0 < sent and 0 <= s1 < sent else None,
        }

    thr = int(threshold_ms * 1e6)
    longest = None
    gaps = []
    gaps_total = 0
    for i in range(1, received):
        t0, s0 = uniq[i - 1]
        t1, s1 = uniq[i]
        d = t1 - t0
        if longest is None or d > longest[0]:
            longest = (d, t0, t1, s0, s1)
        if d > thr:
            gaps_total += 1
            if len(gaps) < MAX_GAPS_LISTED:
                gaps.append(gap_rec(t0, t1, s0, s1))
    if end_ns is None:
        end_ns = send_ns[-1] if sent else 0
    head_gap = tail_gap = 0
    if sent and received:
        if not seen[0]:
            head_gap = max(0, uniq[0][0] - send_ns[0])
        last_t, _ = uniq[-1]
        if not seen[sent - 1]:
            tail_gap = max(0, end_ns - last_t)
    elif sent:
        head_gap = tail_gap = max(0, end_ns - send_ns[0])
    out = {
        "sent": sent,
        "received": received,
        "lost": sent - received,
        "loss_pct": round(100.0 * (sent - received) / sent, 3)
        if sent else 0.0,
        "duplicates": dups,
        "reordered": reordered,
        "gap_threshold_ms": threshold_ms,
        "longest_gap": gap_rec(longest[1], longest[2], longest[3], longest[4])
        if longest else None,
        "gaps_over_threshold": gaps,
        "gaps_over_threshold_total": gaps_total,
        "head_gap_ms": ms(head_gap),
        "tail_gap_ms": ms(tail_gap),
        "recovered": bool(sent and received and seen[sent - 1]),
    }
    out["outage_ms"] = max(out["longest_gap"]["ms"] if longest else 0.0,
                           out["head_gap_ms"], out["tail_gap_ms"])
    return out


def analyze_reverse(srv_recs, client_seen, wall_off):
    """Loss on the way back (server -> client).

    srv_recs: [(seq, server receive/echo time ns)] the server's record.
    client_seen: set-like of seqs whose echo reached the client.
    The echoes the server sent are exactly the probes it received; a run
    of consecutive (in server time) echoes that never arrived is a
    reverse-path hole. Its "ms" is measured like every other gap, from the
    last echo that arrived before it to the first one after it (server
    time; an upper bound: it also spans any forward-path hole that fell
    in between), "lost_span_ms" from its first to its last lost echo (a
    lower bound)."""
    recs = sorted((t, s) for s, t in srv_recs)
    lost = 0
    longest = None
    prev_ok = None          # (t, seq) of the last echo that arrived
    run = 0
    runs = 0
    first_lost = last_lost = None
    for t, s in recs:
        if s in client_seen:
            if run and prev_ok is not None:
                d = t - prev_ok[0]
                if longest is None or d > longest[0]:
                    longest = (d, prev_ok[0], t, prev_ok[1], s, run,
                               last_lost - first_lost)
            if run:
                runs += 1
            prev_ok = (t, s)
            run = 0
        else:
            lost += 1
            if not run:
                first_lost = t
            last_lost = t
            run += 1
    open_run = run
    if run:
        runs += 1
    return {
        "echoes_sent_by_server": len(recs),
        "lost": lost,
        "loss_runs": runs,
        "longest_lost_run": {
            "ms": ms(longest[0]),
            "start_mono": round(longest[1] / 1e9, 6),
            "start_wall": iso_wall(longest[1] + wall_off),
            "last_seq_before": longest[3],
            "first_seq_after": longest[4],
            "lost_in_run": longest[5],
            "lost_span_ms": ms(longest[6]),
        } if longest else None,
        "lost_at_end": open_run,
    }


# --- server ----------------------------------------------------------------

def set_rt(prio):
    """SCHED_FIFO at prio for this process (0: leave it alone)."""
    if not prio:
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(prio))
        return True
    except (OSError, AttributeError) as e:
        log(f"SCHED_FIFO not set: {e}")
        return False


def listener(bind, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(512)
    s.setblocking(False)
    return s


class TcpEchoServer:
    """TCP echo, byte for byte, in its own process (so the probe
    reflector keeps its timing whatever the TCP load)."""

    def __init__(self, lsn, pipe):
        self.lsn = lsn
        self.pipe = pipe
        self.sel = selectors.DefaultSelector()
        self.sel.register(lsn, selectors.EVENT_READ, None)
        self.sel.register(pipe, selectors.EVENT_READ, "pipe")
        self.conns = {}            # fd -> (sock, outbuf)
        self.stats = collections.Counter()
        self.stop = False

    def accept(self):
        while True:
            try:
                c, _addr = self.lsn.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.stats["tcp_accept_errors"] += 1
                return
            c.setblocking(False)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conns[c.fileno()] = (c, bytearray())
            self.sel.register(c, selectors.EVENT_READ, c.fileno())
            self.stats["tcp_accepted"] += 1

    def close(self, fd, why):
        c, _ = self.conns.pop(fd)
        self.stats[why] += 1
        self.sel.unregister(c)
        c.close()

    def on_conn(self, fd, mask):
        c, out = self.conns[fd]
        if mask & selectors.EVENT_READ:
            try:
                data = c.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                return self.close(fd, "tcp_errors")
            if data == b"":
                return self.close(fd, "tcp_closed_by_client")
            if data:
                self.stats["tcp_bytes_echoed"] += len(data)
                out += data
        if out:
            try:
                del out[:c.send(out)]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return self.close(fd, "tcp_errors")
        self.sel.modify(c, selectors.EVENT_READ |
                        (selectors.EVENT_WRITE if out else 0), fd)

    def run(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        die_with_parent()
        gc.disable()
        while not self.stop:
            for key, mask in self.sel.select(timeout=0.5):
                if key.data is None:
                    self.accept()
                elif key.data == "pipe":
                    try:
                        if self.pipe.recv() == "stop":
                            self.stop = True
                    except EOFError:
                        self.stop = True
                elif key.data in self.conns:
                    self.on_conn(key.data, mask)
        self.stats["tcp_open_at_exit"] = len(self.conns)
        for c, _ in self.conns.values():
            c.close()
        try:
            self.pipe.send(dict(self.stats))
        except OSError:
            pass


def tcp_echo_child(lsn, pipe):
    try:
        TcpEchoServer(lsn, pipe).run()
    except Exception as e:      # noqa: BLE001 - report, do not hang
        try:
            pipe.send({"tcp_echo_error": repr(e)})
        except OSError:
            pass


class Server:
    """UDP reflector + control service in this process (optionally
    SCHED_FIFO); the TCP echo in a child process."""

    def __init__(self, args):
        self.args = args
        self.stop = False
        self.sel = selectors.DefaultSelector()
        self.sessions = collections.OrderedDict()   # session -> array('Q')
        self.lock = threading.Lock()
        self.stats = collections.Counter()

        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.udp.bind((args.bind, args.port))
        self.udp.setblocking(False)
        self.kts = enable_kernel_timestamps(self.udp)
        self.sel.register(self.udp, selectors.EVENT_READ, self.on_udp)
        self.lsn = listener(args.bind, args.port)
        self.ctl = listener(args.bind, args.ctrl_port or args.port + 1)
        self.sel.register(self.ctl, selectors.EVENT_READ, self.on_ctl_accept)

    def on_udp(self):
        off = wall_offset_ns()
        for _ in range(256):
            try:
                data, anc, _flags, addr = self.udp.recvmsg(2048, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.stats["udp_errors"] += 1
                return
            now = mono_ns()
            t = kernel_rx_mono(anc, off) if self.kts else None
            if t is None or t > now:
                t = now
            if len(data) < PROBE.size or data[:4] != PROBE_MAGIC:
                self.stats["udp_foreign"] += 1
                continue
            _m, ver, kind, _r, sess, seq, ts, _ = PROBE.unpack_from(data)
            if ver != VERSION or kind != KIND_PROBE:
                self.stats["udp_foreign"] += 1
                continue
            self.stats["probes_received"] += 1
            with self.lock:
                rec = self.sessions.get(sess)
                if rec is None:
                    rec = self.sessions[sess] = array.array("Q")
                    while len(self.sessions) > self.args.max_sessions:
                        self.sessions.popitem(last=False)
                rec.append(seq)
                rec.append(t)
            out = bytearray(data)
            PROBE.pack_into(out, 0, PROBE_MAGIC, VERSION, KIND_ECHO, 0,
                            sess, seq, ts, t)
            try:
                self.udp.sendto(out, addr)
                self.stats["echoes_sent"] += 1
            except OSError:
                self.stats["echo_errors"] += 1

    def on_ctl_accept(self):
        try:
            c, _addr = self.ctl.accept()
        except OSError:
            return
        threading.Thread(target=self.serve_ctl, args=(c,), daemon=True).start()

    def serve_ctl(self, c):
        """One request per connection: "GET <session hex>\\n" answers
        "OK <n>\\n" and n records (seq u64, receive ns u64, big-endian);
        "STATS\\n" answers one JSON line."""
        try:
            c.setblocking(True)
            c.settimeout(5)
            buf = b""
            while b"\n" not in buf and len(buf) < 256:
                d = c.recv(256)
                if not d:
                    return
                buf += d
            words = buf.split(b"\n", 1)[0].decode(errors="replace").split()
            if words[:1] == ["GET"] and len(words) == 2:
                sess = int(words[1], 16)
                with self.lock:
                    rec = self.sessions.get(sess)
                    rec = array.array("Q", rec) if rec is not None else None
                if rec is None:
                    c.sendall(b"ERR unknown session\n")
                    return
                if sys.byteorder == "little":
                    rec.byteswap()
                c.sendall(f"OK {len(rec) // 2}\n".encode() + rec.tobytes())
            elif words[:1] == ["STATS"]:
                c.sendall((json.dumps(self.summary()) + "\n").encode())
            else:
                c.sendall(b"ERR bad request\n")
        except (OSError, ValueError):
            pass
        finally:
            c.close()

    def summary(self, tcp=None):
        return {"tool": "drill_traffic", "version": VERSION, "mode": "server",
                "kernel_rx_timestamps": self.kts,
                "sessions": len(self.sessions), **dict(self.stats),
                **(tcp or {})}

    def run(self):
        a = self.args

        def on_sig(_s, _f):
            self.stop = True
        signal.signal(signal.SIGTERM, on_sig)
        signal.signal(signal.SIGINT, on_sig)
        ctx = multiprocessing.get_context("fork")
        pipe, their = ctx.Pipe()
        child = ctx.Process(target=tcp_echo_child, args=(self.lsn, their),
                            daemon=True)
        child.start()
        their.close()
        self.lsn.close()
        set_rt(a.rt_prio)
        gc.disable()
        if a.ready_file:
            with open(a.ready_file, "w") as f:
                f.write(f"{os.getpid()}\n")
        log(f"server ready on {a.bind}:{a.port} "
            f"(control {a.ctrl_port or a.port + 1})")
        deadline = mono_ns() + int(a.duration * 1e9) if a.duration else None
        while not self.stop:
            if deadline and mono_ns() >= deadline:
                break
            if not child.is_alive():
                log("tcp echo process died")
                break
            for key, _mask in self.sel.select(timeout=0.2):
                key.data()
        tcp = {}
        try:
            pipe.send("stop")
            if pipe.poll(5):
                tcp = pipe.recv()
        except (OSError, EOFError):
            tcp = {"tcp_echo_error": "no stats from the tcp echo process"}
        child.join(2)
        if child.is_alive():
            child.kill()
            child.join()
        print(json.dumps(self.summary(tcp)), flush=True)
        return 0


# --- client: TCP side (runs in its own process) ------------------------------

class TcpConn:
    __slots__ = ("id", "sock", "state", "reason", "t_start", "connect_ns",
                 "local_port", "next_send", "seq", "pending", "inbuf",
                 "outbuf", "sent", "ok", "errors", "max_rtt", "last_echo",
                 "max_echo_gap", "max_echo_gap_at", "died_at", "attempts",
                 "rtts")

    def __init__(self, cid):
        self.id = cid
        self.sock = None
        self.state = "new"          # connecting, up, dead, closed
        self.reason = None
        self.t_start = 0
        self.connect_ns = None
        self.local_port = None
        self.next_send = 0
        self.seq = 0
        self.pending = collections.deque()    # (seq, bytes, send ns)
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.sent = self.ok = self.errors = 0
        self.max_rtt = 0
        self.last_echo = None
        self.max_echo_gap = 0
        self.max_echo_gap_at = None
        self.died_at = None
        self.attempts = 0
        self.rtts = array.array("q")


class TcpClient:
    def __init__(self, a, pipe):
        self.a = a
        self.pipe = pipe
        self.sel = selectors.DefaultSelector()
        self.conns = [TcpConn(i) for i in range(a.tcp_conns)]
        self.stop_flag = False
        self.interval = int(a.tcp_interval_ms * 1e6)
        self.stall = int(a.tcp_stall_max * 1e9)
        self.wall_off = wall_offset_ns()

    # connection management
    def start_connect(self, c):
        c.attempts += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # fail a connect that sees no SYN-ACK quickly; for an established
        # connection stalls are judged by our own --tcp-stall-max timer
        c.sock = s
        c.state = "connecting"
        c.t_start = mono_ns()
        err = s.connect_ex((self.a.server, self.a.port))
        if err not in (0, errno.EINPROGRESS):
            self.fail_connect(c, os.strerror(err))
            return
        self.sel.register(s, selectors.EVENT_WRITE, c)

    def fail_connect(self, c, why):
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        c.sock = None
        if c.attempts <= self.a.tcp_connect_retries:
            c.state = "retry"
            c.next_send = mono_ns() + 100_000_000
        else:
            c.state = "dead"
            c.reason = f"connect failed: {why}"
            c.died_at = mono_ns()

    def on_connected(self, c):
        err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.fail_connect(c, os.strerror(err))
            return
        now = mono_ns()
        c.connect_ns = now - c.t_start
        c.local_port = c.sock.getsockname()[1]
        c.state = "up"
        # spread the connections over one interval
        c.next_send = now + (self.interval * c.id) // max(1, len(self.conns))
        c.last_echo = None
        self.sel.modify(c.sock, selectors.EVENT_READ, c)

    def kill(self, c, why, now):
        if c.state in ("dead", "closed"):
            return
        c.state = "dead"
        c.reason = why
        c.died_at = now
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        try:
            c.sock.close()
        except OSError:
            pass

    def send(self, c, now):
        msg = tmsg_payload(c.id, c.seq, now, self.a.tcp_msg_size)
        c.pending.append((c.seq, msg, now))
        c.seq = (c.seq + 1) & 0xFFFFFFFF
        c.sent += 1
        c.outbuf += msg
        self.flush(c, now)

    def flush(self, c, now):
        if not c.outbuf:
            return
        try:
            n = c.sock.send(c.outbuf)
            del c.outbuf[:n]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            c.errors += 1
            self.kill(c, self.why(e), now)
            return
        want = selectors.EVENT_READ | (selectors.EVENT_WRITE if c.outbuf
                                       else 0)
        self.sel.modify(c.sock, want, c)

    @staticmethod
    def why(e):
        if isinstance(e, ConnectionResetError):
            return "reset"
        if isinstance(e, BrokenPipeError):
            return "broken pipe"
        if isinstance(e, TimeoutError) or \
                getattr(e, "errno", None) == errno.ETIMEDOUT:
            return "kernel timeout"
        return f"error: {os.strerror(e.errno) if e.errno else e}"

    def on_readable(self, c, now):
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            c.errors += 1
            self.kill(c, self.why(e), now)
            return
        if not data:
            self.kill(c, "closed by peer", now)
            return
        c.inbuf += data
        size = self.a.tcp_msg_size
        while len(c.inbuf) >= size:
            got = bytes(c.inbuf[:size])
            del c.inbuf[:size]
            if not c.pending:
                c.errors += 1
                self.kill(c, "echo without request", now)
                return
            seq, want, t_sent = c.pending.popleft()
            if got != want:
                c.errors += 1
                try:
                    _m, gid, _l, gseq, _t = TMSG.unpack_from(got)
                    detail = f"conn {gid} seq {gseq}, expected seq {seq}"
                except struct.error:
                    detail = "garbled"
                self.kill(c, f"echo mismatch ({detail})", now)
                return
            c.ok += 1
            rtt = now - t_sent
            c.rtts.append(rtt)
            if rtt > c.max_rtt:
                c.max_rtt = rtt
            if c.last_echo is not None and now - c.last_echo > c.max_echo_gap:
                c.max_echo_gap = now - c.last_echo
                c.max_echo_gap_at = c.last_echo
            c.last_echo = now

    def check_stall(self, c, now):
        if c.state == "up" and c.pending and \
                now - c.pending[0][2] > self.stall:
            self.kill(c, f"timeout (no echo for > {self.a.tcp_stall_max} s)",
                      now)

    def loop_once(self, timeout):
        for key, mask in self.sel.select(timeout):
            c = key.data
            now = mono_ns()
            if c.state == "connecting":
                self.on_connected(c)
                continue
            if c.state != "up":
                continue
            if mask & selectors.EVENT_READ:
                self.on_readable(c, now)
            if c.state == "up" and mask & selectors.EVENT_WRITE:
                self.flush(c, now)

    def poll_pipe(self):
        while self.pipe.poll():
            msg = self.pipe.recv()
            if msg == "stop":
                self.stop_flag = True

    def run(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop_flag",
                                                        True))
        die_with_parent()
        gc.disable()        # no reference cycles here; no GC pauses
        for c in self.conns:
            self.start_connect(c)
        ct = int(self.a.tcp_connect_timeout * 1e9)
        # establishment phase
        deadline = mono_ns() + int((self.a.tcp_connect_timeout + 0.2) *
                                   1e9 * (self.a.tcp_connect_retries + 1)) + \
            500_000_000
        while mono_ns() < deadline and not self.stop_flag:
            now = mono_ns()
            pending = False
            for c in self.conns:
                if c.state == "connecting":
                    pending = True
                    if now - c.t_start > ct:
                        self.fail_connect(c, "timeout")
                elif c.state == "retry":
                    pending = True
                    if now >= c.next_send:
                        self.start_connect(c)
            if not pending:
                break
            self.loop_once(0.01)
            self.poll_pipe()
        for c in self.conns:
            if c.state in ("connecting", "retry"):
                if c.sock is not None:
                    self.fail_connect(c, "timeout")
                c.state = "dead"
                c.reason = c.reason or "connect failed: timeout"
        up = sum(c.state == "up" for c in self.conns)
        self.pipe.send(("ready", up))

        # steady phase
        while not self.stop_flag:
            now = mono_ns()
            nxt = now + 50_000_000
            for c in self.conns:
                if c.state != "up":
                    continue
                if now >= c.next_send:
                    self.send(c, now)
                    c.next_send += self.interval
                    if c.next_send < now:           # fell behind: no burst
                        c.next_send = now + self.interval
                self.check_stall(c, now)
                if c.state == "up":
                    nxt = min(nxt, c.next_send)
            self.loop_once(max(0.0, (nxt - mono_ns()) / 1e9))
            self.poll_pipe()

        # drain: wait for the outstanding echoes (up to the stall limit)
        t_stop = mono_ns()
        while True:
            now = mono_ns()
            busy = False
            for c in self.conns:
                self.check_stall(c, now)
                if c.state == "up" and c.pending:
                    busy = True
            if not busy or now - t_stop > self.stall:
                break
            self.loop_once(0.01)
        for c in self.conns:
            if c.state == "up":
                try:
                    self.sel.unregister(c.sock)
                    c.sock.close()
                except (OSError, KeyError, ValueError):
                    pass
                c.state = "closed"
        self.pipe.send(("result", self.result()))

    def result(self):
        per = []
        rtts = []
        longest = (0, None, None)
        reasons = collections.Counter()
        for c in self.conns:
            survived = c.reason is None and c.connect_ns is not None
            if not survived:
                reasons[c.reason or "never connected"] += 1
            rtts.extend(c.rtts)
            if c.max_echo_gap > longest[0]:
                longest = (c.max_echo_gap, c.id, c.max_echo_gap_at)
            per.append({
                "id": c.id,
                "local_port": c.local_port,
                "connected": c.connect_ns is not None,
                "connect_ms": ms(c.connect_ns),
                "connect_attempts": c.attempts,
                "sent": c.sent,
                "ok": c.ok,
                "errors": c.errors,
                "unanswered": len(c.pending),
                "survived": survived,
                "reason": c.reason,
                "died_mono": round(c.died_at / 1e9, 6) if c.died_at else None,
                "max_rtt_ms": ms(c.max_rtt),
                "max_echo_gap_ms": ms(c.max_echo_gap),
            })
        rtts.sort()
        n = len(self.conns)
        surv = sum(p["survived"] for p in per)
        return {
            "connections": n,
            "established": sum(p["connected"] for p in per),
            "survived": surv,
            "dead": n - surv,
            "dead_reasons": dict(reasons),
            "interval_ms": self.a.tcp_interval_ms,
            "msg_size": self.a.tcp_msg_size,
            "stall_max_s": self.a.tcp_stall_max,
            "messages_sent": sum(c.sent for c in self.conns),
            "messages_ok": sum(c.ok for c in self.conns),
            "errors": sum(c.errors for c in self.conns),
            "rtt_ms": {"p50": ms(pct(rtts, 50)), "p99": ms(pct(rtts, 99)),
                       "max": ms(rtts[-1] if rtts else None)},
            "max_rtt_ms": ms(rtts[-1] if rtts else None),
            "longest_echo_gap": {
                "ms": ms(longest[0]), "conn": longest[1],
                "start_mono": round(longest[2] / 1e9, 6)
                if longest[2] else None,
                "start_wall": iso_wall(longest[2] + self.wall_off)
                if longest[2] else None,
            },
            "per_connection": per,
        }


def tcp_child(args, pipe):
    try:
        TcpClient(args, pipe).run()
    except Exception as e:      # report, never hang the parent
        try:
            pipe.send(("error", repr(e)))
        except OSError:
            pass


# --- client: probe side ----------------------------------------------------

class Prober:
    def __init__(self, a):
        self.a = a
        self.session = random.getrandbits(63) | 1
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.kts = enable_kernel_timestamps(self.sock)
        # connected: ICMP errors (port unreachable...) come back as errors
        self.sock.connect((a.server, a.port))
        self.sock.setblocking(False)
        self.size = max(PROBE.size, a.probe_size)
        self.send_ns = array.array("q")     # actual send time per seq
        self.late_ns = array.array("q")     # actual - scheduled
        # per received echo: seq, receive ns, server receive ns
        self.r_seq = array.array("q")
        self.r_t = array.array("q")
        self.r_srv = array.array("q")
        self.rtts = array.array("q")
        self.send_errors = collections.Counter()
        self.rx_errors = collections.Counter()
        self.foreign = 0
        self.resets = 0
        self.buf = bytearray(self.size)

    def send_one(self, seq, sched):
        now = mono_ns()
        PROBE.pack_into(self.buf, 0, PROBE_MAGIC, VERSION, KIND_PROBE, 0,
                        self.session, seq, now, 0)
        try:
            self.sock.send(self.buf)
        except (BlockingIOError, InterruptedError):
            self.send_errors["EAGAIN"] += 1
        except OSError as e:
            self.send_errors[errno.errorcode.get(e.errno, str(e.errno))] += 1
        self.send_ns.append(now)
        self.late_ns.append(now - sched)

    def drain(self):
        off = None
        for _ in range(512):
            try:
                data, anc, _f, _a = self.sock.recvmsg(2048, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:     # e.g. ECONNREFUSED from ICMP
                self.rx_errors[errno.errorcode.get(e.errno,
                                                   str(e.errno))] += 1
                continue
            now = mono_ns()
            t = None
            if self.kts:
                if off is None:
                    off = wall_offset_ns()
                t = kernel_rx_mono(anc, off)
            if t is None or t > now:
                t = now
            if len(data) < PROBE.size:
                self.foreign += 1
                continue
            m, ver, kind, _r, sess, seq, ts, tsrv = PROBE.unpack_from(data)
            if m != PROBE_MAGIC or ver != VERSION or kind != KIND_ECHO or \
                    sess != self.session or seq >= len(self.send_ns):
                self.foreign += 1
                continue
            self.r_seq.append(seq)
            self.r_t.append(t)
            self.r_srv.append(tsrv)
            self.rtts.append(t - self.send_ns[seq])


def fetch_server_record(a, session, timeout=3.0):
    s = socket.create_connection((a.server, a.ctrl_port or a.port + 1),
                                 timeout=timeout)
    try:
        s.settimeout(timeout)
        s.sendall(f"GET {session:x}\n".encode())
        buf = bytearray()
        while b"\n" not in buf:
            d = s.recv(65536)
            if not d:
                raise ConnectionError("control: connection closed")
            buf += d
        line, rest = bytes(buf).split(b"\n", 1)
        words = line.decode(errors="replace").split()
        if words[:1] != ["OK"]:
            raise ConnectionError(f"control: {line.decode(errors='replace')}")
        n = int(words[1])
        need = n * CREC.size
        data = bytearray(rest)
        while len(data) < need:
            d = s.recv(1 << 20)
            if not d:
                raise ConnectionError("control: short answer")
            data += d
        return [CREC.unpack_from(data, i * CREC.size) for i in range(n)]
    finally:
        s.close()


class Client:
    def __init__(self, a):
        self.a = a
        self.stop_reason = None
        self.rt = False
        self.cpu0 = None

    def should_stop(self, now, deadline, next_file_check):
        if self.stop_reason:
            return True, next_file_check
        if deadline and now >= deadline:
            self.stop_reason = "duration"
            return True, next_file_check
        if self.a.stop_file and now >= next_file_check:
            next_file_check = now + 20_000_000
            if os.path.exists(self.a.stop_file):
                self.stop_reason = "stop-file"
                return True, next_file_check
        return False, next_file_check

    def run(self):
        a = self.a

        def on_sig(signum, _f):
            self.stop_reason = self.stop_reason or \
                f"signal {signal.Signals(signum).name}"
        signal.signal(signal.SIGTERM, on_sig)
        signal.signal(signal.SIGINT, on_sig)

        ctx = multiprocessing.get_context("fork")
        tcp_pipe = None
        child = None
        tcp_result = None
        tcp_error = None
        if a.tcp_conns > 0:
            tcp_pipe, their = ctx.Pipe()
            child = ctx.Process(target=tcp_child, args=(a, their),
                                daemon=True)
            child.start()
            their.close()
            wait = (a.tcp_connect_timeout + 0.3) * \
                (a.tcp_connect_retries + 1) + 5
            if tcp_pipe.poll(wait):
                msg = tcp_pipe.recv()
                if msg[0] == "ready":
                    log(f"tcp: {msg[1]}/{a.tcp_conns} connections up")
                elif msg[0] == "error":
                    tcp_error = msg[1]
            else:
                tcp_error = "tcp side did not become ready"
        rt = self.rt = set_rt(a.rt_prio)

        # the probe loop makes no reference cycles: keep the collector's
        # pauses out of the send schedule
        gc.disable()
        p = Prober(a)
        self.cpu0 = cpu_times()
        wall_off = wall_offset_ns()
        interval = 1e9 / a.rate
        t0 = mono_ns() + 1_000_000
        if a.ready_file:
            with open(a.ready_file, "w") as f:
                f.write(f"{os.getpid()} {t0}\n")
        log(f"probing {a.server}:{a.port} at {a.rate} pps, session "
            f"{p.session:x}")
        deadline = t0 + int(a.duration * 1e9) if a.duration else None
        seq = 0
        next_file_check = 0
        max_behind = int(a.max_burst_ms * 1e6)
        base = t0          # schedule: base + k * interval (k since base)
        k = 0
        sock = p.sock
        while True:
            now = mono_ns()
            stop, next_file_check = self.should_stop(now, deadline,
                                                     next_file_check)
            if stop:
                break
            sched = base + int(k * interval)
            if now >= sched:
                if now - sched > max_behind:
                    # stalled for long: restart the schedule, no burst
                    p.resets += 1
                    base, k = now, 0
                    sched = now
                p.send_one(seq, sched)
                seq += 1
                k += 1
                continue
            wait = (sched - now) / 1e9
            r, _, _ = select.select([sock], [], [], wait)
            if r:
                p.drain()
        t_end_send = mono_ns()
        stopped_by = self.stop_reason
        if child is not None:
            try:
                tcp_pipe.send("stop")
            except OSError:
                pass
        # drain echoes still on their way
        drain_until = mono_ns() + int(a.drain * 1e9)
        while mono_ns() < drain_until and len(p.r_seq) < len(p.send_ns):
            r, _, _ = select.select([sock], [], [], 0.01)
            if r:
                p.drain()
        p.drain()
        if rt:
            try:
                os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
            except OSError:
                pass
        if child is not None:
            wait = a.tcp_stall_max + 5
            try:
                if tcp_pipe.poll(wait):
                    msg = tcp_pipe.recv()
                    while msg[0] == "ready" and tcp_pipe.poll(wait):
                        msg = tcp_pipe.recv()
                    if msg[0] == "result":
                        tcp_result = msg[1]
                    elif msg[0] == "error":
                        tcp_error = msg[1]
                else:
                    tcp_error = tcp_error or "no result from tcp side"
            except (EOFError, OSError) as e:
                tcp_error = tcp_error or f"tcp side died: {e!r}"
            child.join(2)
            if child.is_alive():
                child.kill()
                child.join()

        srv_recs, srv_err = None, None
        if a.server_stats:
            try:
                srv_recs = fetch_server_record(a, p.session)
            except (OSError, ValueError) as e:
                srv_err = f"{type(e).__name__}: {e}"

        res = self.report(p, t0, t_end_send, wall_off, stopped_by, srv_recs,
                          srv_err, tcp_result, tcp_error)
        print(json.dumps(res, indent=None if a.compact else 1), flush=True)
        return 0

    def report(self, p, t0, t_end, wall_off, stopped_by, srv_recs, srv_err,
               tcp, tcp_err):
        a = self.a
        sent = len(p.send_ns)
        rt = analyze_stream(p.send_ns, list(zip(p.r_seq, p.r_t)),
                            a.gap_threshold_ms, wall_off)
        span = (p.send_ns[-1] - p.send_ns[0]) if sent > 1 else 0
        late = sorted(p.late_ns)
        rtts = sorted(p.rtts)
        probes = {
            "session": f"{p.session:x}",
            "rate_target_pps": a.rate,
            "rate_achieved_pps": round((sent - 1) / (span / 1e9), 2)
            if span else None,
            "probe_size": p.size,
            "kernel_rx_timestamps": p.kts,
            "sched": f"fifo:{a.rt_prio}" if self.rt else "other",
            "send_errors": dict(p.send_errors),
            "rx_errors": dict(p.rx_errors),
            "foreign": p.foreign,
            "send_lateness_ms": {"p50": ms(pct(late, 50)),
                                 "p99": ms(pct(late, 99)),
                                 "max": ms(late[-1] if late else None)},
            "late_sends_over_1ms": sum(1 for x in late if x > 1_000_000),
            "schedule_resets": p.resets,
            "rtt_ms": {"min": ms(rtts[0] if rtts else None),
                       "p50": ms(pct(rtts, 50)), "p99": ms(pct(rtts, 99)),
                       "max": ms(rtts[-1] if rtts else None)},
        }
        probes.update(rt)
        # per direction, from the server's own record
        fwd = rev = None
        if srv_recs is not None:
            fwd = analyze_stream(p.send_ns, srv_recs, a.gap_threshold_ms,
                                 wall_off)
            seen = set(p.r_seq)
            rev = analyze_reverse(srv_recs, seen, wall_off)
            owd_f = sorted(t - p.send_ns[s] for s, t in srv_recs if s < sent)
            srv_t = {s: t for s, t in srv_recs}
            owd_r = sorted(t - srv_t[s] for s, t in zip(p.r_seq, p.r_t)
                           if s in srv_t)
            fwd["one_way_delay_ms"] = {"p50": ms(pct(owd_f, 50)),
                                       "max": ms(owd_f[-1] if owd_f else None)}
            rev["one_way_delay_ms"] = {"p50": ms(pct(owd_r, 50)),
                                       "max": ms(owd_r[-1] if owd_r else None)}
        probes["forward"] = fwd
        probes["reverse"] = rev
        probes["server_record_error"] = srv_err
        ok = rt["lost"] == 0 and sent > 0
        if tcp is not None:
            ok = ok and tcp["survived"] == tcp["connections"]
        elif a.tcp_conns:
            ok = False
        return {
            "tool": "drill_traffic",
            "version": VERSION,
            "mode": "client",
            "server": a.server,
            "port": a.port,
            "started_mono": round(t0 / 1e9, 6),
            "started_wall": iso_wall(t0 + wall_off),
            "ended_mono": round(t_end / 1e9, 6),
            "duration_s": round((t_end - t0) / 1e9, 3),
            "stopped_by": stopped_by,
            "ok": ok,
            "outage_ms": rt["outage_ms"],
            "probes": probes,
            "tcp": tcp,
            "tcp_error": tcp_err,
            "host": host_figures(self.cpu0),
        }


# --- CLI ---------------------------------------------------------------------

def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="Probe stream + long-lived TCP connections for the HA "
                    "failover drill")
    sub = ap.add_subparsers(dest="mode", required=True)

    s = sub.add_parser("server", help="reflector / echo server")
    s.add_argument("--bind", default="0.0.0.0")
    s.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help="UDP probe and TCP echo port (default %(default)s)")
    s.add_argument("--ctrl-port", type=int, default=0,
                   help="control port (default port+1)")
    s.add_argument("--ready-file", help="written once listening")
    s.add_argument("--duration", type=float, default=0,
                   help="exit after this many seconds (default: on signal)")
    s.add_argument("--max-sessions", type=int, default=16,
                   help="probe sessions remembered (default %(default)s)")
    s.add_argument("--rt-prio", type=int, default=10,
                   help="run the UDP reflector SCHED_FIFO at this priority "
                        "(0 = off; default %(default)s)")

    c = sub.add_parser("client", help="probe stream + TCP connections")
    c.add_argument("--server", required=True, help="server IPv4 address")
    c.add_argument("--port", type=int, default=DEFAULT_PORT)
    c.add_argument("--ctrl-port", type=int, default=0,
                   help="server control port (default port+1)")
    c.add_argument("--rate", type=float, default=1000.0,
                   help="probes per second (default %(default)s)")
    c.add_argument("--probe-size", type=int, default=64,
                   help="UDP payload bytes (min 40, default %(default)s)")
    c.add_argument("--duration", type=float, default=10.0,
                   help="seconds; 0 = until SIGTERM/SIGINT or the stop file")
    c.add_argument("--stop-file", help="stop as soon as this file exists")
    c.add_argument("--ready-file",
                   help="written when TCP is up and probing starts")
    c.add_argument("--gap-threshold-ms", type=float, default=10.0,
                   help="list every probe gap above this (default "
                        "%(default)s)")
    c.add_argument("--drain", type=float, default=0.5,
                   help="seconds to wait for late echoes after the last "
                        "probe (default %(default)s)")
    c.add_argument("--max-burst-ms", type=float, default=100.0,
                   help="if the sender falls further behind its schedule "
                        "than this, restart the schedule instead of "
                        "catching up (default %(default)s)")
    c.add_argument("--tcp-conns", type=int, default=50)
    c.add_argument("--tcp-interval-ms", type=float, default=20.0)
    c.add_argument("--tcp-msg-size", type=int, default=64,
                   help="bytes per message (min 20, default %(default)s)")
    c.add_argument("--tcp-connect-timeout", type=float, default=1.0)
    c.add_argument("--tcp-connect-retries", type=int, default=2)
    c.add_argument("--tcp-stall-max", type=float, default=3.0,
                   help="a connection whose oldest message is unanswered "
                        "this long is dead (default %(default)s s)")
    c.add_argument("--rt-prio", type=int, default=10,
                   help="run the probe loop SCHED_FIFO at this priority "
                        "(0 = off; default %(default)s)")
    c.add_argument("--no-server-stats", dest="server_stats",
                   action="store_false",
                   help="do not fetch the server's record at the end")
    c.add_argument("--compact", action="store_true",
                   help="JSON on one line")
    a = ap.parse_args(argv)
    if a.mode == "client":
        if a.rate <= 0:
            ap.error("--rate must be > 0")
        if a.tcp_msg_size < TMSG.size or a.tcp_msg_size > 65535:
            ap.error(f"--tcp-msg-size must be {TMSG.size}..65535")
        if a.probe_size > 1472:
            ap.error("--probe-size must be <= 1472")
    return a


def main(argv=None):
    a = parse_args(argv)
    if a.mode == "server":
        return Server(a).run()
    return Client(a).run()


if __name__ == "__main__":
    sys.exit(main())

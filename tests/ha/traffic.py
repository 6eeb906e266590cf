# SPDX-License-Identifier: GPL-2.0-or-later
"""Start and stop drill_traffic.py inside a drill Topology (topo.py):
the server in <prefix>-server, the client in <prefix>-client. Every
process is started through Topology.popen, so Topology.destroy() ends
whatever a failed test left running (by pid)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import topo as topolib

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "drill_traffic.py")
PY = sys.executable or "/usr/bin/python3"


def _wait_file(path, proc, timeout, what, log=None):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: "
                               f"{_read(log)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout}s: "
                               f"{_read(log)}")
        time.sleep(0.01)


def _read(path):
    if not path:
        return ""
    try:
        with open(path) as f:
            return f.read()[-4000:]
    except OSError:
        return ""


class TrafficServer:
    def __init__(self, topo, where="server", port=7000, extra=()):
        self.dir = tempfile.mkdtemp(prefix=f"{topo.prefix}-srv-")
        self.ready = os.path.join(self.dir, "ready")
        self.log = os.path.join(self.dir, "stderr")
        self._err = open(self.log, "w")
        self.proc = topo.popen(where, [PY, TOOL, "server", "--port",
                                       str(port), "--ready-file", self.ready,
                                       *extra],
                               stdout=subprocess.PIPE, stderr=self._err,
                               text=True)
        _wait_file(self.ready, self.proc, 10, "drill_traffic server",
                   self.log)

    @property
    def pid(self):
        return self.proc.pid

    def kill(self):
        """SIGKILL (a crashed server)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self, timeout=10):
        """SIGTERM; returns the server's JSON summary (None if killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.close()
        try:
            return json.loads(out)
        except (ValueError, TypeError):
            return None

    def close(self):
        self._err.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class TrafficClient:
    """drill_traffic.py client. duration=0 runs until stop()."""

    def __init__(self, topo, server=topolib.SERVER_ADDR, where="client",
                 duration=0, rate=1000, conns=50, stall_max=3.0, extra=()):
        self.dir = tempfile.mkdtemp(prefix=f"{topo.prefix}-cli-")
        self.ready = os.path.join(self.dir, "ready")
        self.stop_file = os.path.join(self.dir, "stop")
        self.log = os.path.join(self.dir, "stderr")
        self.duration = duration
        self.stall_max = stall_max
        self._err = open(self.log, "w")
        args = [PY, TOOL, "client", "--server", server,
                "--duration", str(duration), "--rate", str(rate),
                "--tcp-conns", str(conns), "--tcp-stall-max", str(stall_max),
                "--ready-file", self.ready, "--stop-file", self.stop_file,
                "--compact", *extra]
        self.proc = topo.popen(where, args, stdout=subprocess.PIPE,
                               stderr=self._err, text=True)
        self.started = time.monotonic()
        self.result = None

    def wait_ready(self, timeout=15):
        _wait_file(self.ready, self.proc, timeout, "drill_traffic client",
                   self.log)
        return self

    def stop(self, how="file"):
        """Ask the client to finish: "file" (the stop file) or "signal"
        (SIGTERM)."""
        if how == "file":
            with open(self.stop_file, "w"):
                pass
        elif self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout=None):
        """The client's JSON result (after its duration or a stop())."""
        if timeout is None:
            timeout = (self.duration or 5) + self.stall_max + 20
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise TimeoutError(f"drill_traffic client did not finish in "
                               f"{timeout}s: {_read(self.log)}")
        err = _read(self.log)
        self._err.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.proc.returncode != 0:
            raise RuntimeError(f"drill_traffic client exited with "
                               f"{self.proc.returncode}: {err}")
        self.result = json.loads(out)
        return self.result

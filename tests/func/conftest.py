# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the functional tests: a three-host topology around a
running hafwd (h1 - dut - h2, plus h3 on a third port)."""
import os

import pytest

from hafwd_harness import HAFWD, Hafwd, Topology

HOSTS = {
    "h1": ("198.18.1.2/24", "198.18.1.1"),
    "h2": ("198.18.2.2/24", "198.18.2.1"),
    "h3": ("198.18.3.2/24", "198.18.3.1"),
}

PORTS = """
port h1 {
    interface h1
    address 198.18.1.1/24
}
port h2 {
    interface h2
    address 198.18.2.1/24
}
port h3 {
    interface h3
    address 198.18.3.1/24
}
"""


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="functional tests need root")
        for item in items:
            item.add_marker(skip)
    elif not os.path.exists(HAFWD):
        raise pytest.UsageError(f"{HAFWD} not built: run make first")


@pytest.fixture
def topo():
    t = Topology(HOSTS)
    yield t
    t.destroy()


@pytest.fixture
def make_hafwd(topo):
    """Start hafwd with the three ports plus extra config; stopped (and
    checked for a clean exit) at teardown."""
    started = []

    def start(extra="", extra_globals="", ports=PORTS):
        d = Hafwd(topo, ports + extra, extra_globals=extra_globals)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def hafwd(make_hafwd):
    return make_hafwd()

# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the failover-drill tests: the drill topology (topo.py),
torn down even when a test fails."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import topo as topolib  # noqa: E402


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="drill tests need root (namespaces)")
        for item in items:
            if "netns" in item.keywords:
                item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers",
                            "netns: needs root to build namespaces")


@pytest.fixture
def topo():
    t = topolib.create(node_kernel_addrs=True)
    try:
        yield t
    finally:
        t.destroy()


@pytest.fixture
def routers(topo):
    """Nodes A and B as plain kernel routers; A holds both virtual IPs."""
    for n in ("a", "b"):
        topo.enable_forwarding(n)
    topo.add_vips("a")
    # resolve the paths once so the drill starts from warm neighbours
    topo.run("client", "ping", "-c", "1", "-W", "2", topolib.SERVER_ADDR)
    return topo

# SPDX-License-Identifier: GPL-2.0-or-later
"""The short failover drill of `make check`: one run of each scenario of
drill.py with two real hafwd nodes, asserting what does not depend on
timing (every TCP connection survives, the right node ends active, the
passive's sessions were hot) and a generous 1 s bound on the outage.
`make drill` measures the figures (tests/ha/drill.py)."""
import pytest

import drill

pytestmark = pytest.mark.netns

OUTAGE_BOUND_MS = 1000.0


@pytest.mark.parametrize("scenario", drill.SCENARIOS)
def test_failover(scenario):
    row = drill.run_scenario(scenario, warmup=1.5, settle=1.5)
    print(row)
    assert row["active_end"] == ("a" if scenario == "failback" else "b"), row
    assert row["tcp_total"] == 50, row
    assert row["tcp_survived"] == row["tcp_total"], row
    assert row["outage_ms"] is not None and \
        row["outage_ms"] < OUTAGE_BOUND_MS, row
    # probes were flowing before and after: the stream is not empty
    assert row["probes_sent"] > 1000, row
    assert row["probes_lost"] < row["probes_sent"] / 4, row


def test_split_brain_resolved():
    """The HA link goes down: both nodes end up active (each thinks the
    other dead); when it returns, the election order decides again (A,
    priority 10, keeps it) and B stands down."""
    pair = drill.Pair()
    try:
        pair.wait_roles("a")
        pair.topo.port_down("a", "ha")
        pair.wait_active("b", timeout=5)
        assert pair.a.ha()["state"] == "active"
        pair.topo.port_up("a", "ha")
        pair.wait_roles("a", timeout=10)
        ja, jb = pair.a.ha(), pair.b.ha()
        assert jb["last_transition"]["reason"] == "split-brain", jb
        assert ja["split_brains"] + jb["split_brains"] >= 1
    finally:
        pair.destroy()


def test_path_monitor():
    """A path group probing the server through the dataplane: when only
    A's probes stop getting answers (the server drops echo requests from
    A's own address: a blackhole route for it there), A turns
    non-functional on its own and B takes over; B's probes still get
    answers."""
    server = drill.topolib.SERVER_ADDR
    pair = drill.Pair(extra_ha=f"    path-group srv any interval 50 misses 3 "
                               f"target {server}\n")
    try:
        pair.wait_roles("a")
        ja = pair.a.ha()
        tgt = ja["path_groups"][0]["targets"][0]
        assert tgt["ip"] == server and not tgt["failed"], ja
        pair.wait("probes answered on A",
                  lambda: pair.a.ha()["path_groups"][0]["targets"][0]
                  ["replied"] >= 3)
        a_addr = pair.topo.nodes["a"]["outside_addr"]
        pair.topo.run("server", "ip", "route", "add", "blackhole",
                      f"{a_addr}/32")
        pair.wait_active("b", timeout=5)
        ja, jb = pair.a.ha(), pair.b.ha()
        assert ja["state"] == "non-functional", ja
        assert ja["fault"] == "path-group", ja
        assert ja["path_groups"][0]["failed"], ja
        assert not jb["path_groups"][0]["failed"], jb
        counters = pair.a.ctl("show", "counters", "all")
        assert "ha_probe_tx" in counters
    finally:
        pair.destroy()

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The scapy suite and the short failover drill: need root (network
# namespaces, XDP). Uses Debian's python3 (scapy, pytest, pyroute2 come
# from Debian packages).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then
	echo "functional tests need root: skipped"
	exit 0
fi
$PY -m pytest -q -p no:cacheprovider tests/func tests/ha "$@"
rc=$?
# pytest exit 5 = no tests collected: treat as failure, never as a pass
[ $rc -eq 5 ] && echo "no functional tests were collected"
exit $rc

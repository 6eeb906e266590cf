#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every build, test and benchmark dependency from Debian's archive.
# Idempotent and quiet when everything is present.
set -euo pipefail

PKGS=(
	build-essential pkg-config clang llvm
	libxdp-dev libbpf-dev liburcu-dev libpcap-dev libcmocka-dev libssl-dev
	xdp-tools bpftool iproute2 iputils-ping traceroute ethtool netsniff-ng
	python3 python3-scapy python3-pytest python3-pyroute2
	cppcheck
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

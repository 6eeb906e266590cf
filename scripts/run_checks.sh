#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make check`: static checks, unit tests in plain / ASan+UBSan / TSan
# builds, then the functional (scapy) suite in network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "headers are self-contained"
scripts/check_headers.sh

step "cppcheck"
make -s cppcheck

step "unit tests (plain)"
make -s -j"$jobs" all unit-tests
scripts/run_unit_tests.sh build

step "unit tests (ASan + UBSan)"
make -s -j"$jobs" SAN=address,undefined unit-tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	scripts/run_unit_tests.sh build-address-undefined

step "unit tests (TSan)"
make -s -j"$jobs" SAN=thread unit-tests
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
	scripts/run_unit_tests.sh build-thread

step "functional tests (scapy, network namespaces)"
scripts/run_func_tests.sh

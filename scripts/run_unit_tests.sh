#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every cmocka binary in BUILD/tests; print one summary line.
# usage: run_unit_tests.sh BUILD_DIR [test-name-glob]
set -uo pipefail
dir=${1:?build dir}/tests
glob=${2:-test_*}
passed=0 failed=0 failures=()
shopt -s nullglob
for t in "$dir"/$glob; do
	[ -x "$t" ] || continue
	if out=$("$t" 2>&1); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$(basename "$t")")
		printf '%s\n' "$out" | tail -n 40
	fi
done
[ $((passed + failed)) -gt 0 ] || { echo "no unit tests found in $dir"; exit 1; }
# one word before the colon: CI reads "label: N passed, N failed"
echo "unit-$(basename "${1%/}"): $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed: ${failures[*]}"; exit 1; }

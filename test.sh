#!/usr/bin/env bash
# Runs every Podnet test as root: unit tests, and kernel tests in throwaway pnt- namespaces.
# Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" = 0 ] || { echo "test.sh must run as root (tests create network namespaces)" >&2; exit 1; }
scripts/deps.sh || exit 1
# Test namespaces: pnt-*: kernel tests; pn-t<6 hex>-*: labs that the lab tests bring up.
test_netns() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(pnt-|pn-t[0-9a-f]{6}-)' || true; }
sweep() { for ns in "$@"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9; ip netns del "$ns"; done; }
# Left by an earlier run that was killed (e.g. a session cut off mid-test; /run may outlive a reboot
# here): not this run's leak, so removed and named, not counted.
stale=$(test_netns)
if [ -n "$stale" ]; then echo "removing test namespaces left by an earlier run: $(echo $stale)"; sweep $stale; fi
scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p out
export PODNET_BIN="$PWD/out/bin"
# Tests send SIGINT to the daemons they start; a shell running test.sh as a background job ignores
# SIGINT, and its children would inherit that. Start the test hosts with the default disposition.
env --default-signal=INT dotnet test Podnet.slnx -c Release --nologo 2>&1 | tee out/test.log
rc=${PIPESTATUS[0]}
passed=0; failed=0
while read -r f p; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  sed -nE 's/.*(Passed|Failed)! +- +Failed: +([0-9]+), +Passed: +([0-9]+).*/\2 \3/p' out/test.log)
# A crashed or aborted test host reports no counts: count it as a failure rather than hide it.
aborted=$(grep -cE 'Test Run Aborted|The active test run was aborted' out/test.log || true)
failed=$((failed + aborted))
# Safety net: tests clean up after themselves; anything this run left is a bug and is counted as one.
left=$(test_netns)
if [ -n "$left" ]; then
  echo "leftover test namespaces: $(echo $left)"; failed=$((failed + 1))
  sweep $left
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

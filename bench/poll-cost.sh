#!/usr/bin/env bash
# CPU per unchanged poll of a running git-sync (its own CPU plus every git child it waited
# for, from /proc/PID/stat), and the git commands one unchanged poll runs (from -v 5 logs).
# Usage: poll-cost.sh REPO_URL [SECONDS] [PERIOD] [EXTRA GIT-SYNC FLAGS...]
set -euo pipefail
repo=$1 seconds=${2:-30} period=${3:-100ms}
extra=("${@:4}")
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-bench.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
"$bin" --repo="$repo" --root="$work/root" --link=link --period="$period" -v 5 \
  --http-bind=127.0.0.1:$port --http-metrics "${extra[@]}" 2> "$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "127.0.0.1:$port/" >/dev/null; do sleep 0.1; done
sleep 1
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$pid/stat"; }
noops() { curl -s "127.0.0.1:$port/metrics" | awk '/^git_sync_count_total\{status="noop"\}/ {print $2}'; }
hz=$(getconf CLK_TCK)
cmds() { grep -c '"running command"' "$work/log"; }
t0=$(ticks); n0=$(noops); n0=${n0:-0}; c0=$(cmds)
sleep "$seconds"
t1=$(ticks); n1=$(noops); c1=$(cmds)
polls=$(( ${n1%.*} - ${n0%.*} ))
echo "unchanged polls: $polls in ${seconds}s"
awk -v t=$((t1 - t0)) -v hz=$hz -v p=$polls 'BEGIN { printf "CPU per unchanged poll (git-sync + git children): %.4f s\n", t / hz / p; printf "CPU per 1000 unchanged polls: %.2f s\n", t / hz / p * 1000 }'
echo "git commands of the last unchanged poll:"
grep '"running command"' "$work/log" | tail -n 1 | sed 's/.*"cmd":"\([^"]*\)".*/  \1/'
awk -v c=$((c1 - c0)) -v p=$polls 'BEGIN { printf "git processes per unchanged poll: %.2f\n", c / p }'
echo "VmRSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"

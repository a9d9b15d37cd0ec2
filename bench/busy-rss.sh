#!/usr/bin/env bash
# RSS of git-sync under a busy load, as a time series: --period=100ms on a small local repo,
# /metrics scraped every second, a new commit every 2 s, no cgroup limit.
# Prints VmRSS every SAMPLE seconds, then a breakdown (bench/rss-breakdown.sh) at the end.
# Usage: busy-rss.sh [SECONDS] [SAMPLE] [extra flags...]   (defaults: 300 s, every 10 s)
set -euo pipefail
seconds=${1:-300} sample=${2:-10}; shift 2 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-busy.XXXXXX)
port=${PORT:-$(( 20000 + RANDOM % 20000 ))}
git init -q -b main "$work/repo"
git -C "$work/repo" config user.name bench
git -C "$work/repo" config user.email bench@example.invalid
echo 0 > "$work/repo/file"
git -C "$work/repo" add file
git -C "$work/repo" commit -qm 0
"$bin" --repo="file://$work/repo" --root="$work/root" --link=link --period=100ms \
  --http-bind="127.0.0.1:$port" --http-metrics --http-pprof "$@" 2>/dev/null &
pid=$!
loaders=()
trap 'kill "${loaders[@]}" $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "127.0.0.1:$port/" >/dev/null; do sleep 0.1; done
( while :; do curl -s "127.0.0.1:$port/metrics" >/dev/null; sleep 1; done ) &
loaders+=($!)
( i=0; while :; do sleep 2; i=$((i + 1)); echo "$i" > "$work/repo/file"; git -C "$work/repo" commit -qam "$i"; done ) &
loaders+=($!)
start=$(date +%s)
echo "t_s VmRSS_kB"
while :; do
  now=$(( $(date +%s) - start ))
  echo "$now $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")"
  [ "$now" -ge "$seconds" ] && break
  sleep "$sample"
done
echo "updates published: $(curl -s "127.0.0.1:$port/metrics" | awk '/^git_sync_count_total\{status="success"\}/ {print $2}')"
"$here/rss-breakdown.sh" "$pid" "$port"

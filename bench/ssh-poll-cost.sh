#!/usr/bin/env bash
# What an unchanged poll over SSH costs the git server (sshd and the git-upload-pack it runs)
# and git-sync (its own CPU plus its git and ssh children).
# Usage: ssh-poll-cost.sh [REPO_DIR] [SECONDS] [PERIOD] [extra git-sync flags...]
# REPO_DIR defaults to a fresh one-file repository. A real sshd on 127.0.0.1 serves it
# (bench/sshd-lib.sh); git-sync syncs it once, then the server's CPU is read over SECONDS
# seconds of unchanged polls at PERIOD (default 1s), counted from git_sync_count_total{noop}.
set -euo pipefail
repo=${1:-} seconds=${2:-30} period=${3:-1s}
shift 3 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-sshcost.XXXXXX)
. "$here/sshd-lib.sh"
if [ -z "$repo" ]; then
  repo=$work/repo
  git init -q -b main "$repo"
  echo 1 > "$repo/file"
  git -C "$repo" add file
  git -C "$repo" -c user.name=b -c user.email=b@example.invalid commit -qm 1
fi
start_sshd "$work/sshd"
port=$(( 20000 + RANDOM % 20000 ))
"$bin" --repo="ssh://$SSH_USER@127.0.0.1:$SSHD_PORT$repo" --ssh-key-file="$SSH_KEY" \
  --ssh-known-hosts-file="$SSH_KNOWN_HOSTS" --root="$work/root" --link=link --period="$period" \
  --http-bind=127.0.0.1:$port --http-metrics "$@" 2> "$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; stop_sshd; rm -rf "$work"' EXIT
until curl -sf "127.0.0.1:$port/" >/dev/null; do sleep 0.1; done
sleep 2
noops() { curl -s "127.0.0.1:$port/metrics" | awk '/^git_sync_count_total\{status="noop"\}/ {print $2}'; }
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
s0=$(sshd_tree_cpu_seconds); n0=$(noops); n0=${n0:-0}; t0=$(ticks)
sleep "$seconds"
s1=$(sshd_tree_cpu_seconds); n1=$(noops); t1=$(ticks)
polls=$(( ${n1%.*} - ${n0%.*} ))
echo "unchanged polls over SSH: $polls in ${seconds}s at --period=$period"
awk -v s0="$s0" -v s1="$s1" -v p="$polls" 'BEGIN { printf "server CPU (sshd + git-upload-pack) per unchanged poll: %.1f ms\n", (s1 - s0) * 1000 / p }'
awk -v t=$((t1 - t0)) -v hz="$hz" -v p="$polls" 'BEGIN { printf "git-sync CPU (own + git/ssh children) per unchanged poll: %.1f ms\n", t * 1000 / hz / p }'
echo "SSH connections the server accepted (whole run, first sync included): $(grep -c 'Accepted publickey' "$work/sshd/sshd.log" || true)"

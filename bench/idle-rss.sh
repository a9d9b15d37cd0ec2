#!/usr/bin/env bash
# Idle RSS (VmRSS and VmHWM from /proc/PID/status) of git-sync after SECONDS of unchanged
# polls on a small local repository, and where it goes (rss-breakdown.sh). Usage: idle-rss.sh [SECONDS] [PERIOD] [extra flags...]
set -euo pipefail
seconds=${1:-60} period=${2:-1s}; shift 2 || true
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-rss.XXXXXX)
git init -q -b main "$work/repo"
echo hello > "$work/repo/file"
git -C "$work/repo" add file
git -C "$work/repo" -c user.name=b -c user.email=b@example.invalid commit -qm one
"$bin" --repo="file://$work/repo" --root="$work/root" --period="$period" "$@" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
sleep "$seconds"
echo "after ${seconds}s at --period=$period $*: $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
# The breakdown; the GC's view too when the flags serve /debug/pprof/.
port=
for a in "$@"; do case $a in --http-bind=*) port=${a##*:} ;; esac; done
case " $* " in *" --http-pprof "*) ;; *) port= ;; esac
"$here/rss-breakdown.sh" "$pid" $port

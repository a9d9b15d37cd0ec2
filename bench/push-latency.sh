#!/usr/bin/env bash
# Commit-to-published-link latency on a small local repository.
#   push-latency.sh trigger [N] [extra flags...]  --period=1h; after each commit, one signed
#                                                 GitHub-style POST /trigger (curl)
#   push-latency.sh poll [N] [PERIOD] [extra...]  plain polling at --period=PERIOD (default 1s)
# Each of the N rounds waits a random 0-1000 ms (so commits fall at random points of the poll
# cycle and of git-sync's post-publish clean-up), commits, takes the time, sends the trigger (in
# trigger mode), then checks every ~2 ms, without starting a process, whether the link resolves
# to the new commit's tree.
# Prints p50/p95/mean/max in milliseconds (KEEP=1 keeps the work dir with samples and the log).
# SOURCE=<dir> syncs a clone of that repository (e.g. make-large-repo.sh's) instead of a one-file one.
# WARMUP=<k> runs k more rounds first and leaves them out of the figures (the first update of a
# process has no spare tree to recycle yet: a full checkout).
# TRANSPORT=ssh serves the repository through a real sshd on 127.0.0.1 (bench/sshd-lib.sh)
# instead of file://.
set -euo pipefail
mode=${1:?usage: push-latency.sh trigger|poll [N] [PERIOD]}
n=${2:-100}
shift 2 || shift $#
period=1h
if [ "$mode" = poll ]; then
  period=${1:-1s}
  shift || true
fi
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-push.XXXXXX)
port=${PORT:-9417}
secret=$(head -c 32 /dev/urandom | base64)

if [ -n "${SOURCE:-}" ]; then
  # SOURCE=<repo dir>: a copy of a (large) repository instead of the one-file one; each round
  # still changes the one file "file".
  git clone -q --branch main "$SOURCE" "$work/repo"
else
  git init -q -b main "$work/repo"
fi
git -C "$work/repo" config user.name bench
git -C "$work/repo" config user.email bench@example.invalid
echo 0 > "$work/repo/file"
git -C "$work/repo" add file
git -C "$work/repo" commit -qm 0
printf '%s\n' "$secret" > "$work/secret"

flags=(--repo="file://$work/repo" --root="$work/root" --link=link --period="$period")
if [ "${TRANSPORT:-file}" = ssh ]; then
  . "$here/sshd-lib.sh"
  start_sshd "$work/sshd"
  flags=(--repo="ssh://$SSH_USER@127.0.0.1:$SSHD_PORT$work/repo" --ssh-key-file="$SSH_KEY"
    --ssh-known-hosts-file="$SSH_KNOWN_HOSTS" --root="$work/root" --link=link --period="$period")
fi
if [ "$mode" = trigger ]; then
  flags+=(--http-bind="127.0.0.1:$port" --push-trigger-secret-file="$work/secret")
fi
"$bin" "${flags[@]}" "$@" 2>"$work/git-sync.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; if [ -n "${SSHD_PID:-}" ]; then stop_sshd; fi; if [ "${KEEP:-}" = 1 ]; then echo "work dir: $work" >&2; else rm -rf "$work"; fi' EXIT

# What GitHub sends for a push to the default branch; the signature covers the exact bytes.
body='{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"0000000000000000000000000000000000000000","repository":{"full_name":"bench/repo","default_branch":"main"}}'
signature=sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)

published() { local t; t=$(readlink "$work/root/link" 2>/dev/null) && [ "${t##*/}" = "$1" ]; }
# The timed wait forks nothing, so it takes no CPU from git-sync on a small machine: test -ef
# is a shell builtin (the link resolves to the new tree), and the nap is a read with a timeout
# on a FIFO nobody writes to.
mkfifo "$work/never"; exec 9<>"$work/never"
published_now() { [ "$work/root/link" -ef "$work/root/.worktrees/$1" ]; }
nap() { read -r -t "$1" -u 9 _ || true; }

first=$(git -C "$work/repo" rev-parse HEAD)
until published "$first"; do sleep 0.01; done

: > "$work/samples"
warmup=${WARMUP:-0}
for i in $(seq 1 $((n + warmup))); do
  sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
  echo "$i" > "$work/repo/file"
  git -C "$work/repo" commit -qam "$i"
  hash=$(git -C "$work/repo" rev-parse HEAD)
  start=$EPOCHREALTIME
  if [ "$mode" = trigger ]; then
    curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
      -H "X-Hub-Signature-256: $signature" --data-binary "$body" "http://127.0.0.1:$port/trigger"
  fi
  until published_now "$hash"; do nap 0.002; done
  end=$EPOCHREALTIME
  if [ "$i" -gt "$warmup" ]; then
    echo "$(( (${end/./} - ${start/./}) / 1000 ))" >> "$work/samples"
  fi
done

sort -n "$work/samples" | awk -v mode="$mode" -v period="$period" -v transport="${TRANSPORT:-file}" '
  { v[NR] = $1; sum += $1 }
  END {
    p50 = v[int((NR * 50 + 99) / 100)]; p95 = v[int((NR * 95 + 99) / 100)]
    printf "%s %s --period=%s: n=%d p50=%d ms p95=%d ms mean=%.0f ms max=%d ms\n", transport, mode, period, NR, p50, p95, sum / NR, v[NR]
  }'

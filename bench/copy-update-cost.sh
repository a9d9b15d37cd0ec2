#!/usr/bin/env bash
# What a copy-mode publish (--publish=copy) costs for a small change in a large repository:
# each run commits a change to N files, sends SIGHUP, and reports git-sync's own figure for
# the copy step (its "copy updated" log line: paths looked at, files written, milliseconds),
# plus the wall time from the signal to the marker naming the new commit (the whole sync:
# fetch, worktree build, copy).
# Usage: copy-update-cost.sh REPO_DIR [RUNS] [FILES_PER_CHANGE]
#   REPO_DIR  a local repository with a work tree (e.g. from make-large-repo.sh)
set -euo pipefail
repo=$(cd "$1" && pwd) runs=${2:-5} per=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-copy.XXXXXX)
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

echo "repository: $repo ($(git -C "$repo" ls-files | wc -l) files), $per files changed per commit"
"$bin" --repo="file://$repo" --root="$work/root" --link=copy --publish=copy --marker-file=marker \
  --period=1h --sync-timeout=30m --sync-on-signal=SIGHUP -v 1 2> "$work/log" &
pid=$!
until [ -s "$work/root/marker" ]; do sleep 0.05; done
grep '"msg":"copy updated"' "$work/log" | sed 's/.*"walk"/first publish (tree walk): "walk"/'

for run in $(seq 1 "$runs"); do
  git -C "$repo" ls-files | shuf -n "$per" | while read -r f; do echo "changed at $(date +%s.%N)" >> "$repo/$f"; done
  git -C "$repo" commit -q -a -m "bench: $per files"
  head=$(git -C "$repo" rev-parse HEAD)
  lines=$(wc -l < "$work/log")
  t0=$(date +%s.%N)
  kill -HUP $pid
  until [ "$(head -n 1 "$work/root/marker" 2>/dev/null)" = "$head" ]; do sleep 0.002; done
  t1=$(date +%s.%N)
  line=$(tail -n +$((lines + 1)) "$work/log" | grep '"msg":"copy updated"' | head -n 1)
  paths=$(sed 's/.*"paths":\([0-9]*\).*/\1/' <<< "$line")
  written=$(sed 's/.*"written":\([0-9]*\).*/\1/' <<< "$line")
  ms=$(sed 's/.*"ms":\([0-9]*\).*/\1/' <<< "$line")
  awk -v r="$run" -v p="$paths" -v w="$written" -v ms="$ms" -v t0="$t0" -v t1="$t1" 'BEGIN {
    printf "update %d: copy step %d ms (%d paths from git diff, %d files written); signal to marker %.2f s\n", r, ms, p, w, t1 - t0 }'
  # The copy must equal the commit.
  diff -r --no-dereference "$work/root/copy" "$work/root/.worktrees/$head" -x .git >/dev/null || { echo "copy differs from $head" >&2; exit 1; }
done

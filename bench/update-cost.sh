#!/usr/bin/env bash
# What publishing a one-file change costs: git-sync's whole update (CPU of git-sync and every
# git child from /proc/PID/stat; wall time from the sync signal to the new link, and to the end
# of the clean-up), each git command's share (from -v 5 log timestamps), and the same steps
# done by hand with git in a scratch repository at the same starting point.
# Usage: update-cost.sh REPO_DIR [RUNS] [GIT_GC]
#   REPO_DIR  a local repository with a work tree (e.g. from make-large-repo.sh); each run
#             commits a change to one of its files
#   RUNS      updates to measure (default 3)     GIT_GC  --git-gc for git-sync (default always)
set -euo pipefail
repo=$(cd "$1" && pwd) runs=${2:-3} gc=${3:-always}
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d -t gs-update.XXXXXX)
url=file://$repo
hz=$(getconf CLK_TCK)
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

# git-sync's CPU including every child it waited for, in seconds.
cpu() { awk -v hz="$hz" '{printf "%.3f", ($14+$15+$16+$17)/hz}' "/proc/$pid/stat"; }
# Waits for git-sync's "next sync" log line (written once the clean-up and gc after a sync
# are done) beyond line $1 of the log; prints its time of day.
next_sync_after() {
  until tail -n +$(($1 + 1)) "$work/log" | grep -q '"msg":"next sync"'; do sleep 0.005; done
  tail -n +$(($1 + 1)) "$work/log" | grep '"msg":"next sync"' | head -n 1 | sed 's/.*"ts":"[^ ]* \([0-9:.]*\)".*/\1/'
}
tod() { awk -v t="$1" 'BEGIN { split(t, a, ":"); printf "%.6f", a[1]*3600 + a[2]*60 + a[3] }'; }
commit_one() {
  local file
  file=$(git -C "$repo" ls-files | shuf -n 1)
  echo "changed at $(date +%s.%N)" >> "$repo/$file"
  git -C "$repo" commit -q -m "bench: change $file" -- "$file"
}
# /usr/bin/time in seconds: "wall user+sys".
timed() { /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" >/dev/null 2>&1; awk '{printf "%.2f %.2f", $1, $2+$3}' "$work/t"; }

echo "repository: $repo ($(git -C "$repo" ls-files | wc -l) files), git-sync --git-gc=$gc, depth 1"

# git-sync: one long-running process, each update triggered by SIGHUP. By hand: a scratch repo
# at the same starting point (depth 1, a tree of the current commit). Runs alternate between
# the two so that both see the same machine (disk and CPU noise on a shared VM is large).
"$bin" --repo="$url" --root="$work/root" --link=link --period=1h --sync-on-signal=SIGHUP \
  --git-gc="$gc" -v 5 2> "$work/log" &
pid=$!
until [ -L "$work/root/link" ]; do sleep 0.05; done
next_sync_after 0 >/dev/null
hand=$work/hand
git init -q "$hand"
git -C "$hand" fetch -q --depth 1 "$url" HEAD
# A branch at the fetched commit, so the next fetch tells the server what is here already.
git -C "$hand" update-ref HEAD FETCH_HEAD
git -C "$hand" worktree add -q --detach "$hand/.worktrees/0" FETCH_HEAD
git -C "$hand" worktree add -q --detach "$hand/.worktrees/in-place" FETCH_HEAD

for run in $(seq 1 "$runs"); do
  # ---- git-sync
  old=$(readlink "$work/root/link")
  commit_one
  # Start each measurement with no dirty pages left from the previous one.
  sync
  lines=$(wc -l < "$work/log")
  c0=$(cpu); s0=$(date +%T.%N)
  kill -HUP $pid
  until [ "$(readlink "$work/root/link")" != "$old" ]; do sleep 0.005; done
  s1=$(date +%T.%N); c1=$(cpu)
  s2=$(next_sync_after "$lines"); c2=$(cpu)
  awk -v r="$run" -v s0="$(tod "$s0")" -v s1="$(tod "$s1")" -v s2="$(tod "$s2")" -v c0="$c0" -v c1="$c1" -v c2="$c2" 'BEGIN {
    printf "git-sync update %d: published after %.2f s wall / %.2f s CPU; with clean-up %.2f s wall / %.2f s CPU\n",
      r, s1 - s0, c1 - c0, s2 - s0, c2 - c0 }'
  # Each step's wall time, from its log line to the next one: git commands ("running
  # command"), and git-sync's own work after publishing (removing the old tree's files).
  tail -n +$((lines + 1)) "$work/log" | grep -E '"running command"|"updated successfully"|"next sync"' |
    sed -e 's/.*"ts":"[^ ]* \([0-9:.]*\)".*"cmd":"[^ ]*git \([^"]*\)".*/\1 \2/' \
        -e 's/.*"ts":"[^ ]* \([0-9:.]*\)".*"msg":"updated successfully".*/\1 (publish, delete old tree)/' \
        -e 's/.*"ts":"[^ ]* \([0-9:.]*\)".*"msg":"next sync".*/\1 END/' |
    awk '
      function sec(t,  a) { split(t, a, ":"); return a[1]*3600 + a[2]*60 + a[3] }
      { t[NR] = sec($1); c[NR] = $2; if ($3 ~ /^(prune|add|expire|--soft|--hard|update|sync)$/) c[NR] = $2 " " $3 }
      $2 == "(publish," { c[NR] = "(publish, delete old tree)" }
      $2 == "END" { n = NR - 1; exit }
      END { for (i = 1; i <= n; i++) printf "    %-28s %6.3f s\n", c[i], t[i+1] - t[i] }'

  # ---- by hand: the same revision, the same steps git-sync takes
  sync
  read -r fw fc <<< "$(timed git -C "$hand" fetch --depth 1 --no-auto-gc "$url" HEAD)"
  git -C "$hand" update-ref HEAD FETCH_HEAD
  read -r aw ac <<< "$(timed git -C "$hand" worktree add --detach "$hand/.worktrees/$run" FETCH_HEAD)"
  read -r dw dc <<< "$(timed rm -rf "$hand/.worktrees/$((run - 1))")"
  git -C "$hand" worktree prune
  git -C "$hand" reflog expire --expire=all --all
  read -r gw gcpu <<< "$(timed git -C "$hand" gc)"
  # ... and, for scale, what moving an existing tree costs (O(changed files)).
  read -r iw ic <<< "$(timed git -C "$hand/.worktrees/in-place" checkout -q --detach FETCH_HEAD)"
  awk -v r="$run" -v fw="$fw" -v fc="$fc" -v aw="$aw" -v ac="$ac" -v dw="$dw" -v dc="$dc" -v gw="$gw" -v gc="$gcpu" -v iw="$iw" -v ic="$ic" 'BEGIN {
    printf "by hand %d: fetch --depth 1 + worktree add %.2f s wall / %.2f s CPU (fetch %.2f / %.2f, full checkout %.2f / %.2f); delete old tree %.2f / %.2f; gc %.2f / %.2f; all %.2f / %.2f\n",
      r, fw + aw, fc + ac, fw, fc, aw, ac, dw, dc, gw, gc, fw + aw + dw + gw, fc + ac + dc + gc
    printf "    (checkout of the new commit in an existing tree: %.2f s wall / %.2f s CPU)\n", iw, ic }'
  sync
done

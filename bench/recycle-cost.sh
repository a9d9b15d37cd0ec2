#!/usr/bin/env bash
# What publishing one update costs with a recycled tree, with a fresh tree, and with upstream
# git-sync v4's command sequence replayed (the way upstream-poll.sh replays its poll). The
# three variants run interleaved, one update each per round, on the same commits, so that a
# loaded machine slows them alike.
# Usage: recycle-cost.sh REPO_DIR [ROUNDS] [FILES_PER_UPDATE]
#   REPO_DIR  a local repository with a work tree (e.g. from make-large-repo.sh); each round
#             commits a change to FILES_PER_UPDATE (default 5) of its files
# Per variant and round: wall and CPU (git-sync + every git child it waited for, from
# /proc/PID/stat; /usr/bin/time for the replay) from the trigger to the new link ("publish"),
# and to the end of the clean-up ("whole": old tree removed, prune, reflog expire, gc, and for
# the recycling one the new spare's background check), and
# the peak RSS of the whole process tree (git-sync and its children, sampled from ps).
set -euo pipefail
repo=$(cd "$1" && pwd) rounds=${2:-5} nfiles=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
work=$(mktemp -d "${TMPDIR:-/tmp}/gs-recycle.XXXXXX")
url=file://$repo
hz=$(getconf CLK_TCK)
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

cpu() { awk -v hz="$hz" '{printf "%.3f", ($14+$15+$16+$17)/hz}' "/proc/$1/stat"; }
now() { echo "$EPOCHREALTIME"; }
# A sleep that starts no process (a read with a timeout on a FIFO nobody writes to): the
# waiting loops below must not take CPU from the git-sync they measure on a 2-core machine.
mkfifo "$work/never"; exec 9<>"$work/never"
nap() { read -r -t "$1" -u 9 _ || true; }
# Peak summed RSS (MB) of process $1 and its descendants, sampled until file $2 appears.
peak_rss() {
  local root=$1 stop=$2 peak=0 cur
  while [ ! -e "$stop" ]; do
    cur=$(ps -e -o pid=,ppid=,rss= | awk -v r="$root" '
      { parent[$1] = $2; rss[$1] = $3 }
      END { for (p in parent) { q = p; while (q != "" && q != 0 && q != r) q = parent[q]; if (q == r) s += rss[p] } print s + 0 }')
    [ "$cur" -gt "$peak" ] && peak=$cur
    nap 0.02
  done
  echo "$peak" > "$stop.peak"
}
commit_some() {
  local f
  for f in $(git -C "$repo" ls-files | shuf -n "$nfiles"); do
    echo "changed at $(now)" >> "$repo/$f"
  done
  git -C "$repo" commit -q -am "bench: $nfiles files"
}
trash_empty() { [ -z "$(ls -A "$1/.git/git-sync-trash" 2>/dev/null)" ]; }

echo "repository: $repo ($(git -C "$repo" ls-files | wc -l) files), $nfiles files per update, $rounds rounds, load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# Two long-running git-syncs, one recycling, one building fresh trees; each update is a SIGHUP.
start_gitsync() {
  local name=$1; shift
  "$bin" --repo="$url" --root="$work/$name" --link=link --period=1h --sync-on-signal=SIGHUP -v 3 "$@" 2> "$work/$name.log" &
  pids+=($!)
  eval "pid_$name=$!"
}
start_gitsync recycle --recycle-worktrees=true
start_gitsync fresh --recycle-worktrees=false
for name in recycle fresh; do
  until [ -L "$work/$name/link" ] && grep -q '"msg":"next sync"' "$work/$name.log"; do sleep 0.05; done
done
# The replay's root: the same layout, made by one git-sync run.
"$bin" --repo="$url" --root="$work/upstream" --link=link --one-time --recycle-worktrees=false 2>/dev/null
# A first update for the recycling one, so that it has a spare from here on (steady state).
commit_some
for name in recycle fresh; do
  eval "p=\$pid_$name"; old=$(readlink "$work/$name/link"); kill -HUP "$p"
  until [ "$(readlink "$work/$name/link")" != "$old" ]; do sleep 0.01; done
done
"$here/upstream-update.sh" "$work/upstream" "$url" HEAD >/dev/null 2>&1
sleep 2

measure_gitsync() {
  local name=$1 round=$2 p new lines c0 t0 c1 t1 c2 t2 stop
  eval "p=\$pid_$name"
  new=$(git -C "$repo" rev-parse HEAD)
  lines=$(wc -l < "$work/$name.log")
  stop=$work/stop-$name-$round
  peak_rss "$p" "$stop" &
  sync
  c0=$(cpu "$p"); t0=$(now)
  kill -HUP "$p"
  # test -ef is a shell builtin: the loop forks nothing until the link resolves to the new tree.
  until [ "$work/$name/link" -ef "$work/$name/.worktrees/$new" ]; do nap 0.002; done
  t1=$(now); c1=$(cpu "$p")
  # The clean-up ends with the new spare's check, in the background (recycle only; -v 2 lines).
  local done_re='"msg":"next sync"'
  [ "$name" = recycle ] && done_re='"msg":"spare worktree (is clean|needs a full update|check stopped)"'
  until tail -n +$((lines + 1)) "$work/$name.log" | grep -Eq "$done_re" && trash_empty "$work/$name"; do nap 0.02; done
  t2=$(now); c2=$(cpu "$p")
  touch "$stop"; wait
  printf '%s %d publish %.3f %.3f whole %.3f %.3f peak_mb %.1f\n' "$name" "$round" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)" "$(echo "$t2 - $t0" | bc)" "$(echo "$c2 - $c0" | bc)" \
    "$(echo "$(cat "$stop.peak") / 1024" | bc -l)"
}
measure_upstream() {
  local round=$1 stop=$work/stop-upstream-$round s
  sync
  /usr/bin/time -f '%e %U %S' -o "$work/t-upstream" "$here/upstream-update.sh" "$work/upstream" "$url" HEAD > "$work/u-out" 2>/dev/null &
  s=$!
  peak_rss "$s" "$stop" &
  wait "$s"
  touch "$stop"; wait
  # upstream-update.sh prints the wall and CPU (its children's, from /proc) up to the publish.
  read -r pw pc < "$work/u-out"
  awk -v r="$round" -v pw="$pw" -v pc="$pc" -v m="$(cat "$stop.peak")" '{ printf "upstream %d publish %.3f %.3f whole %.3f %.3f peak_mb %.1f\n", r, pw, pc, $1, $2 + $3, m / 1024 }' "$work/t-upstream"
}

: > "$work/results"
for round in $(seq 1 "$rounds"); do
  commit_some
  # Rotate the order each round: no variant always goes first after the commit.
  case $((round % 3)) in
    0) order="recycle fresh upstream" ;;
    1) order="fresh upstream recycle" ;;
    2) order="upstream recycle fresh" ;;
  esac
  for v in $order; do
    if [ "$v" = upstream ]; then measure_upstream "$round"; else measure_gitsync "$v" "$round"; fi | tee -a "$work/results"
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians (s): variant publish-wall publish-cpu whole-wall whole-cpu peak-MB"
for v in recycle fresh upstream; do
  for col in 4 5 7 8 10; do
    grep "^$v " "$work/results" | awk -v c="$col" '{print $c}' | sort -n | awk '{ v[NR] = $1 } END { printf "%s ", v[int((NR + 1) / 2)] }'
  done | awk -v v="$v" '{ printf "%-9s %s\n", v, $0 }'
done | tee "$work/medians"
awk '
  $1 == "recycle" { rw = $2; rc = $3 } $1 == "fresh" { fw = $2; fc = $3 } $1 == "upstream" { uw = $2; uc = $3 }
  END { printf "recycle / upstream per publish: wall %.3fx, CPU %.3fx; recycle / fresh: wall %.3fx, CPU %.3fx\n", rw / uw, rc / uc, rw / fw, rc / fc }' "$work/medians"

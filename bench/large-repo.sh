#!/usr/bin/env bash
# Large repository vs tiny repository, both made by make-large-repo.sh:
#  (a) the CPU of one unchanged poll (poll-cost.sh) on each: it must not grow with the repo;
#  (b) the cost of publishing a one-file change (update-cost.sh) on each, next to the same
#      git steps done by hand.
# Usage: large-repo.sh [DIR] [POLL_SECONDS] [UPDATE_RUNS]
# DIR holds the two source repositories (default /tmp/gs-bench-repos; created if missing, and
# update-cost.sh commits to them). Set TMPDIR to put git-sync's roots on another file system
# (bench/README.md explains why the figures there use a tmpfs).
set -euo pipefail
dir=${1:-/tmp/gs-bench-repos} seconds=${2:-20} runs=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$dir/large/.git" ] || "$here/make-large-repo.sh" "$dir/large" 50000 2000
[ -d "$dir/tiny/.git" ] || "$here/make-large-repo.sh" "$dir/tiny" 10 10
for repo in large tiny; do
  echo "=== (a) unchanged poll, $repo repository"
  "$here/poll-cost.sh" "file://$dir/$repo" "$seconds" 100ms
done
for repo in large tiny; do
  echo "=== (b) one-file update, $repo repository"
  "$here/update-cost.sh" "$dir/$repo" "$runs"
done

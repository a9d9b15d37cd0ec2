#!/usr/bin/env bash
# Replays the git commands upstream git-sync v4 runs on every unchanged poll (spec §2-§3),
# against a root that git-sync has already synced. Usage: upstream-poll.sh ROOT REPO_URL REF
set -euo pipefail
root=$1 repo=$2 ref=${3:-HEAD}
wt=$(readlink -f "$root/$(ls -A "$root" | grep -v '^\.' | head -n 1)")
cd "$root"
git rev-parse --show-toplevel >/dev/null
git fsck --connectivity-only --no-progress >/dev/null
git remote get-url origin >/dev/null
git fetch "$repo" "$ref" --verbose --no-progress --prune --no-auto-gc --depth 1 >/dev/null 2>&1
git rev-parse 'FETCH_HEAD^{}' >/dev/null
cd "$wt"
git rev-parse HEAD >/dev/null
git fsck --connectivity-only --no-progress >/dev/null

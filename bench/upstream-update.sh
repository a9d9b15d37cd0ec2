#!/usr/bin/env bash
# Replays the git commands upstream git-sync v4 runs for one update (its poll, see
# upstream-poll.sh, then a fresh worktree, the link swap and the clean-up; spec §2-§3), against
# a root laid out as git-sync lays it out. Prints "<wall> <cpu>" in seconds up to the moment the
# link moved (CPU: this script and every git it waited for, from /proc); the clean-up follows.
# Usage: upstream-update.sh ROOT REPO_URL REF
set -euo pipefail
root=$1 repo=$2 ref=${3:-HEAD}
hz=$(getconf CLK_TCK)
t0=$(date +%s.%N)
cd "$root"
old=$(readlink -f "$root/link")
git rev-parse --show-toplevel >/dev/null
git fsck --connectivity-only --no-progress >/dev/null
git remote get-url origin >/dev/null
git fetch "$repo" "$ref" --verbose --no-progress --prune --no-auto-gc --depth 1 >/dev/null 2>&1
hash=$(git rev-parse 'FETCH_HEAD^{}')
git -C "$old" rev-parse HEAD >/dev/null
git -C "$old" fsck --connectivity-only --no-progress >/dev/null
git reset --soft "$hash" --
new=$root/.worktrees/$hash
rm -rf "$new"
git worktree add --force --detach "$new" "$hash" --no-checkout >/dev/null 2>&1
echo "gitdir: ../../.git/worktrees/$hash" > "$new/.git"
git -C "$new" reset --hard "$hash" -- >/dev/null
git -C "$new" submodule update --init --recursive --depth 1 >/dev/null
ln -s ".worktrees/$hash" "$root/.link.tmp"
mv -T "$root/.link.tmp" "$root/link"
t1=$(date +%s.%N)
awk -v hz="$hz" -v w="$(echo "$t1 - $t0" | bc)" '{ printf "%.3f %.3f\n", w, ($14 + $15 + $16 + $17) / hz }' "/proc/$BASHPID/stat"
# Clean-up, as upstream does it after every update (--git-gc=always).
rm -rf "$old"
git worktree prune --verbose >/dev/null 2>&1
git reflog expire --expire-unreachable=all --all
git -c gc.pruneExpire=now gc --quiet

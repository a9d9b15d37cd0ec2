#!/usr/bin/env bash
# One command, offline: build git-sync, make a small demo repository in a temp dir, sync it
# once, and show what a consumer sees. Then make a second commit and sync again to show the
# link moving atomically to the new revision.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh

demo=$(mktemp -d -t git-sync-demo.XXXXXX)
repo="$demo/site"
root="$demo/root"
git init -q -b main "$repo"
echo "<h1>hello from git-sync</h1>" > "$repo/index.html"
git -C "$repo" add index.html
git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit -qm "first page"

echo "== syncing file://$repo into $root (one time)"
./dist/git-sync --repo="file://$repo" --root="$root" --link=html --one-time
echo "== $root/html -> $(readlink "$root/html")"
echo "== $root/html/index.html:"
cat "$root/html/index.html"

echo "<h1>second revision</h1>" > "$repo/index.html"
git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit -qam "second page"
./dist/git-sync --repo="file://$repo" --root="$root" --link=html --one-time
echo "== after a new commit: $root/html -> $(readlink "$root/html")"
cat "$root/html/index.html"
echo "== demo files are in $demo (remove with: rm -rf $demo)"

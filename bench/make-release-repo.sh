#!/usr/bin/env bash
# A repository with N release tags (every other one annotated) on N commits, for measuring
# --ref-semver's poll: bench/make-release-repo.sh DIR [N]
set -euo pipefail
dir=$1 n=${2:-1000}
rm -rf "$dir"
git init -q -b main "$dir"
cd "$dir"
git config user.name bench
git config user.email bench@example.com
for i in $(seq 1 "$n"); do
  echo "$i" > version
  git add version
  git commit -q -m "release $i"
  if (( i % 2 )); then git tag "v1.$(( i / 100 )).$(( i % 100 ))"; else git tag -a -m "release $i" "v1.$(( i / 100 )).$(( i % 100 ))"; fi
done
echo "$dir: $(git tag | wc -l) tags"

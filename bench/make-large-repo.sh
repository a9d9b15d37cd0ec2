#!/usr/bin/env bash
# Creates a synthetic repository with many files and commits (default 50,000 files, 2,000
# commits) using git fast-import. Usage: make-large-repo.sh DIR [FILES] [COMMITS]
set -euo pipefail
dir=${1:?usage: make-large-repo.sh DIR [FILES] [COMMITS]}
files=${2:-50000}
commits=${3:-2000}
rm -rf "$dir"
git init -q -b main "$dir"
awk -v files="$files" -v commits="$commits" 'BEGIN {
  t = 1700000000
  print "commit refs/heads/main"
  print "mark :1"
  print "committer Bench <bench@example.invalid> " t " +0000"
  print "data 7"; print "initial"
  for (i = 0; i < files; i++) {
    path = sprintf("d%03d/f%05d.txt", i % 500, i)
    body = sprintf("file %d\nline two of file %d\n", i, i)
    print "M 644 inline " path
    print "data " length(body); printf "%s", body
  }
  for (c = 2; c <= commits; c++) {
    print "commit refs/heads/main"
    print "mark :" c
    print "committer Bench <bench@example.invalid> " (t + c) " +0000"
    msg = "commit " c
    print "data " length(msg); print msg
    print "from :" (c - 1)
    for (k = 0; k < 3; k++) {
      i = (c * 7 + k * 13) % files
      path = sprintf("d%03d/f%05d.txt", i % 500, i)
      body = sprintf("file %d changed in commit %d\n", i, c)
      print "M 644 inline " path
      print "data " length(body); printf "%s", body
    }
  }
}' | git -C "$dir" fast-import --quiet
git -C "$dir" reset -q --hard main
echo "$dir: $(git -C "$dir" ls-files | wc -l) files, $(git -C "$dir" rev-list --count HEAD) commits" >&2

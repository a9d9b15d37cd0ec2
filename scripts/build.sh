#!/usr/bin/env bash
# Builds the native git-sync executable into dist/git-sync.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/GitSync/GitSync.csproj -c Release -o dist -p:SourceRevisionId="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" --nologo -v quiet "$@" >&2
rm -f dist/*.dbg
echo "built $(pwd)/dist/git-sync" >&2

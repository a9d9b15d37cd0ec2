#!/usr/bin/env bash
# Regenerates docs/flags.md from the flag table (via git-sync --help). A unit test fails when
# the file is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Flag reference"
  echo
  echo "Generated from the flag table (\`src/GitSync/Cli/FlagTable.cs\`) by \`scripts/gen-flags-doc.sh\`;"
  echo "the same table drives parsing, environment binding, \`--help\` and \`--man\`."
  echo
  echo '```'
  ./dist/git-sync --help
  echo '```'
} > docs/flags.md

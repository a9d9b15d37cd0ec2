#!/usr/bin/env bash
# Where the resident memory of a running process goes, from /proc/PID/smaps:
#   code+rodata  pages of the executable file (machine code, read-only data, type metadata)
#   bss          the anonymous mapping right after the executable (its zero-initialised data,
#                which NativeAOT fills with rehydrated runtime structures at start-up)
#   libs         pages of shared libraries (libc, libm, ld.so)
#   stacks       thread stacks ([stack] and the 8 MiB anonymous mappings glibc gives threads)
#   other anon   the rest of anonymous memory: the GC heap and native allocations
# plus VmRSS, the thread count, and the GC's own view (committed bytes, heap size, collections)
# when PORT is given and the process serves /debug/pprof/ (--http-pprof).
# Usage: rss-breakdown.sh PID [PORT]
set -euo pipefail
pid=$1 port=${2:-}
exe=$(readlink "/proc/$pid/exe")
awk -v exe="$exe" '
  /^[0-9a-f]+-[0-9a-f]+ / {
    split($1, r, "-"); path = (NF >= 6) ? $6 : ""
    if (path == exe) kind = "binary"
    else if (path == "" && prev == exe && r[1] == prev_end) kind = "bss"
    else if (path ~ /^\//) kind = "libs"
    else if (path == "[stack]") kind = "stack"
    else kind = "anon"
    prev = (kind == "bss") ? "" : path; prev_end = r[2]
    next
  }
  /^Size:/ { if (kind == "anon" && $2 == 8192) kind = "stack" }
  /^Rss:/ { rss[kind] += $2 }
  END {
    printf "code+rodata %.1f MB, bss %.1f MB, libs %.1f MB, stacks %.1f MB, other anon (GC heap, native) %.1f MB\n",
      rss["binary"] / 1024, rss["bss"] / 1024, rss["libs"] / 1024, rss["stack"] / 1024, rss["anon"] / 1024
  }' "/proc/$pid/smaps"
awk '/^(VmRSS|VmHWM|RssAnon|RssFile|Threads):/ { printf "%s %s%s ", $1, $2, ($3 ? " " $3 : "") } END { print "" }' "/proc/$pid/status"
if [ -n "$port" ]; then
  curl -s "127.0.0.1:$port/debug/pprof/" | awk -F': ' '
    /^gc_committed_bytes/ { printf "gc committed %.1f MB, ", $2 / 1048576 }
    /^gc_heap_size_bytes/ { printf "gc heap %.1f MB, ", $2 / 1048576 }
    /^gc_collections_gen0/ { printf "gen0 collections %s, ", $2 }
    /^gc_collections_gen2/ { printf "gen2 collections %s", $2 }
    END { print "" }'
fi

#!/usr/bin/env bash
# A fleet of git-sync replicas against one real smart-HTTP git server (nginx + fcgiwrap +
# git http-backend, as the tests use): what the fleet costs the server, and how fast a push
# reaches every replica through the push trigger's fan-out (--push-trigger-peers).
#
# Usage: fleet.sh [N] [PUSHES] [POLL_SECONDS] [QUIET_SECONDS] [UPSTREAM_POLLS]
#   N               replicas (default 20)
#   PUSHES          pushes in the latency phase (default 20)
#   POLL_SECONDS    length of phase (a) (default 180)
#   QUIET_SECONDS   length of phase (b), push mode without pushes (default 300 = one safety period)
#   UPSTREAM_POLLS  upstream poll replays in phase (c) (default 40)
# Environment:
#   REPO     source repository (default /tmp/gs-fleet/large, made by make-large-repo.sh with
#            50,000 files and 2,000 commits when missing); the pushes commit to it
#   ROOTS    where the replicas' roots go (default a fresh dir in /dev/shm: see bench/README.md,
#            "Why tmpfs"); N worktrees of the repository must fit
#   PHASES   which phases to run, in this order (default "poll quiet push upstream")
#   GITSYNC_BIN, KEEP=1 (keep the work dir and the logs)
#
# Phases:
#   (a) poll     every replica polls at --period=10s (no trigger); server CPU over POLL_SECONDS
#   (b) quiet    push mode: --period=5m safety poll, trigger and fan-out on, no pushes; server
#                CPU over QUIET_SECONDS
#   (d) push     PUSHES commits, each announced by one signed GitHub-style webhook to one replica
#                (a different one each time, as a Service would pick); time until every replica
#                publishes (bench/fleet-push.py), server CPU per push
#   (c) upstream upstream git-sync v4's per-poll git sequence (bench/upstream-poll.sh) replayed
#                on the replicas' roots, replicas stopped; server CPU per replay
# Server CPU is the server's cpuacct cgroup: nginx, fcgiwrap and every git-http-backend,
# git-upload-pack and pack-objects they ran, whatever the rest of the machine does. (Summing
# /proc times of the server's process tree is no substitute: the CPU of fcgiwrap's reaped
# children does not show up in its cutime, and it undercounted tenfold.) The replicas run in
# a cgroup of their own (client CPU, and "the fleet is idle" between pushes).
# On one machine all N replicas check a pushed commit out at the same moment on the same cores,
# so push-to-published grows with N x the checkout's CPU (a 50,000-file worktree is seconds of
# it); in a cluster each pod has its own. The fan-out's own share is the delivery time
# fleet-push.py reports; REPO=<a small repository> PHASES=push measures latency without the
# checkout.
# Each replica runs in a private mount namespace whose /etc/hosts names all replicas
# fleet.bench.test: what a headless Service's DNS answers.
set -euo pipefail
n=${1:-20} pushes=${2:-20} poll_seconds=${3:-180} quiet_seconds=${4:-300} upstream_polls=${5:-40}
phases=${PHASES:-poll quiet push upstream}
here=$(cd "$(dirname "$0")" && pwd)
bin=${GITSYNC_BIN:-$here/../dist/git-sync}
repo=${REPO:-/tmp/gs-fleet/large}
[ -d "$repo/.git" ] || "$here/make-large-repo.sh" "$repo" 50000 2000
work=$(mktemp -d -p "${ROOTS:-/dev/shm}" gs-fleet.XXXXXX)
sport=$(( 20000 + RANDOM % 20000 )) gport=$(( 20000 + RANDOM % 20000 ))
name=fleet.bench.test
cg=/sys/fs/cgroup/cpuacct
server_cg=$cg/gs-fleet-$$-server client_cg=$cg/gs-fleet-$$-clients
mkdir "$server_cg" "$client_cg"
pids=()

cleanup() {
  stop_replicas
  # Everything in the server's cgroup: nginx, fcgiwrap and its preforked workers.
  for p in $(cat "$server_cg/cgroup.procs" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  for p in ${server_pids:-}; do wait "$p" 2>/dev/null || true; done
  local deadline=$((SECONDS + 10))
  while [ -n "$(cat "$server_cg/cgroup.procs" 2>/dev/null)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  rmdir "$server_cg" "$client_cg" 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then echo "work dir: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- the git server, in its own cgroup -----------------------------------------------------
backend=$(git --exec-path)/git-http-backend
mkdir -p "$work/server"
cat > "$work/server/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/server/nginx.pid;
error_log $work/server/error.log;
events { worker_connections 1024; }
http {
  access_log $work/server/access.log;
  client_body_temp_path $work/server/body;
  fastcgi_temp_path $work/server/fastcgi;
  proxy_temp_path $work/server/proxy;
  uwsgi_temp_path $work/server/uwsgi;
  scgi_temp_path $work/server/scgi;
  server {
    listen 127.0.0.1:$sport;
    location / {
      client_max_body_size 0;
      # N replicas fetch a push at the same moment; on a small loaded machine git-upload-pack
      # can queue past nginx's default 60 s and the fetch would fail with a 504.
      fastcgi_read_timeout 600s;
      fastcgi_pass unix:$work/server/fcgi.sock;
      fastcgi_param SCRIPT_FILENAME $backend;
      fastcgi_param GIT_PROJECT_ROOT /;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param GIT_CONFIG_NOSYSTEM 1;
      fastcgi_param PATH_INFO \$uri;
      fastcgi_param QUERY_STRING \$query_string;
      fastcgi_param REQUEST_METHOD \$request_method;
      fastcgi_param CONTENT_TYPE \$content_type;
      fastcgi_param CONTENT_LENGTH \$content_length;
      fastcgi_param GIT_PROTOCOL \$http_git_protocol;
    }
  }
}
EOF
# Run in the background only (it execs): $! is then the server process itself.
in_cgroup() { local group=$1; shift; exec sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$group" "$@"; }
in_cgroup "$server_cg" fcgiwrap -c 8 -s "unix:$work/server/fcgi.sock" 2> "$work/server/fcgiwrap.log" &
server_pids=$!
until [ -S "$work/server/fcgi.sock" ]; do sleep 0.1; done
in_cgroup "$server_cg" nginx -e "$work/server/error.log" -p "$work/server" -c "$work/server/nginx.conf" &
server_pids="$server_pids $!"
until curl -s -o /dev/null "http://127.0.0.1:$sport/"; do sleep 0.1; done
url="http://127.0.0.1:$sport$repo"

cpu_seconds() { awk '{ printf "%.3f\n", $1 / 1e9 }' "$1/cpuacct.usage"; }
metric_sum() { # metric_sum 'git_sync_count_total{status="noop"}': the sum over every replica
  local total=0 i v
  for i in $(seq 1 "$n"); do
    v=$(curl -s "http://127.0.0.$((i + 1)):$gport/metrics" | awk -v m="$1" 'index($0, m " ") == 1 { print $2 }')
    total=$(awk -v a="$total" -v b="${v:-0}" 'BEGIN { print a + b }')
  done
  echo "$total"
}

# --- the replicas --------------------------------------------------------------------------
{ echo "127.0.0.1 localhost"; for i in $(seq 1 "$n"); do echo "127.0.0.$((i + 1)) $name"; done; } > "$work/hosts"
secret=$(head -c 32 /dev/urandom | base64)
printf '%s\n' "$secret" > "$work/secret"
start_replicas() { # start_replicas FLAGS...: one git-sync per address, logs in $work/log-<i>
  local i
  pids=()
  for i in $(seq 1 "$n"); do
    # shellcheck disable=SC2016
    unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/hosts && echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
      "$work/hosts" "$client_cg" "$bin" --repo="$url" --root="$work/root-$i" --link=link --sync-timeout=10m --max-failures=-1 \
      --git-gc=auto --http-bind="127.0.0.$((i + 1)):$gport" --http-metrics "$@" 2>> "$work/log-$i" &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.$((i + 1)):$gport/")" = 200 ]; do sleep 0.5; done
  done
}
stop_replicas() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
# Waits until the replicas have used less than 5% of a core for 3 s in a row (start-up
# checkouts, clean-up of replaced worktrees), at most 10 minutes.
settle() {
  local a b deadline=$((SECONDS + 600))
  while [ $SECONDS -lt $deadline ]; do
    a=$(cat "$client_cg/cpuacct.usage"); sleep 3; b=$(cat "$client_cg/cpuacct.usage")
    [ $(( (b - a) / 3000000 )) -lt 50 ] && return 0
  done
}
measure() { # measure LABEL SECONDS: server CPU and syncs over a window of SECONDS
  local s0 n0 s1 n1 c0 c1
  s0=$(cpu_seconds "$server_cg"); c0=$(cpu_seconds "$client_cg")
  n0=$(metric_sum 'git_sync_count_total{status="noop"}')
  sleep "$2"
  s1=$(cpu_seconds "$server_cg"); c1=$(cpu_seconds "$client_cg")
  n1=$(metric_sum 'git_sync_count_total{status="noop"}')
  awk -v l="$1" -v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN{print b-a}')" \
    -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}')" -v p="$(awk -v a="$n0" -v b="$n1" 'BEGIN{print b-a}')" -v w="$2" -v n="$n" 'BEGIN {
      printf "%s: %d unchanged polls by %d replicas in %d s; server CPU %.2f s\n", l, p, n, w, s
      if (p > 0) printf "  server CPU per poll: %.1f ms\n", s * 1000 / p
      printf "  server CPU per replica-hour: %.2f s\n", s / n / w * 3600
      printf "  git-sync CPU (own + git children) per replica-hour: %.2f s\n", c / n / w * 3600
    }'
}

echo "fleet: $n replicas of $bin against $url ($(git -C "$repo" ls-files | wc -l) files); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for phase in $phases; do
  case $phase in
    poll)
      start_replicas --period=10s -v 1
      settle
      measure "(a) polling at --period=10s" "$poll_seconds"
      stop_replicas ;;
    quiet)
      start_replicas --period=5m --push-trigger-secret-file="$work/secret" --push-trigger-peers="$name:$gport" -v 1
      settle
      measure "(b) push mode, --period=5m safety poll, no pushes" "$quiet_seconds" ;;
    push)
      [ ${#pids[@]} -gt 0 ] || { start_replicas --period=5m --push-trigger-secret-file="$work/secret" --push-trigger-peers="$name:$gport" -v 1; settle; }
      s0=$(cpu_seconds "$server_cg"); n0=$(metric_sum 'git_sync_count_total{status="noop"}'); f0=$(metric_sum 'git_sync_count_total{status="success"}')
      python3 "$here/fleet-push.py" --replicas "$n" --port "$gport" --repo "$repo" --roots "$work" \
        --secret "$secret" --pushes "$pushes" --client-cgroup "$client_cg"
      s1=$(cpu_seconds "$server_cg"); n1=$(metric_sum 'git_sync_count_total{status="noop"}'); f1=$(metric_sum 'git_sync_count_total{status="success"}')
      awk -v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN{print b-a}')" -v p="$pushes" -v n="$n" \
        -v polls="$(awk -v a="$n0" -v b="$n1" 'BEGIN{print b-a}')" -v syncs="$(awk -v a="$f0" -v b="$f1" 'BEGIN{print b-a}')" 'BEGIN {
        printf "(d) server CPU during the pushes: %.2f s for %d pushes (%d publishing syncs, %d unchanged polls in the window)\n", s, p, syncs, polls
        printf "  server CPU per push and replica (polls in the window included): %.1f ms\n", s * 1000 / p / n
      }'
      stop_replicas ;;
    upstream)
      s0=$(cpu_seconds "$server_cg")
      for k in $(seq 1 "$upstream_polls"); do
        "$here/upstream-poll.sh" "$work/root-$(( (k - 1) % n + 1 ))" "$url" main
      done
      s1=$(cpu_seconds "$server_cg")
      awk -v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN{print b-a}')" -v k="$upstream_polls" 'BEGIN {
        printf "(c) upstream per-poll sequence replayed %d times: server CPU %.2f s\n", k, s
        printf "  server CPU per poll: %.1f ms; per replica-hour at --period=10s: %.1f s\n", s * 1000 / k, s / k * 360
      }' ;;
  esac
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

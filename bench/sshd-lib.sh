# Sourced by the SSH benchmarks: a real OpenSSH server (Debian's sshd) in the foreground on
# 127.0.0.1 with a fresh host key and one client key, public-key authentication only, logging
# in the user running the benchmark. After start_sshd DIR: SSHD_PID, SSHD_PORT, SSH_KEY,
# SSH_KNOWN_HOSTS, SSH_USER are set; stop_sshd kills it. Needs openssh-server and
# libnss-wrapper: sshd sees the user with /bin/sh as login shell and DIR as home (through
# nss_wrapper, nothing in /etc changes), as a git server's account would be. Without it, each
# session would run the benchmark user's own shell start-up files (on our machines root's
# ~/.bashrc initialises pyenv: ~3 s per SSH connection, more than everything else together).
start_sshd() {
  local dir=$1 attempt
  mkdir -p "$dir"
  ssh-keygen -q -t ed25519 -N '' -C host -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -C client -f "$dir/client_key"
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; fi
  local user uid gid
  user=$(id -un) uid=$(id -u) gid=$(id -g)
  grep -v "^$user:" /etc/passwd > "$dir/passwd"
  echo "$user:x:$uid:$gid:bench:$dir:/bin/sh" >> "$dir/passwd"
  SSH_KEY=$dir/client_key
  SSH_USER=$user
  for attempt in 1 2 3 4 5; do
    SSHD_PORT=$(( 30000 + RANDOM % 20000 ))
    cat > "$dir/sshd_config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PidFile none
LogLevel INFO
MaxStartups 100
CONF
    LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP=/etc/group \
      /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
    SSHD_PID=$!
    echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1-2 "$dir/host_key.pub")" > "$dir/known_hosts"
    SSH_KNOWN_HOSTS=$dir/known_hosts
    local i
    for i in $(seq 1 100); do
      if ! kill -0 "$SSHD_PID" 2>/dev/null; then break; fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null; then return 0; fi
      sleep 0.05
    done
    kill "$SSHD_PID" 2>/dev/null || true
  done
  echo "sshd did not start: $(cat "$dir/sshd.log")" >&2
  return 1
}

# CPU seconds used so far by sshd and every child it has reaped (per-connection sshd processes
# and the git-upload-pack they ran), from /proc/PID/stat (utime+stime+cutime+cstime).
sshd_cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15 + $16 + $17) / hz }' "/proc/$SSHD_PID/stat"
}

stop_sshd() {
  if [ -n "${SSHD_PID:-}" ]; then kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; fi
}

# CPU seconds of sshd's whole process tree: the listener, every live descendant (a shared
# connection's sshd stays alive across polls) and everything already reaped (cutime/cstime).
sshd_tree_cpu_seconds() {
  local pids
  pids=$(ps -eo pid=,ppid= | awk -v root="$SSHD_PID" '
    { parent[$1] = $2; all[NR] = $1 }
    END {
      for (i in all) {
        p = all[i]
        for (q = p; q != "" && q != 0 && q != 1; q = parent[q]) if (q == root) { print p; break }
      }
    }')
  local total=0 pid
  for pid in $pids; do
    local t
    t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$(( total + t ))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f\n", t / hz }'
}

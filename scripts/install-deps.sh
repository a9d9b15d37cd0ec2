#!/usr/bin/env bash
# Installs the Debian packages the build and the test suite need (idempotent: installs only what
# is missing, and does nothing when everything is there). Called by ./scripts/test.sh, so the
# README's test command works on a fresh machine by itself.
#
# Runs apt-get directly as root, through sudo when it works without a password prompt, and
# otherwise prints the command to run and fails. Set GITSYNC_SKIP_INSTALL=1 to skip it.
# --check: install nothing; list what is missing and exit 1 if anything is.
set -euo pipefail
check_only=0
if [ "${1:-}" = --check ]; then check_only=1; fi

# The one list. Add a package with a comment saying which tests need it.
packages=(
  git util-linux procps curl ca-certificates  # git; setsid/unshare/setpriv; /proc tools; HTTPS for NuGet
  gcc binutils libc6-dev zlib1g-dev           # the NativeAOT link step
  nginx fcgiwrap                              # smart-HTTP git server (tests/GitSync.Tests/TestServers/SmartHttpServer.cs)
  openssh-server openssh-client               # sshd serving git, ssh-keygen (SshServer.cs, signature tests)
  gnupg                                       # OpenPGP signature tests (Trust/)
  openssl                                     # the self-signed certificate of the TLS test server (TestServers/StaticHttpServer.cs)
  libnss-wrapper                              # a passwd entry for ssh as a UID without one (Strict/ tests, the image)
  inotify-tools                               # inotifywait: a watcher on --marker-file (EndToEnd/CopyModeTests.cs)
  podman runc mmdebstrap                      # the image test builds deploy/Dockerfile offline (scripts/image.sh)
)

if [ "${GITSYNC_SKIP_INSTALL:-0}" = 1 ] && [ "$check_only" = 0 ]; then
  exit 0
fi
if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: not a Debian-like system (no dpkg/apt-get); make sure these are installed: ${packages[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$check_only" = 1 ]; then
  echo "install-deps: missing: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-deps: the tests need these Debian packages, which are missing: ${missing[*]}" >&2
  echo "install-deps: install them as root with: apt-get install --no-install-recommends ${missing[*]}" >&2
  echo "install-deps: (or set GITSYNC_SKIP_INSTALL=1 to run the tests without them; the tests that need them will fail)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests start nginx and sshd themselves on free ports; keep the packages' install scripts
# from starting system services (there may be no init system, and port 80/22 may be taken).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  "${as_root[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy" && created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then "${as_root[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Builds the real deploy/Dockerfile with podman on a machine that has no registry to pull from
# (ours and CI's), and runs podman with the settings these machines need.
#
#   scripts/image.sh build [TAG]     build deploy/Dockerfile (default tag localhost/git-sync-dotnet:dev)
#   scripts/image.sh podman ARGS...  run podman with the same settings (e.g. podman run ...)
#
# What "offline" means here, step by step:
#  - The Debian base is made locally with mmdebstrap from the Debian mirror and imported as
#    docker.io/library/debian:bookworm-slim, the exact name the Dockerfile's FROM uses, then
#    built with --pull=never. Kept in podman's storage, so later runs reuse it.
#  - The build stage needs the .NET 10 SDK on Debian 12. Microsoft publishes no Debian image for
#    .NET 10, so the Dockerfile's default SDK stage installs it from Microsoft's Debian 12
#    package feed, which these machines can't reach (only Debian's, NuGet's and npm's registries
#    are reachable; `apt-cache policy dotnet-sdk-10.0` finds nothing in Debian's archive). So
#    this script builds a stand-in SDK image, localhost/dotnet-sdk-standin:10.0-bookworm, from
#    the same Debian base plus this machine's own SDK (/usr/share/dotnet) and the TLS proxy's CA
#    (the build stage restores NuGet packages through it; the CA never reaches the runtime
#    image, which is a separate stage on the plain Debian base), and passes it as SDK_IMAGE.
#  - The host's NuGet package cache is mounted into the build, so a restore downloads only
#    what the host has not.
# Podman itself needs runc (crun refuses these VMs' hybrid cgroup layout) and an open-file
# limit it may set (no CAP_SYS_RESOURCE here): both go into a containers.conf.
set -euo pipefail
cd "$(dirname "$0")/.."

debian=docker.io/library/debian:bookworm-slim
sdk=localhost/dotnet-sdk-standin:10.0-bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

conf=${TMPDIR:-/tmp}/git-sync-containers-$(id -u).conf
hard=$(ulimit -Hn)
cat > "$conf.new" <<CONF
[engine]
runtime = "runc"
[containers]
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
CONF
mv "$conf.new" "$conf"
export CONTAINERS_CONF=$conf

say() { echo "image.sh: $*" >&2; }

# The base recipe; its hash labels the image, so a changed recipe makes a new base.
debian_recipe=(
  --variant=minbase --format=tar --quiet
  # merged /usr the way debootstrap does it (else apt pulls in usrmerge, and perl with it)
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  # no man pages, docs or translations, as Debian's own slim image
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin'
  bookworm - "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
)
recipe_hash=$(printf '%s\n' "${debian_recipe[@]}" | sha256sum | cut -c1-16)

ensure_debian() {
  if [ "$(podman image inspect --format '{{ index .Labels "base.recipe" }}' "$debian" 2>/dev/null || true)" = "$recipe_hash" ]; then return; fi
  say "making $debian with mmdebstrap (once per recipe; kept in podman's storage)"
  local start=$SECONDS
  mmdebstrap "${debian_recipe[@]}" \
    | podman import --change 'CMD ["bash"]' --change "LABEL base.recipe=$recipe_hash" - "$debian" >/dev/null
  say "base image ready in $((SECONDS - start)) s: $(podman image inspect --format '{{.Size}}' "$debian" | awk '{printf "%.1f MB", $1 / 1e6}')"
}

ensure_sdk() {
  local version
  version=$(dotnet --version)
  local want
  want="$version $(podman image inspect --format '{{.Id}}' "$debian")"
  if [ "$(podman image inspect --format '{{ index .Labels "sdk.standin" }}' "$sdk" 2>/dev/null || true)" = "$want" ]; then return; fi
  say "making $sdk from this machine's .NET SDK $version (once per SDK version)"
  local start=$SECONDS ctx
  ctx=$(mktemp -d)
  cat > "$ctx/Containerfile" <<'CONTAINERFILE'
FROM docker.io/library/debian:bookworm-slim
ARG STANDIN
LABEL sdk.standin="$STANDIN"
# What Microsoft's dotnet-sdk-10.0 package depends on, then the SDK and the proxy's CA.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libicu72 libssl3 tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && cp -a /mnt/dotnet /usr/share/dotnet \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && (cp /mnt/ca/*.crt /usr/local/share/ca-certificates/ || true) && update-ca-certificates >/dev/null
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
CONTAINERFILE
  podman build --pull=never --quiet --build-arg STANDIN="$want" \
    -v "$(dirname "$(readlink -f "$(command -v dotnet)")"):/mnt/dotnet:ro" \
    -v /usr/local/share/ca-certificates:/mnt/ca:ro \
    -t "$sdk" "$ctx" >/dev/null
  rm -rf "$ctx"
  say "SDK stand-in ready in $((SECONDS - start)) s"
}

case "${1:-}" in
  build)
    tag=${2:-localhost/git-sync-dotnet:dev}
    ensure_debian
    ensure_sdk
    start=$SECONDS
    mkdir -p "$HOME/.nuget/packages"
    podman build --pull=never --layers \
      --build-arg SDK_IMAGE="$sdk" \
      --build-arg SOURCE_REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
      -v "$HOME/.nuget/packages:/root/.nuget/packages" \
      -f deploy/Dockerfile -t "$tag" . >&2
    say "built $tag in $((SECONDS - start)) s; $(podman image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1 / 1e6}')"
    ;;
  podman)
    shift
    exec podman "$@"
    ;;
  *)
    echo "usage: scripts/image.sh build [TAG] | podman ARGS..." >&2
    exit 2
    ;;
esac

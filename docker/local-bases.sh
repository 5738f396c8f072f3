#!/bin/bash
# Makes the images' base images from Debian packages alone, for machines that cannot pull from
# Docker Hub: debootstrap a minimal Debian root filesystem and import it into podman (or docker).
#   localhost/debian-jre:bookworm    runtime base (RUNTIME_IMAGE): OpenJDK 17 JRE, bash, CA certificates
#   localhost/debian-maven:bookworm  build base (BUILD_IMAGE, only with --build-base): JDK 17 + Maven
# Idempotent: an image that already exists is kept (--force makes it again).
# Needs root (debootstrap), podman or docker, and debootstrap (Debian: apt-get install podman runc debootstrap).
#   MIRROR  the Debian mirror (default: the one apt uses here, else http://deb.debian.org/debian)
#   SUITE   the Debian release (default: bookworm)
set -euo pipefail

SUITE="${SUITE:-bookworm}"
BUILD_BASE=0
FORCE=0
for a in "$@"; do
  case "$a" in
    --build-base) BUILD_BASE=1 ;;
    --force) FORCE=1 ;;
    -h | --help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      echo "usage: docker/local-bases.sh [--build-base] [--force]"
      exit 0
      ;;
    *) echo "local-bases.sh: unknown argument $a (try --help)" >&2; exit 2 ;;
  esac
done

say() { echo "local-bases: $*" >&2; }
die() { echo "local-bases: $*" >&2; exit 1; }

if command -v podman >/dev/null; then
  read -r -a FLAGS <<<"${PODMAN_FLAGS:---runtime runc --cgroup-manager cgroupfs}"
  ENGINE=(podman "${FLAGS[@]}")
elif command -v docker >/dev/null; then
  ENGINE=(docker)
else
  die "neither podman nor docker found (Debian: apt-get install podman runc)"
fi
command -v debootstrap >/dev/null || die "debootstrap not found (Debian: apt-get install debootstrap)"
[ "$(id -u)" = 0 ] || die "debootstrap needs root: run as root (or with sudo)"

# The mirror apt already uses (deb822 .sources or one-line .list), so no other host is contacted.
if [ -z "${MIRROR:-}" ]; then
  MIRROR="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
  [ -n "$MIRROR" ] || MIRROR="$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
fi

# make IMAGE PACKAGES: debootstrap, then import the tree as IMAGE.
make() {
  local image="$1" packages="$2"
  if [ "$FORCE" = 0 ]; then
    local rc=0 err
    err="$("${ENGINE[@]}" image inspect --format '{{.Id}}' "$image" 2>&1 >/dev/null)" || rc=$?
    if [ "$rc" = 0 ]; then
      say "$image exists, kept (--force to make it again)"
      return
    fi
    case "$err" in
      *"image not known"* | *"No such image"* | *"no such image"*) ;;
      *) die "${ENGINE[0]} does not work here: $(echo "$err" | tail -1) (PODMAN_FLAGS: e.g. '--runtime runc --cgroup-manager cgroupfs', apt-get install runc)" ;;
    esac
  fi
  local dir
  dir="$(mktemp -d /var/tmp/igd-rootfs.XXXXXX)"
  say "debootstrap $SUITE from $MIRROR with $packages into $dir (about a minute)"
  local t0=$SECONDS
  debootstrap --variant=minbase --include="$packages" "$SUITE" "$dir" "$MIRROR" >"$dir.log" 2>&1 ||
    { tail -20 "$dir.log" >&2; die "debootstrap failed (log above)"; }
  rm -f "$dir.log"
  # smaller and reproducible-ish: no apt lists or caches in the image
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/*
  say "importing $image ($(du -sh "$dir" | cut -f1))"
  tar -C "$dir" -c . | "${ENGINE[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
  rm -rf "$dir"
  say "$image made in $((SECONDS - t0)) s"
}

make localhost/debian-jre:"$SUITE" openjdk-17-jre-headless,ca-certificates
if [ "$BUILD_BASE" = 1 ]; then
  make localhost/debian-maven:"$SUITE" openjdk-17-jdk-headless,maven,ca-certificates
fi

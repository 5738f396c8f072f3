#!/bin/bash
# Builds the CPU image igd-stream:VERSION with podman (or docker where there is no podman).
#   docker/build.sh           from the fat jar built on this machine (app/target/igd.jar; built with
#                             Maven first if missing): docker/Dockerfile.runtime, no network needed
#   docker/build.sh --maven   the whole multi-stage docker/Dockerfile (Maven inside, Maven Central needed)
# Options: --tag NAME:TAG (default igd-stream:VERSION, VERSION from pom.xml without -SNAPSHOT),
#   --jar FILE, --force (build even when the image of this jar exists), --public-bases (Docker Hub
#   bases as in the Dockerfiles; default: the Debian-made ones of docker/local-bases.sh, made if missing).
# Environment: PODMAN_FLAGS (default: --runtime runc --cgroup-manager cgroupfs), ULIMITS (default:
#   --ulimit nofile=16384:16384 --ulimit nproc=4096:4096), MVN (default: mvn -B -q -o).
# The image is labelled with the SHA-256 of its inputs (jar, scripts, Dockerfile.runtime, base
# image id): the same inputs again reuse the image (it says so).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: $*" >&2; exit 1; }

MAVEN=0 FORCE=0 PUBLIC=0 TAG="" JAR=app/target/igd.jar
while [ $# -gt 0 ]; do
  case "$1" in
    --maven) MAVEN=1 ;;
    --force) FORCE=1 ;;
    --public-bases) PUBLIC=1 ;;
    --tag) TAG="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
  shift
done

VERSION="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
VERSION="${VERSION%-SNAPSHOT}"
[ -n "$VERSION" ] || die "no <version> in pom.xml"
TAG="${TAG:-igd-stream:$VERSION}"
read -r -a ULIMIT_ARGS <<<"${ULIMITS:---ulimit nofile=16384:16384 --ulimit nproc=4096:4096}"
if command -v podman >/dev/null; then
  read -r -a FLAGS <<<"${PODMAN_FLAGS:---runtime runc --cgroup-manager cgroupfs}"
  ENGINE=(podman "${FLAGS[@]}")
  # docker format: OCI images have no HEALTHCHECK, and podman drops it without this
  FORMAT=(--format docker)
elif command -v docker >/dev/null; then
  ENGINE=(docker)
  ULIMIT_ARGS=() FORMAT=()
else
  die "neither podman nor docker found (Debian: apt-get install podman runc debootstrap)"
fi

if [ "$PUBLIC" = 1 ]; then
  RUNTIME_IMAGE=eclipse-temurin:17-jre BUILD_IMAGE=""
else
  RUNTIME_IMAGE=localhost/debian-jre:bookworm BUILD_IMAGE=localhost/debian-maven:bookworm
  if [ "$MAVEN" = 1 ]; then docker/local-bases.sh --build-base; else docker/local-bases.sh; fi
  # the one place this machine may refuse containers: say which flag is missing
  if ! out="$("${ENGINE[@]}" run --rm --network none "${ULIMIT_ARGS[@]}" "$RUNTIME_IMAGE" true 2>&1)"; then
    case "$out" in
      *rlimit*) die "containers refused (rlimits): set ULIMITS below the hard limits, e.g. ULIMITS='--ulimit nofile=16384:16384 --ulimit nproc=4096:4096'" ;;
      *cgroup* | *"OCI runtime"*) die "containers refused (cgroups): set PODMAN_FLAGS='--runtime runc --cgroup-manager cgroupfs' (apt-get install runc)" ;;
      *) die "containers refused: $(echo "$out" | tail -1)" ;;
    esac
  fi
fi

t0=$SECONDS
if [ "$MAVEN" = 1 ]; then
  say "building $TAG with Maven inside (docker/Dockerfile; network for Maven Central)"
  FROM_ARGS=()
  [ -n "$BUILD_IMAGE" ] && FROM_ARGS=(--build-arg BUILD_IMAGE="$BUILD_IMAGE")
  "${ENGINE[@]}" build --network host "${FORMAT[@]}" "${ULIMIT_ARGS[@]}" "${FROM_ARGS[@]}" \
    --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" -f docker/Dockerfile -t "$TAG" .
else
  if [ ! -f "$JAR" ]; then
    read -r -a MVN_CMD <<<"${MVN:-mvn -B -q -o}"
    say "$JAR missing: ${MVN_CMD[*]} package -DskipTests"
    "${MVN_CMD[@]}" package -DskipTests
  fi
  SHA="$({ sha256sum "$JAR" docker/igd docker/igd-healthcheck docker/Dockerfile.runtime | cut -d' ' -f1
    "${ENGINE[@]}" image inspect --format '{{.Id}}' "$RUNTIME_IMAGE" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)"
  if [ "$FORCE" = 0 ] &&
    [ "$("${ENGINE[@]}" image inspect --format '{{index .Config.Labels "io.igdstream.inputs-sha256"}}' "$TAG" 2>/dev/null || true)" = "$SHA" ]; then
    say "$TAG exists with these inputs (sha256 ${SHA:0:12}): reused, not rebuilt (--force to rebuild)"
    exit 0
  fi
  CONTEXT="$(mktemp -d /var/tmp/igd-context.XXXXXX)"
  trap 'rm -rf "$CONTEXT"' EXIT
  cp "$JAR" "$CONTEXT/igd.jar"
  cp docker/igd docker/igd-healthcheck "$CONTEXT/"
  say "building $TAG from $JAR ($(du -h "$JAR" | cut -f1), sha256 ${SHA:0:12}) on $RUNTIME_IMAGE, without network"
  "${ENGINE[@]}" build --network none "${FORMAT[@]}" "${ULIMIT_ARGS[@]}" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
    --label io.igdstream.inputs-sha256="$SHA" -f docker/Dockerfile.runtime -t "$TAG" "$CONTEXT"
fi
SIZE="$("${ENGINE[@]}" image inspect --format '{{.Size}}' "$TAG")"
say "$TAG built in $((SECONDS - t0)) s, $((SIZE / 1000000)) MB"

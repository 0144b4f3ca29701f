#!/usr/bin/env bash
# Build the BitNexus image with podman (docs/deploy.md): `ops/container/build.sh [TAG]`.
#
# 1. Makes the Debian base image `localhost/debian:bookworm` with debootstrap when it is missing
#    (no registry needed), from the mirror apt already uses.
# 2. Builds ./Dockerfile, giving the build this machine's package sources: pip's configuration
#    files and the local directories they name (wheels such as torch's CPU build, file indexes),
#    and the system CA bundle (HTTPS through an intercepting proxy). Unchanged inputs reuse
#    podman's layer cache.
# 3. With BUILD_SERVICES=1, also the compose stack's Redis and Prometheus images (ops/container).
#
# The podman flags this kind of machine needs (runc, cgroupfs, ulimits, host network) are in
# PODMAN / PODMAN_BUILD_FLAGS; override them from the environment if your podman differs.
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG=${1:-${IMAGE:-localhost/bitnexus:latest}}
BASE_IMAGE=${BASE_IMAGE:-localhost/debian:bookworm}
PODMAN=${PODMAN:-podman --runtime runc --cgroup-manager cgroupfs}
PODMAN_BUILD_FLAGS=${PODMAN_BUILD_FLAGS:---network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --jobs 2 --format docker}
read -r -a podman <<<"$PODMAN"
read -r -a build_flags <<<"$PODMAN_BUILD_FLAGS"

debian_mirror() {
    # the first Debian archive apt is configured with (deb822 .sources or one-line .list)
    local uri
    uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list | grep -oE 'https?://[^ ]*/debian/?( |$)' | head -n1 || true)
    echo "${uri:-http://deb.debian.org/debian}" | tr -d ' '
}

make_base_image() {
    if "${podman[@]}" image exists "$BASE_IMAGE"; then
        return
    fi
    local rootfs mirror
    rootfs=$(mktemp -d /tmp/bitnexus-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' RETURN
    mirror=$(debian_mirror)
    echo "making $BASE_IMAGE with debootstrap from $mirror" >&2
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    # apt's package lists and downloaded packages are stale weight in every later layer
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | "${podman[@]}" import -q - "$BASE_IMAGE" >/dev/null
}

# pip's configuration files, mounted where the build's root user reads them
pip_configs() {
    local file
    for file in /etc/pip.conf /etc/xdg/pip/pip.conf; do
        [[ -f $file ]] && echo "$file:$file"
    done
    for file in "$HOME/.config/pip/pip.conf" "$HOME/.pip/pip.conf"; do
        [[ -f $file ]] && echo "$file:/root/${file#"$HOME"/}"
    done
    return 0
}

# local files and directories named by pip's configuration or PIP_* variables (find-links, file:// indexes)
pip_directories() {
    {
        pip_configs | cut -d: -f1 | xargs -r cat
        env | grep -E '^PIP_' || true
    } | grep -oE '(file://)?/[^ ,;"'\'']+' | sed 's|^file://||' | grep -v '^/etc/ssl/' |
    while read -r path; do
        # an index's `simple/` is mounted with its parent (its links may point beside it)
        [[ $(basename "$path") == simple ]] && path=$(dirname "$path")
        [[ -e $path ]] && echo "$path"
    done | sort -u
    return 0
}

build_args() {
    local config directory ca=/etc/ssl/certs/ca-certificates.crt
    while read -r config; do
        [[ -n $config ]] && echo "--volume=$config:ro"
    done < <(pip_configs)
    while read -r directory; do
        [[ -n $directory ]] && echo "--volume=$directory:$directory:ro"
    done < <(pip_directories)
    if [[ -f $ca ]]; then
        echo "--volume=$ca:/etc/bitnexus-build-ca.crt:ro"
        echo "--build-arg=BUILD_CA=/etc/bitnexus-build-ca.crt"
    fi
    echo "--build-arg=BASE_IMAGE=$BASE_IMAGE"
}

make_base_image
mapfile -t args < <(build_args)
"${podman[@]}" build "${build_flags[@]}" "${args[@]}" --pull=never --layers -t "$TAG" -f Dockerfile .
if [[ ${BUILD_SERVICES:-0} == 1 ]]; then
    for service in redis prometheus; do
        "${podman[@]}" build "${build_flags[@]}" --pull=never --layers \
            --build-arg="BASE_IMAGE=$BASE_IMAGE" -t "localhost/bitnexus-$service:latest" \
            -f "ops/container/$service.Containerfile" ops
    done
fi
"${podman[@]}" image inspect --format '{{.Size}}' "$TAG" |
    awk -v tag="$TAG" '{ printf "%s: %.0f MB\n", tag, $1 / 1e6 }' >&2

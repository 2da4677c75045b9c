#!/usr/bin/env bash
# Builds the sigscope image from scratch (deploy/Containerfile): the binary (default: a release build by
# scripts/build-release, minutes on two cores), every shared object ldd lists and the dynamic loader, at the paths
# ldd names, and busybox-static as /bin/sh. Swift on Linux links glibc and libelf dynamically even with
# --static-swift-stdlib: the image is from scratch, the binary is not static.   deploy/build-image.sh [BINARY] [TAG]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-$(scripts/build-release)}
tag=${2:-localhost/sigscope:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/tmp"
cp "$binary" "$root/sigscope"
for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp /bin/busybox "$root/bin/busybox"
for applet in sh sleep mv; do ln -sf busybox "$root/bin/$applet"; done
cp deploy/Containerfile "$work/Containerfile"
podman build -q -t "$tag" -f "$work/Containerfile" "$work"

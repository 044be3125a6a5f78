#!/bin/sh
# Installs the Debian 12 packages Amber needs to build, boot and test. Safe to run again: when
# everything is present it only checks and exits. `make`, `make demo` and `make test` call it.
set -eu

PACKAGES="g++ make binutils tar python3 clang-format gdb \
qemu-system-x86 qemu-system-data qemu-utils \
grub-pc-bin grub-common xorriso mtools dosfstools \
bochs bochsbios vgabios \
libboost-test-dev protobuf-compiler libprotobuf-dev nanopb libnanopb-dev pkg-config \
clang libclang-rt-14-dev"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "amber: these Debian packages are missing:$missing" >&2
    echo "amber: installing them needs root; run: sudo tools/install-deps.sh" >&2
    exit 1
fi
echo "amber: installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "amber: packages installed"

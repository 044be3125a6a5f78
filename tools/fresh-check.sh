#!/bin/bash
# `make fresh-check` and CI: README's two set-up commands on a fresh Debian 12 machine.
#
# Makes a minimal Debian 12 root (debootstrap --variant=minbase bookworm, the mirror taken from this
# machine's apt sources), adds only the prerequisites README names (make, git), clones the committed
# HEAD of this repository into it and runs `make demo` and `make test` there as root, in a chroot
# with /proc, /sys, /dev and /dev/pts bound. Everything else the project needs must come from its own
# install script inside the root, so a package missing from tools/install-deps.sh fails here.
#
# The bare minbase root is cached as a tarball outside the repository, and downloaded .deb files in
# a package cache beside it; every package is still installed anew in a new root on every run.
#
# Environment: ACCEL (tcg|kvm, passed to make), AMBER_FRESH_DIR (cache and work folder, default
# /var/tmp/amber-fresh), AMBER_FRESH_KEEP=1 (keep the root afterwards, for a look inside),
# AMBER_MIRROR (a Debian mirror URL instead of the one in the apt sources).
# Needs root. Exits non-zero when any step or any test fails; ends with make test's summary line.
set -euo pipefail

readonly PREREQUISITES="make git"  # README's "Set-up" section names exactly these
source_repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
fresh_dir=${AMBER_FRESH_DIR:-/var/tmp/amber-fresh}
root="$fresh_dir/root"
cache_tar="$fresh_dir/bookworm-minbase.tar"
deb_cache="$fresh_dir/debs"
log_dir="$source_repo/build/fresh-check"
accel=${ACCEL:-tcg}

say() { echo "fresh-check: $*"; }
fail() { echo "fresh-check: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot and mounts): run it as root or with sudo"

# apt_mirror: the first Debian mirror in this machine's apt sources that serves bookworm's main component, in
# either the deb822 (*.sources) or the one-line (*.list) format.
apt_mirror() { all_apt_mirrors 2>/dev/null | head -n 1 || true; }
all_apt_mirrors() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk 'function flush() { if (!found && types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && comps ~ /(^| )main( |$)/) { print uris; found = 1 } types = uris = suites = comps = "" }
             /^[ \t]*$/ { flush(); next }
             /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
             /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $1 }
             /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
             /^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
             END { flush() }' "$file"
    done
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" && $3 == "bookworm" { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }'
}

mounts_below() { awk -v prefix="$root/" 'index($2 "/", prefix) == 1 { print $2 }' /proc/mounts | sort -r; }

# Unmounts everything below the root (deepest first) and, unless asked to keep it, removes it. The
# removal is refused while anything is still mounted there: /dev is bound from the host.
cleanup() {
    local mount_point
    for mount_point in $(mounts_below); do umount "$mount_point" 2>/dev/null || umount -l "$mount_point"; done
    if [ -n "$(mounts_below)" ]; then
        echo "fresh-check: still mounted below $root; not removing it" >&2
    elif [ "${AMBER_FRESH_KEEP:-0}" != 1 ]; then
        rm -rf "$root"
    else
        say "kept the root at $root"
    fi
}

phase_start=0
declare -a timings=()
begin() { phase_start=$(date +%s); say "$*"; }
end() { timings+=("$(printf '%-44s %5d s' "$1" $(($(date +%s) - phase_start)))"); }

mkdir -p "$fresh_dir" "$deb_cache" "$log_dir"
run_start=$(date +%s)
commit=$(git -C "$source_repo" rev-parse HEAD)
if [ -n "$(git -C "$source_repo" status --porcelain --untracked-files=no)" ]; then
    say "note: the work tree has uncommitted changes; this checks the commit $commit only"
fi

if ! command -v debootstrap >/dev/null; then
    begin "installing debootstrap on this machine (the host, not the root under test)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
    end "debootstrap installed on the host"
fi

if [ ! -f "$cache_tar" ]; then
    mirror=${AMBER_MIRROR:-$(apt_mirror)}
    [ -n "$mirror" ] || fail "no Debian mirror serving bookworm main in /etc/apt/sources*; set AMBER_MIRROR"
    begin "debootstrap --variant=minbase bookworm from $mirror (cached afterwards as $cache_tar)"
    bare="$fresh_dir/bare.$$"
    rm -rf "$bare"
    debootstrap --variant=minbase bookworm "$bare" "$mirror" >"$log_dir/debootstrap.log" 2>&1 ||
        { tail -n 20 "$log_dir/debootstrap.log" >&2; rm -rf "$bare"; fail "debootstrap failed (log: $log_dir/debootstrap.log)"; }
    tar -C "$bare" -cf "$cache_tar.tmp" . && mv "$cache_tar.tmp" "$cache_tar"
    rm -rf "$bare"
    end "debootstrap (minbase bookworm)"
fi

[ -z "$(mounts_below)" ] || fail "something is still mounted below $root (an earlier run?): unmount it first"
trap cleanup EXIT
begin "a new root from the minbase tarball"
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$cache_tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for fs in proc sys dev dev/pts; do mount --bind "/$fs" "$root/$fs"; done
mkdir -p "$root/var/cache/apt/archives" "$root/mnt/source"
mount --bind "$deb_cache" "$root/var/cache/apt/archives"
mount --bind -o ro "$source_repo" "$root/mnt/source"
end "new root extracted and mounted"

# Runs a command in the root as root, with a clean environment and no input.
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb ACCEL="$accel" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$1" </dev/null
}

begin "README's prerequisites in the root: $PREREQUISITES"
in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PREREQUISITES >/dev/null" ||
    fail "could not install $PREREQUISITES in the root"
end "prerequisites ($PREREQUISITES)"

begin "cloning $commit into /root/amber"
in_root "git config --global --add safe.directory '*' && git clone -q --no-local /mnt/source /root/amber && cd /root/amber && git checkout -q --detach $commit" ||
    fail "could not clone the commit under test"
umount "$root/mnt/source"
end "clone"

status=0
begin "make demo (ACCEL=$accel), log: build/fresh-check/demo.log"
if in_root "cd /root/amber && make demo" 2>&1 | tee "$log_dir/demo.log"; then end "make demo (installs the project's packages)"; else
    end "make demo (FAILED)"
    status=1
fi

begin "make test (ACCEL=$accel), log: build/fresh-check/test.log"
if in_root "cd /root/amber && make test" 2>&1 | tee "$log_dir/test.log"; then end "make test"; else
    end "make test (FAILED)"
    status=1
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log_dir/test.log" | tail -n 1 || true)
[ -n "$summary" ] || { status=1; summary="0 passed, 1 failed"; say "make test printed no summary line"; }

echo
say "commit $commit, ACCEL=$accel, $(nproc) CPUs; times:"
printf '  %s\n' "${timings[@]}"
printf '  %-44s %5d s\n' "whole fresh-check" $(($(date +%s) - run_start))
[ "$status" = 0 ] && say "README's two commands pass on a fresh Debian 12 root" || say "FAILED (logs in build/fresh-check/)"
echo "$summary"
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mkvm.sh PKG CACHE OUT: a bootable Debian kernel plus an initramfs that runs
# the host's own userland in the guest.
#
#   PKG    a Debian kernel package, e.g. linux-image-6.1.0-56-amd64
#   CACHE  where the .deb is kept between runs (downloaded with apt-get
#          download when missing)
#   OUT    gets vmlinuz, initrd.gz and kernel-release
#
# The initramfs holds busybox and the virtio/9p modules only. Its /init
# mounts the host's / read-only (9p tag "hostroot") and a results directory
# read-write (tag "out") and, with RB_SRC set, the snapshot under test
# read-only at $RB_SRC (tag "src"), gives the guest its own /tmp, /run, /var/tmp,
# /proc, /sys, /dev and a pure cgroup2 hierarchy at /sys/fs/cgroup, chroots
# into the host tree and runs $RB_GUEST_CMD there (kernel parameters of the
# form KEY=value reach /init as environment variables). The command's exit
# status is written to out/guest-rc, then the guest powers off.
#
# Needs: apt-get, dpkg-deb, busybox-static, cpio, xz-utils.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 PKG CACHE OUT" >&2
    exit 64
fi
pkg=$1 cache=$2 out=$3

# Loaded in this order; a module absent from the package is built in.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
         netfs fscache 9pnet 9pnet_virtio 9p)

busybox=/bin/busybox # busybox-static: the initramfs has no libc
for tool in "$busybox" cpio xz dpkg-deb apt-get gzip; do
    command -v "$tool" >/dev/null || { echo "mkvm: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done

mkdir -p "$cache" "$out"
deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
if [[ -z "$deb" ]]; then
    echo "mkvm: downloading $pkg into $cache"
    # The sandbox user of apt cannot write a root-owned cache dir: download as root.
    (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$pkg")
    deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
    [[ -n "$deb" ]] || { echo "mkvm: apt-get download $pkg left no .deb in $cache" >&2; exit 1; }
fi

work=$(mktemp -d "$out/.mkvm.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Only the image and the modules /init loads. A pattern that matches nothing
# (a driver built into that kernel) makes tar complain: the checks below
# decide instead.
dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*' \
        './lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' \
        './lib/modules/*/kernel/fs/fscache/*' './lib/modules/*/kernel/net/9p/*' 2>/dev/null || true
kver=$(basename "$(find "$work/boot" -name 'vmlinuz-*' | head -n 1)")
kver=${kver#vmlinuz-}
[[ -n "$kver" ]] || { echo "mkvm: no kernel image in $deb" >&2; exit 1; }

init=$work/initrd
mkdir -p "$init"/{bin,proc,sys,dev,mnt/host,lib/modules}
cp "$busybox" "$init/bin/busybox"
: >"$init/lib/modules/order"
for m in "${MODULES[@]}"; do
    f=$(find "$work/lib/modules/$kver" \( -name "$m.ko" -o -name "$m.ko.xz" \) | head -n 1)
    [[ -n "$f" ]] || continue
    case $f in
    *.xz) xz -dc "$f" >"$init/lib/modules/$m.ko" ;; # busybox insmod takes plain .ko only
    *) cp "$f" "$init/lib/modules/$m.ko" ;;
    esac
    echo "$m" >>"$init/lib/modules/order"
done

cat >"$init/init" <<'INIT'
#!/bin/busybox sh
# rustbox kernel-matrix guest init (see tests/kernel/mkvm.sh).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
    insmod "/lib/modules/$m.ko" || echo "init: insmod $m failed"
done
H=/mnt/host
# multidevs=remap: without it /proc/self/mountinfo is unreadable in the chroot.
opts=trans=virtio,version=9p2000.L,msize=512000
if ! mount -t 9p -o "$opts,ro,cache=loose" hostroot "$H"; then
    echo "init: cannot mount the host root over 9p"
    poweroff -f
fi
# Sizes are caps, not reservations: generous, so the free space rustbox's
# health floors look for (disk_free 1G) is there as on a real host.
for d in tmp var/tmp; do mount -t tmpfs -o mode=1777,size=8g tmpfs "$H/$d"; done
mount -t tmpfs -o mode=0755,size=2g tmpfs "$H/run"
mount -t proc proc "$H/proc"
mount -t sysfs sys "$H/sys"
mount -o bind /dev "$H/dev"
mkdir -p "$H/dev/shm" "$H/dev/pts"
# What udev would make: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd "$H/dev/fd"
for i in 0 1 2; do ln -sf "/proc/self/fd/$i" "$H/dev/$(echo stdin stdout stderr | cut -d' ' -f$((i + 1)))"; done
mount -t tmpfs -o mode=1777 tmpfs "$H/dev/shm"
mount -t devpts devpts "$H/dev/pts"
mount -t cgroup2 -o nsdelegate cgroup2 "$H/sys/fs/cgroup"
# The guest's own loopback, as on any host (no other interface: -nic none).
ip link set lo up
mkdir -p "$H/run/kmatrix-out"
mount -t 9p -o "$opts" out "$H/run/kmatrix-out"
if [ -n "${RB_SRC:-}" ]; then
    mkdir -p "$H$RB_SRC"
    mount -t 9p -o "$opts,ro,cache=loose" src "$H$RB_SRC" || echo "init: cannot mount the src share at $RB_SRC"
fi
rm -f "$H/run/kmatrix-out/guest-rc"
echo "init: $(uname -r) up, running ${RB_GUEST_CMD:-(nothing)}"
rc=125
if [ -n "${RB_GUEST_CMD:-}" ]; then
    chroot "$H" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/tmp LANG=C.UTF-8 TERM=dumb RB_OUT=/run/kmatrix-out RB_SRC="${RB_SRC:-}" \
        /bin/sh -c "$RB_GUEST_CMD"
    rc=$?
fi
echo "$rc" >"$H/run/kmatrix-out/guest-rc"
sync
echo "init: guest command exited $rc"
poweroff -f
INIT
chmod 0755 "$init/init"
(cd "$init" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz"
cp "$work/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/kernel-release"
echo "mkvm: $out: kernel $kver, modules: $(tr '\n' ' ' <"$init/lib/modules/order")"

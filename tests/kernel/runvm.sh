#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# runvm.sh VMDIR OUTDIR CMD: boots the kernel of VMDIR (made by mkvm.sh)
# under qemu (TCG) with cgroup_no_v1=all, so the guest has a pure cgroup v2
# hierarchy, and runs CMD there: an absolute path as the guest sees it, the
# host's tree read-only at the same paths (except /tmp, /var/tmp and /run,
# the guest's own) or, with RB_SRC set, a path under /run/kmatrix-src, where
# RB_SRC is shared (also $RB_SRC in the guest). OUTDIR is the guest's only
# writable share, at /run/kmatrix-out (also $RB_OUT). The console goes to
# OUTDIR/console.log and, each line prefixed with the kernel release, to
# stdout. Exits with CMD's status; 124 when the guest outlived
# KERNEL_TIMEOUT (seconds, default 3000), 125 when it ended without a status.
#
# Environment: KERNEL_TIMEOUT, KM_SMP (vCPUs, default 1), KM_MEM (MiB,
# default 3072), RB_SRC (a host dir shared with the guest, see above).
set -uo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 VMDIR OUTDIR CMD" >&2
    exit 64
fi
vm=$1 out=$2 cmd=$3
timeout_s=${KERNEL_TIMEOUT:-3000}
# Kernel parameters are split at blanks: the values must have none.
for v in "$cmd" "${RB_SRC:-}" "$out"; do
    if [[ "$v" =~ [[:space:]] ]]; then
        echo "runvm: '$v' holds a blank; the guest cannot be given it" >&2
        exit 64
    fi
done
mkdir -p "$out"
rm -f "$out/guest-rc"
kver=$(cat "$vm/kernel-release")

# RB_SRC, when set, is shared on its own (read-only) and appears in the guest
# at /run/kmatrix-src: the guest's /tmp, /var/tmp and /run are its own, so a
# tree under one of those (a CI checkout in /tmp, say) would be hidden in
# the host root share.
src_share=() guest_src=
if [[ -n "${RB_SRC:-}" ]]; then
    src_share=(-virtfs "local,path=$RB_SRC,mount_tag=src,security_model=none,readonly=on")
    guest_src=/run/kmatrix-src
fi

# /dev/kvm is no use here (nested virtualisation): TCG, all host threads.
# One vCPU a guest (docs/cgroups.md, Time): with two, every fork, exec and
# unmap in a guest stops both vCPUs to flush the other's TLB, and two guests
# side by side put four vCPU threads on two cores; the system tests took
# 2.3 times as long.
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -smp "${KM_SMP:-1}" -m "${KM_MEM:-3072}" \
    -nographic -no-reboot -nic none -serial stdio -monitor none \
    -kernel "$vm/vmlinuz" -initrd "$vm/initrd.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 cgroup_no_v1=all ${KM_APPEND-mitigations=off} RB_GUEST_CMD=$cmd RB_SRC=$guest_src" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$out,mount_tag=out,security_model=none" "${src_share[@]}" \
    </dev/null 2>&1 |
    sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$out/console.log" |
    grep -av --line-buffered -e '^SeaBIOS' -e '^Booting from ROM' -e '^iPXE' | sed -u "s/^/[$kver] /"
qemu_rc=${PIPESTATUS[0]}

if [[ "$qemu_rc" == 124 || "$qemu_rc" == 137 ]]; then
    echo "runvm: $kver: no end after ${timeout_s} s, guest stopped" >&2
    exit 124
fi
if [[ ! -s "$out/guest-rc" ]]; then
    echo "runvm: $kver: the guest ended without a status (qemu exit $qemu_rc; see $out/console.log)" >&2
    exit 125
fi
exit "$(cat "$out/guest-rc")"

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rustbox leak check: N full lifecycles, normal and hostile, then proof that
nothing accumulated: host baseline identical, no zombie, the supervisor's fd
count flat across runs, the state dir bounded.
"""
import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PREFIX = "rblk"
FIRST_UID = 3_100_000
PERSISTENT = (10, 11, 12)
# A state dir holds a health dir (lock, state, history) and a lock dir per
# box id ever used; runs must not add to it beyond that.
STATE_FILES_BOUND = 64
STATE_BYTES_BOUND = 1 << 20

# (name, rustbox arguments, acceptable verdicts); normal programs dominate.
NORMAL = [
    ("echo", ["--code", "echo ok"], {"OK"}),
    ("exit3", ["--code", "exit 3"], {"RE"}),
    ("true", ["--", "/bin/true"], {"OK"}),
    ("cat", ["--code", "head -c 1000 /dev/urandom | od >/dev/null; echo done"], {"OK"}),
]
HOSTILE = [
    ("fork_bomb", ["--processes", "16", "--wall-time", "0.3", "--code", "b() { b | b & }; b"],
     {"TLE", "RE", "SIG", "OK"}),
    ("double_fork_setsid", ["--code", "(setsid sh -c 'sleep 60 & sleep 60' &); echo left"], {"OK"}),
    ("output_bomb", ["--output-limit", "64K", "--code", "yes"], {"OLE"}),
    # Time limits far off: an emulated kernel (make kernel-matrix) needs more
    # than the default second of CPU to start python.
    ("memory_bomb", ["--memory", "32M", "--time", "30", "--wall-time", "60", "--code",
                     "python3 -c 'x = bytearray(128 << 20)'"], {"MLE"}),
    ("cwd_holder", ["--code", "(cd /box && exec sleep 60) & echo held"], {"OK"}),
    ("cpu_burn", ["--time", "0.05", "--extra-time", "0", "--code", "while :; do :; done"], {"TLE"}),
]


def snapshot(t):
    mounts = sorted(l.split()[4] for l in open("/proc/self/mountinfo") if t in l or f"{PREFIX}-" in l)
    cgroups = sorted(glob.glob(f"/sys/fs/cgroup/*/{PREFIX}-*") + glob.glob(f"/sys/fs/cgroup/{PREFIX}-*") +
                     glob.glob(f"/sys/fs/cgroup/*/{PREFIX}*/{PREFIX}-*"))
    procs, zombies = [], []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{p}").st_uid
            stat = open(f"/proc/{p}/stat").read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        state = stat[stat.rindex(")") + 2]
        ppid = int(stat[stat.rindex(")") + 4:].split()[0])
        if FIRST_UID <= uid < FIRST_UID + 1000:
            procs.append(p)
        if state == "Z" and (ppid == os.getpid() or FIRST_UID <= uid < FIRST_UID + 1000):
            zombies.append(p)
    dirs = sorted(os.listdir(f"{t}/work")) if os.path.isdir(f"{t}/work") else []
    return {"mounts": mounts, "cgroups": cgroups, "processes": sorted(procs), "dirs": dirs, "zombies": zombies}


def state_size(state_dir):
    files = size = 0
    for root, _, names in os.walk(state_dir):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(root, n))
    return files, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rustbox", default=os.environ.get("RUSTBOX", "build/rustbox"))
    ap.add_argument("--fdprobe", default=os.environ.get("FDPROBE", "build/fault/fdprobe.so"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("LEAK_RUNS", "1000")))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("leak check: must run as root")
    rustbox = os.path.abspath(args.rustbox)
    asan = "libasan" in subprocess.run(["ldd", rustbox], capture_output=True, text=True).stdout

    t = tempfile.mkdtemp(prefix=f"{PREFIX}.", dir="/tmp")
    os.chmod(t, 0o755)
    os.makedirs(f"{t}/work")
    with open(f"{t}/config.json", "w") as f:
        json.dump({"state_dir": f"{t}/state", "work_root": f"{t}/work", "name_prefix": PREFIX,
                   "first_uid": FIRST_UID, "first_gid": FIRST_UID, "num_boxes": 1000}, f)
    env = dict(os.environ, RUSTBOX_CONFIG=f"{t}/config.json", FDPROBE_OUT=f"{t}/fds",
               LD_PRELOAD=os.path.abspath(args.fdprobe))
    if asan:
        env["ASAN_OPTIONS"] = "verify_asan_link_order=0:" + env.get("ASAN_OPTIONS", "")
    quiet = dict(env)
    quiet.pop("FDPROBE_OUT")

    def rb(*a, probe=True):
        return subprocess.run([rustbox, *a], env=env if probe else quiet, capture_output=True, text=True,
                              timeout=60)

    problems = []
    before = snapshot(t)
    rb("baseline", "capture", "--output", f"{t}/before.json", probe=False)
    for b in PERSISTENT:
        rb("init", "--box-id", str(b), probe=False)

    verdicts = collections.Counter()
    started = time.monotonic()
    for i in range(args.runs):
        if i % 10 == 9:
            name, extra, ok = HOSTILE[(i // 10) % len(HOSTILE)]
        else:
            name, extra, ok = NORMAL[i % len(NORMAL)]
            # Timing is not under test here: a loaded host must not turn a
            # normal program into a TLE. In an emulated guest the CPU time a
            # program is charged grows with the host's load too.
            extra = ["--time", "30", "--wall-time", "30", *extra]
        box = []
        if i % 3 == 1:
            box = ["--box-id", str(PERSISTENT[i % len(PERSISTENT)])]
        if i % 50 == 25:
            # A whole persistent lifecycle now and then.
            for step in (["init", "--box-id", "20"], ["run", "--box-id", "20", *extra], ["cleanup", "--box-id", "20"]):
                p = rb(*step)
                if step[0] == "cleanup" and json.loads(p.stdout or "{}").get("cleanup", {}).get("outcome") != "success":
                    problems.append(f"lifecycle {i}: cleanup {p.stdout.strip()} {p.stderr.strip()[:200]}")
        p = rb("run", *box, *extra)
        try:
            res = json.loads(p.stdout)
        except ValueError:
            problems.append(f"run {i} ({name}): no JSON, exit {p.returncode}: {p.stderr.strip()[:200]}")
            continue
        verdicts[f"{name}:{res['verdict']}"] += 1
        if res["verdict"] not in ok:
            problems.append(f"run {i} ({name}): verdict {res['verdict']} ({res.get('reason')})")
        if res["cleanup"]["outcome"] != "success":
            problems.append(f"run {i} ({name}): cleanup {res['cleanup']}")
    elapsed = time.monotonic() - started

    for b in PERSISTENT:
        rb("cleanup", "--box-id", str(b), probe=False)
    diff = rb("baseline", "diff", f"{t}/before.json", probe=False)
    if diff.returncode != 0:
        problems.append(f"baseline differs: {diff.stdout.strip()}")
    after = snapshot(t)
    for k in after:
        extra = sorted(set(after[k]) - set(before[k]))
        if extra:
            problems.append(f"left {k}: {extra[:10]}")
    fds = collections.Counter(int(l) for l in open(f"{t}/fds"))
    if len(fds) != 1:
        problems.append(f"supervisor fd count not flat: {dict(fds)}")
    files, size = state_size(f"{t}/state")
    if files > STATE_FILES_BOUND or size > STATE_BYTES_BOUND:
        problems.append(f"state dir grew: {files} files, {size} bytes")
    health = json.loads(rb("health", probe=False).stdout or "{}")
    if health.get("status") != "healthy":
        problems.append(f"worker not healthy: {health}")

    print(f"leak check: {args.runs} runs in {elapsed:.1f} s ({elapsed / max(args.runs, 1) * 1000:.1f} ms each)"
          f"{' under ASan' if asan else ''}")
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    print(f"supervisor fds at exit: {dict(fds)}; state dir: {files} files, {size} bytes")
    for p in problems[:30]:
        print(f"  {p}")
    if not any(t in l for l in open("/proc/self/mountinfo")):
        shutil.rmtree(t, ignore_errors=True)
    print("leak check: " + ("PASS" if not problems else f"FAIL ({len(problems)} problems)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rustbox failure matrix: every cell of cells.txt run for real, as root.

For each cell: a private configuration, a baseline captured by rustbox and an
independent snapshot of the host; the scenario's set-up; the command under the
fault-injection shim (shim.c); the observed outcome, error kinds, verdict, exit
status and health checked against the cell; then recovery without the shim
and proof that the host is back at the baseline. A cell that leaves anything
behind fails and names it.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = "rbfm"
FIRST_UID = 3_000_000
BOX = 5


class Cell:
    FIELDS = ("name", "scenario", "func", "errno", "calls", "path", "flags", "outcome", "kind", "verdict",
              "exit", "health", "backend")

    def __init__(self, words):
        for k, v in zip(self.FIELDS, words):
            setattr(self, k, v)
        self.exit = int(self.exit)

    def fault(self, t):
        """The shim's rules: one per function of func (NAME or NAME+NAME)."""
        if self.func == "-":
            return None
        rules = []
        for func in self.func.split("+"):
            rule = f"func={func},errno={self.errno},calls={self.calls}"
            if func in ("kill", "killpg"):
                pass  # the shim matches these by pid, not by path
            elif self.path == "work":
                rule += f",path={t}/work"
            elif self.path == "cgroup":
                rule += f",path=/sys/fs/cgroup"
            if self.flags != "-":
                rule += f",flags={self.flags}"
            rules.append(rule)
        return ";".join(rules)


def load_cells(path):
    cells = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                words = line.split()
                if len(words) != len(Cell.FIELDS):
                    sys.exit(f"{path}: bad line: {line}")
                cells.append(Cell(words))
    return cells


class Host:
    """The machine as seen without rustbox: what of the matrix's prefix exists."""

    def __init__(self, t):
        self.t = t

    def snapshot(self):
        mounts = sorted(l.split()[4] for l in open("/proc/self/mountinfo") if self.t in l or f"{PREFIX}-" in l)
        cgroups = sorted(glob.glob(f"/sys/fs/cgroup/*/{PREFIX}-*") + glob.glob(f"/sys/fs/cgroup/{PREFIX}-*") +
                         glob.glob(f"/sys/fs/cgroup/*/{PREFIX}*/{PREFIX}-*"))
        procs = []
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    uid = os.stat(f"/proc/{p}").st_uid
                except FileNotFoundError:
                    continue
                if FIRST_UID <= uid < FIRST_UID + 1000:
                    procs.append(f"{p}:{uid}")
        dirs = sorted(os.listdir(f"{self.t}/work")) if os.path.isdir(f"{self.t}/work") else []
        return {"mounts": mounts, "cgroups": cgroups, "processes": sorted(procs), "dirs": dirs}


class Matrix:
    def __init__(self, args):
        self.rustbox = os.path.abspath(args.rustbox)
        self.shim = os.path.abspath(args.shim)
        self.backend = self.detect_backend()
        asan = subprocess.run(["ldd", self.rustbox], capture_output=True, text=True).stdout
        self.asan = "libasan" in asan

    def detect_backend(self):
        out = subprocess.run([self.rustbox, "--dry-run", "run", "--", "/bin/true"], capture_output=True, text=True)
        return json.loads(out.stdout)["controls"]["cgroup_backend"]

    def env(self, t, fault=None):
        e = dict(os.environ, RUSTBOX_CONFIG=f"{t}/config.json")
        e.pop("LD_PRELOAD", None)
        if fault:
            e["LD_PRELOAD"] = self.shim
            e["RUSTBOX_FAULT"] = fault
            e["RUSTBOX_FAULT_LOG"] = f"{t}/fault.log"
            if self.asan:
                # gcc's ASan insists on coming first; the shim is fine after it.
                e["ASAN_OPTIONS"] = "verify_asan_link_order=0:" + e.get("ASAN_OPTIONS", "")
        return e

    def rb(self, t, *args, fault=None, check=False):
        p = subprocess.run([self.rustbox, *args], env=self.env(t, fault), capture_output=True, text=True,
                           timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError(f"rustbox {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p

    def new_dir(self):
        t = tempfile.mkdtemp(prefix=f"{PREFIX}.", dir="/tmp")
        os.chmod(t, 0o755)
        os.makedirs(f"{t}/work")
        with open(f"{t}/config.json", "w") as f:
            json.dump({"state_dir": f"{t}/state", "work_root": f"{t}/work", "name_prefix": PREFIX,
                       "first_uid": FIRST_UID, "first_gid": FIRST_UID, "num_boxes": 1000,
                       "cleanup_timeout_s": 1}, f)
        return t

    # --- scenarios: set-up (no fault), then the command to run under the fault
    def setup(self, cell, t, helpers):
        s = cell.scenario
        if s in ("persistent_run", "persistent_cleanup", "mount_busy", "box_uid_process", "keeper_killed"):
            self.rb(t, "init", "--box-id", str(BOX), check=True)
        if s == "persistent_cleanup":
            self.rb(t, "run", "--box-id", str(BOX), "--code", "echo kept > f", check=True)
        if s == "mount_busy":
            helpers.append(subprocess.Popen(["sleep", "60"], cwd=f"{t}/work/{PREFIX}-{BOX}/root/box"))
        if s == "box_uid_process":
            uid = str(FIRST_UID + BOX)
            stray = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                                      "sleep", "60"])
            helpers.append(stray)
            # setpriv changes its uid after its own exec: wait for it (an
            # emulated kernel takes well over the 50 ms a host needs).
            deadline = time.monotonic() + 30
            while os.stat(f"/proc/{stray.pid}").st_uid != int(uid):
                if time.monotonic() > deadline:
                    raise RuntimeError("the stray process never took the box uid")
                time.sleep(0.02)
        if s == "keeper_killed":
            self.kill_keeper(t, helpers)
        time.sleep(0.05 if helpers else 0)

    def box_cgroups(self):
        """The box's groups: one per v1 hierarchy, or the one v2 group."""
        name = f"{PREFIX}-{BOX}"
        return sorted(glob.glob(f"/sys/fs/cgroup/{name}") + glob.glob(f"/sys/fs/cgroup/*/{name}") +
                      glob.glob(f"/sys/fs/cgroup/*/*/{name}"))

    def kill_keeper(self, t, helpers):
        """A run's supervisor dies by SIGKILL while a process that is not the
        box's (root, outside its namespaces) sits in the box's cgroup: the
        sandbox goes with the supervisor, the group and that process stay for
        `rustbox cleanup` to deal with."""
        keeper = subprocess.Popen([self.rustbox, "run", "--box-id", str(BOX), "--wall-time", "600",
                                   "--code", "sleep 600"], env=self.env(t), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        helpers.append(keeper)
        deadline = time.monotonic() + 60
        while not any(open(f"{d}/cgroup.procs").read().strip()
                      for d in self.box_cgroups() if os.path.exists(f"{d}/cgroup.procs")):
            if time.monotonic() > deadline or keeper.poll() is not None:
                raise RuntimeError("the keeper's run never reached its box cgroup")
            time.sleep(0.05)
        squatter = subprocess.Popen(["sleep", "600"])
        helpers.append(squatter)
        for d in self.box_cgroups():
            with open(f"{d}/cgroup.procs", "w") as f:
                f.write(str(squatter.pid))
        keeper.kill()
        keeper.wait()

    def action(self, cell):
        s = cell.scenario
        if s == "oneshot":
            return ["run", "--code", "echo ok"]
        if s == "oneshot_daemon":
            return ["run", "--code", "(setsid sh -c 'sleep 60 & sleep 60' &); echo ok"]
        if s == "persistent_run":
            return ["run", "--box-id", str(BOX), "--code", "echo ok"]
        return ["cleanup", "--box-id", str(BOX)]

    def observe(self, cell, p, t):
        obs = {"exit": p.returncode}
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = {}
        cleanup = doc.get("cleanup") or {}
        obs["outcome"] = cleanup.get("outcome", "?")
        obs["errors"] = cleanup.get("errors", [])
        obs["verdict"] = doc.get("verdict", "-")
        h = json.loads(self.rb(t, "health").stdout or "{}")
        obs["health"] = h.get("status", "?")
        if obs["health"] == "quarantined":
            obs["health"] += ":" + str(h.get("quarantine_reason"))
        try:
            obs["injections"] = sum(1 for _ in open(f"{t}/fault.log"))
        except FileNotFoundError:
            obs["injections"] = 0
        return obs

    def judge(self, cell, obs):
        problems = []
        if obs["outcome"] != cell.outcome:
            problems.append(f"outcome {obs['outcome']} != {cell.outcome}")
        if cell.kind != "-" and not any(e.startswith(cell.kind) for e in obs["errors"]):
            problems.append(f"no {cell.kind} in errors {obs['errors']}")
        if cell.verdict != "-" and obs["verdict"] != cell.verdict:
            problems.append(f"verdict {obs['verdict']} != {cell.verdict}")
        if obs["exit"] != cell.exit:
            problems.append(f"exit {obs['exit']} != {cell.exit}")
        if obs["health"] != cell.health:
            problems.append(f"health {obs['health']} != {cell.health}")
        if cell.func != "-" and obs["injections"] == 0:
            problems.append("the fault was never injected: the cell tests nothing")
        return problems

    def recover(self, t, helpers, host, before_snapshot):
        for h in helpers:
            h.kill()
            h.wait()
        self.rb(t, "health", "--recover", "--cleanup")
        h = json.loads(self.rb(t, "health").stdout or "{}")
        if h.get("status") == "quarantined":
            self.rb(t, "health", "--unquarantine", "--reason", "matrix recovery")
        problems = []
        d = self.rb(t, "baseline", "diff", f"{t}/before.json")
        if d.returncode != 0:
            problems.append(f"baseline diff: {d.stdout.strip() or d.stderr.strip()}")
        after = host.snapshot()
        for k in after:
            extra = sorted(set(after[k]) - set(before_snapshot[k]))
            if extra:
                problems.append(f"left {k}: {extra}")
        status = json.loads(self.rb(t, "health").stdout or "{}").get("status")
        if status != "healthy":
            problems.append(f"health after recovery: {status}")
        return problems

    def dispose(self, t):
        if any(t in l for l in open("/proc/self/mountinfo")):
            return False
        shutil.rmtree(t, ignore_errors=True)
        return True

    def run_cell(self, cell):
        t = self.new_dir()
        host = Host(t)
        helpers = []
        before = host.snapshot()
        obs = {"outcome": "?", "verdict": "?", "exit": "?", "health": "?"}
        try:
            self.rb(t, "baseline", "capture", "--output", f"{t}/before.json", check=True)
            self.setup(cell, t, helpers)
            p = self.rb(t, *self.action(cell), fault=cell.fault(t))
            obs = self.observe(cell, p, t)
            problems = self.judge(cell, obs)
        except (RuntimeError, subprocess.TimeoutExpired, ValueError, OSError) as e:
            problems = [f"the cell could not run: {e}"]
        finally:
            leftovers = self.recover(t, helpers, host, before)
        if not self.dispose(t):
            leftovers.append(f"mounts under {t}")
        return obs, problems, leftovers

    def run_quarantine_sequence(self):
        """max_cleanup_failures persistent failures in a row quarantine the
        worker; the next run is refused with 75 and creates nothing; recovery
        lifts the quarantine."""
        t = self.new_dir()
        host = Host(t)
        problems = []
        before = host.snapshot()
        self.rb(t, "baseline", "capture", "--output", f"{t}/before.json", check=True)
        # A one-shot box has no host mount: its cgroups are what cleanup
        # must remove.
        fault = "func=rmdir,errno=EBUSY,calls=all,path=/sys/fs/cgroup"
        expect = ["unhealthy", "unhealthy", "quarantined"]
        for i, want in enumerate(expect, 1):
            p = self.rb(t, "run", "--code", "true", fault=fault)
            if p.returncode != 2:
                problems.append(f"failure {i}: exit {p.returncode}")
            got = json.loads(self.rb(t, "health").stdout or "{}")
            if got.get("status") != want or got.get("failed_cleanup_count") != i:
                problems.append(f"after failure {i}: {got.get('status')} count {got.get('failed_cleanup_count')}")
        if json.loads(self.rb(t, "health").stdout or "{}").get("quarantine_reason") != "cleanup_failure":
            problems.append("quarantine reason is not cleanup_failure")
        snap = host.snapshot()
        p = self.rb(t, "run", "--code", "echo refused")
        if p.returncode != 75 or p.stdout.strip():
            problems.append(f"run while quarantined: exit {p.returncode}, stdout {p.stdout.strip()!r}")
        if host.snapshot() != snap:
            problems.append("a refused run changed the host")
        problems += self.recover(t, [], host, before)
        hist = json.load(open(f"{t}/state/health/quarantine-history.json"))
        if not any(e["to"] == "quarantined" for e in hist) or not any(e["from"] == "quarantined" for e in hist):
            problems.append("history lacks the quarantine or its lifting")
        if not self.dispose(t):
            problems.append(f"mounts under {t}")
        return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rustbox", default=os.environ.get("RUSTBOX", "build/rustbox"))
    ap.add_argument("--shim", default=os.environ.get("FAULT_SHIM", "build/fault/shim.so"))
    ap.add_argument("--cells", default=os.path.join(HERE, "cells.txt"))
    ap.add_argument("--only", help="run only cells whose name contains this")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("failure matrix: must run as root")
    m = Matrix(args)
    cells = [c for c in load_cells(args.cells) if not args.only or args.only in c.name]
    started = time.monotonic()
    passed = failed = skipped = 0
    print(f"failure matrix: {m.rustbox} (cgroup {m.backend}{', ASan' if m.asan else ''})")
    print(f"{'cell':<32} {'expected':<44} {'observed':<44} {'baseline':<9} result")
    for cell in cells:
        if cell.backend not in ("any", m.backend):
            skipped += 1
            print(f"{cell.name:<32} {'(cgroup ' + cell.backend + ' only)':<44} {'-':<44} {'-':<9} n/a")
            continue
        obs, problems, leftovers = m.run_cell(cell)
        exp = f"{cell.outcome}/{cell.verdict}/{cell.exit}/{cell.health}"
        got = f"{obs['outcome']}/{obs['verdict']}/{obs['exit']}/{obs['health']}"
        ok = not problems and not leftovers
        passed += ok
        failed += not ok
        print(f"{cell.name:<32} {exp:<44} {got:<44} {'equal' if not leftovers else 'DIRTY':<9} "
              f"{'PASS' if ok else 'FAIL'}")
        if problems:
            print(f"    cleanup errors: {obs.get('errors')}")
        for msg in problems + leftovers:
            print(f"    {msg}")
    if not args.only or "quarantine" in args.only:
        problems = m.run_quarantine_sequence()
        ok = not problems
        passed += ok
        failed += not ok
        print(f"{'quarantine_after_3_failures':<32} {'unhealthy,unhealthy,quarantined;75;healthy':<44} "
              f"{'as expected' if ok else 'see below':<44} {'equal' if ok else '?':<9} {'PASS' if ok else 'FAIL'}")
        for msg in problems:
            print(f"    {msg}")
    print(f"time: {time.monotonic() - started:.1f} s" + (f", {skipped} cells not for this backend" if skipped else ""))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

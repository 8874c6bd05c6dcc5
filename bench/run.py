#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rustbox benchmarks: every figure as a ratio to a floor measured in the same run.

    python3 bench/run.py [RUSTBOX]      (as root; BENCH_RUNS, default 30 runs a
                                          sample, BENCH_SAMPLES, default 7)

The floor is `unshare -nmpiuf /bin/true` (namespaces and a fork, nothing
else). Each measurement is BENCH_SAMPLES samples of BENCH_RUNS runs; a
sample's figure is its mean per run, and the table gives the median and p99
over every single run. Samples of the floor and of rustbox are interleaved,
so load on the host hits both alike. Rows:

- one-shot `rustbox run -- /bin/true`
- isolate's lifecycle (`--init`, `--run -- /bin/true`, `--cleanup`), and each
  of the three alone
- `rustbox version` against `/bin/true` (process start-up: shared libraries)
- the process starts alone that the floor, the one-shot run and the
  lifecycle each pay (`unshare --version`, `rustbox version`, `/bin/true`):
  the part of each figure spent starting programs
- two one-shot loops at once against one, for rustbox and for the floor,
  and the time per run of each
  (how each scales on the host's cores)
- the TLE overshoot of a busy loop under `--time 0.5 --extra-time 0`
- the phase breakdown (the result's `timings`, medians)

Prints the table and the targets of issue 15 next to each figure; never
asserts them (a slow or busy machine is not a failed build).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "7"))


def percentile(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def run(cmd, env):
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def timed(cmds, env):
    t0 = time.perf_counter()
    for c in cmds:
        run(c, env)
    return time.perf_counter() - t0


class Series:
    def __init__(self, name):
        self.name, self.runs = name, []

    def median(self):
        return statistics.median(self.runs)

    def p99(self):
        return percentile(self.runs, 99)


def sample_all(series_fns, env):
    """Interleaves samples of each (Series, commands) so that load hits all alike."""
    for _, cmds in series_fns:
        timed(cmds, env)  # warm caches
    for _ in range(SAMPLES):
        for series, cmds in series_fns:
            for _ in range(RUNS):
                series.runs.append(timed(cmds, env))


def parallel(cmds, env, loops):
    """Wall time of `loops` loops of RUNS runs each, at once."""
    def loop():
        for _ in range(RUNS):
            timed(cmds, env)

    threads = [threading.Thread(target=loop) for _ in range(loops)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def row(name, s, floor, target=""):
    print(f"{name:<40} {s.median() * 1e3:8.2f} {s.p99() * 1e3:8.2f} {s.median() / floor:7.2f}x  {target}")


def main():
    rustbox = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/rustbox")
    if os.geteuid() != 0:
        sys.exit("bench: needs root")
    with tempfile.TemporaryDirectory(prefix="rbbench.") as tmp:
        cfg = os.path.join(tmp, "config.json")
        with open(cfg, "w") as f:
            json.dump({"state_dir": f"{tmp}/state", "work_root": f"{tmp}/work", "name_prefix": "rbbench",
                       "first_uid": 3800000, "first_gid": 3800000, "num_boxes": 100}, f)
        env = dict(os.environ, RUSTBOX_CONFIG=cfg)
        iso = os.path.join(tmp, "isolate")
        os.symlink(rustbox, iso)
        floor_cmd = [["unshare", "-n", "-m", "-p", "-i", "-u", "-f", "/bin/true"]]
        init = [iso, "--cg", "-b", "1", "--init"]
        runp = [iso, "--cg", "-b", "1", "--run", "--", "/bin/true"]
        clean = [iso, "--cg", "-b", "1", "--cleanup"]

        floor, oneshot, cycle = Series("floor"), Series("one-shot"), Series("lifecycle")
        sample_all([(floor, floor_cmd), (oneshot, [[rustbox, "run", "--", "/bin/true"]]),
                    (cycle, [init, runp, clean])], env)

        # Each step of the lifecycle alone: the other two are done untimed.
        s_init, s_run, s_clean = Series("init"), Series("run"), Series("cleanup")
        for _ in range(SAMPLES * RUNS):
            s_init.runs.append(timed([init], env))
            s_run.runs.append(timed([runp], env))
            s_clean.runs.append(timed([clean], env))

        true, version, unshare = Series("/bin/true"), Series("version"), Series("unshare --version")
        sample_all([(true, [["/bin/true"]]), (version, [[rustbox, "version"]]),
                    (unshare, [["unshare", "--version"]])], env)

        f = floor.median()
        print(f"rustbox {rustbox}; {SAMPLES} samples x {RUNS} runs; load average {os.getloadavg()[0]:.2f}; "
              f"{os.cpu_count()} CPUs")
        print(f"{'':<40} {'median':>8} {'p99':>8} {'/floor':>8}  target (issue 15)")
        print(f"{'floor: unshare -nmpiuf /bin/true (ms)':<40} {f * 1e3:8.2f} {floor.p99() * 1e3:8.2f} {1:7.2f}x")
        row("one-shot: rustbox run -- /bin/true", oneshot, f, "<= 1.50x")
        row("isolate lifecycle: init+run+cleanup", cycle, f, "<= 2.00x, p99 <= 2x median")
        row("  --init alone", s_init, f, "<= 0.45x")
        row("  --run -- /bin/true alone", s_run, f, "<= 1.20x")
        row("  --cleanup alone", s_clean, f, "<= 0.60x")
        print(f"{'rustbox version vs /bin/true':<40} {version.median() * 1e3:8.2f} {version.p99() * 1e3:8.2f} "
              f"{version.median() / true.median():7.2f}x  <= 1.10x of /bin/true ({true.median() * 1e3:.2f} ms)")
        print(f"{'lifecycle p99 / median':<40} {cycle.p99() / cycle.median():8.2f}")
        # What each figure pays in process starts alone (a program's exec,
        # its libc's start-up and its exit): the floor starts unshare and
        # /bin/true, the one-shot run rustbox and /bin/true, the lifecycle
        # rustbox three times and /bin/true.
        starts = [("floor: unshare + /bin/true", unshare.median() + true.median()),
                  ("one-shot: rustbox + /bin/true", version.median() + true.median()),
                  ("lifecycle: 3 x rustbox + /bin/true", 3 * version.median() + true.median())]
        print("process starts alone (median ms, /floor):")
        for name, t in starts:
            print(f"{'  ' + name:<40} {t * 1e3:8.2f} {'':>8} {t / f:7.2f}x")

        one_f, two_f = parallel(floor_cmd, env, 1), parallel(floor_cmd, env, 2)
        one_r = parallel([[rustbox, "run", "--", "/bin/true"]], env, 1)
        two_r = parallel([[rustbox, "run", "--", "/bin/true"]], env, 2)
        print(f"{'two loops at once vs one (throughput)':<40} floor {2 * one_f / two_f:.2f}x, "
              f"rustbox {2 * one_r / two_r:.2f}x  (rustbox >= floor)")
        # A run that uses the second CPU for part of its own setup (run.c,
        # make_for_the_box) scales less by construction: the time per run
        # with both loops going is what a busy host gets.
        print(f"{'  ms per run, one loop / two loops':<40} floor {one_f / RUNS * 1e3:.2f} / {two_f / (2 * RUNS) * 1e3:.2f}, "
              f"rustbox {one_r / RUNS * 1e3:.2f} / {two_r / (2 * RUNS) * 1e3:.2f}")

        overshoots = []
        for _ in range(int(os.environ.get("BENCH_TLE_RUNS", "10"))):
            out = subprocess.run([rustbox, "run", "--time", "0.5", "--extra-time", "0", "--wall-time", "5",
                                  "--code", "while :; do :; done"], env=env, capture_output=True, text=True)
            res = json.loads(out.stdout)
            if res["verdict"] != "TLE":
                print(f"TLE run gave {res['verdict']}: {res['reason']}", file=sys.stderr)
                return 1
            overshoots.append(res["cpu_time_s"] - 0.5)
        print(f"{'TLE overshoot, busy loop, --time 0.5 -x 0':<40} {statistics.median(overshoots) * 1e3:8.2f} "
              f"{max(overshoots) * 1e3:8.2f} (max)  <= 5 ms")

        phases = {}
        for _ in range(RUNS):
            out = subprocess.run([rustbox, "run", "--", "/bin/true"], env=env, capture_output=True, text=True)
            t = json.loads(out.stdout)["timings"]
            for k, v in t.items():
                if isinstance(v, dict):
                    for k2, v2 in v.items():
                        phases.setdefault("cleanup." + k2, []).append(v2)
                else:
                    phases.setdefault(k, []).append(v)
        print("phases of a one-shot run (median us): " +
              ", ".join(f"{k[:-3]} {statistics.median(v):.0f}" for k, v in phases.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

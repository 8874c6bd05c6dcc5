#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rustbox benchmarks: medians and p99 against a floor measured in the same run.

Prints one line per measurement and a summary; never asserts timings (a slow
machine is not a failed build), the figures are for people to compare.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def percentile(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def timed(cmd, env):
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def measure(name, fn, n):
    fn()  # warm caches
    samples = [fn() for _ in range(n)]
    med, p99 = statistics.median(samples), percentile(samples, 99)
    print(f"{name:<44} median {med * 1000:8.2f} ms   p99 {p99 * 1000:8.2f} ms   (n={n})")
    return med


def main():
    rustbox = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/rustbox")
    n = int(os.environ.get("BENCH_RUNS", "200"))
    with tempfile.TemporaryDirectory(prefix="rbbench.") as tmp:
        cfg = os.path.join(tmp, "config.json")
        with open(cfg, "w") as f:
            json.dump({"state_dir": f"{tmp}/state", "work_root": f"{tmp}/work", "name_prefix": "rbbench"}, f)
        env = dict(os.environ, RUSTBOX_CONFIG=cfg)

        floor = measure("floor: unshare -n -m -p -i -u -f /bin/true",
                        lambda: timed(["unshare", "-n", "-m", "-p", "-i", "-u", "-f", "/bin/true"], env), n)
        oneshot = measure("one-shot: rustbox run -- /bin/true",
                          lambda: timed([rustbox, "run", "--", "/bin/true"], env), n)

        def lifecycle():
            t0 = time.perf_counter()
            for args in (["init", "--box-id", "1"], ["run", "--box-id", "1", "--", "/bin/true"],
                         ["cleanup", "--box-id", "1"]):
                subprocess.run([rustbox, *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
            return time.perf_counter() - t0

        cycle = measure("lifecycle: init + run + cleanup", lifecycle, n)

        overshoots = []
        for _ in range(int(os.environ.get("BENCH_TLE_RUNS", "10"))):
            out = subprocess.run([rustbox, "run", "--time", "0.5", "--extra-time", "0", "--wall-time", "5",
                                  "--code", "while :; do :; done"], env=env, capture_output=True, text=True)
            res = json.loads(out.stdout)
            if res["verdict"] != "TLE":
                print(f"TLE run gave {res['verdict']}: {res['reason']}", file=sys.stderr)
                return 1
            overshoots.append(res["cpu_time_s"] - 0.5)
        print(f"{'TLE overshoot under --time 0.5':<44} median {statistics.median(overshoots) * 1000:8.2f} ms   "
              f"max {max(overshoots) * 1000:8.2f} ms   (n={len(overshoots)})")
        print(f"ratio one-shot / floor: {oneshot / floor:.2f}   lifecycle / floor: {cycle / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

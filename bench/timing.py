#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rustbox timing fidelity: is the CPU time rustbox reports the program's own?

    python3 bench/timing.py [RUSTBOX]        (as root; RUSTBOX defaults to build/rustbox)

Three measurements, side by side in one run:

1. A fixed CPU-bound C program of about 1 s (its work is calibrated once, bare,
   then fixed), TIMING_RUNS (30) times under rustbox and as many times bare,
   interleaved. Bare CPU time is the child's rusage (user + system); under
   rustbox it is the result's cpu_time_s (the box's cgroup). Reported: the
   mean CPU-time overhead (target <= 1 %) and the coefficient of variation of
   each (target: rustbox's <= bare's + 0.5 points).
2. A multithreaded program (4 threads splitting the same work): rustbox's
   cpu_time_s against the program's own CLOCK_PROCESS_CPUTIME_ID and
   getrusage(RUSAGE_SELF), printed to its stdout (target: equal within 1 %).
3. Two boxes at once on this host (TIMING_PAIRS pairs, 15 by default, so as
   many box samples as in 1), against two bare programs at once, interleaved:
   the same overhead and variation targets.

Prints the figures and PASS/MISS against each target; never fails the build
(timings depend on the machine and its load, which is printed too).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CPU_PROG = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    unsigned long long n = strtoull(argv[1], NULL, 10), x = 88172645463325252ULL, acc = 0;
    for (unsigned long long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        acc += x >> 60;
    }
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%llu %.6f %.6f\n", acc, ts.tv_sec + ts.tv_nsec / 1e9,
           ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    return 0;
}
"""

THREAD_PROG = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/resource.h>

#define THREADS 4
static unsigned long long per_thread;

static void *work(void *arg)
{
    unsigned long long x = 88172645463325252ULL + (unsigned long long)(size_t)arg, acc = 0;
    for (unsigned long long i = 0; i < per_thread; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        acc += x >> 60;
    }
    return (void *)(size_t)acc;
}

int main(int argc, char **argv)
{
    per_thread = strtoull(argv[1], NULL, 10) / THREADS;
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, work, (void *)i);
    unsigned long long acc = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        acc += (unsigned long long)(size_t)r;
    }
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%llu %.6f %.6f\n", acc, ts.tv_sec + ts.tv_nsec / 1e9,
           ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    return 0;
}
"""


def cv(values):
    m = statistics.mean(values)
    return 100.0 * statistics.stdev(values) / m if m > 0 and len(values) > 1 else 0.0


def verdict(ok):
    return "PASS" if ok else "MISS"


class Timing:
    def __init__(self, rustbox, tmp):
        self.rustbox = rustbox
        self.tmp = tmp
        self.bindir = os.path.join(tmp, "bin")
        os.makedirs(self.bindir)
        os.chmod(tmp, 0o755)
        os.chmod(self.bindir, 0o755)
        cfg = os.path.join(tmp, "config.json")
        with open(cfg, "w") as f:
            json.dump({"state_dir": f"{tmp}/state", "work_root": f"{tmp}/work", "name_prefix": "rbtime",
                       "first_uid": 810000, "first_gid": 810000, "num_boxes": 100}, f)
        self.env = dict(os.environ, RUSTBOX_CONFIG=cfg)
        for name, src, extra in (("cpu", CPU_PROG, []), ("threads", THREAD_PROG, ["-lpthread"])):
            path = os.path.join(self.bindir, name + ".c")
            with open(path, "w") as f:
                f.write(src)
            subprocess.run(["gcc", "-O2", "-o", os.path.join(self.bindir, name), path] + extra, check=True)

    def bare(self, prog, n):
        """CPU seconds (user + system) of one bare run, from its rusage."""
        p = subprocess.Popen([os.path.join(self.bindir, prog), str(n)], stdout=subprocess.PIPE)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise RuntimeError(f"bare {prog} failed: {status}")
        own = [float(v) for v in out.split()[1:3]]
        return ru.ru_utime + ru.ru_stime, own

    def boxed(self, prog, n):
        """rustbox's cpu_time_s of one run, and the program's own figures."""
        cmd = [self.rustbox, "run", "--time", "30", "--wall-time", "60", "--processes", "16",
               "--dir", f"/opt/t={self.bindir}", "--", f"/opt/t/{prog}", str(n)]
        r = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        try:
            res = json.loads(r.stdout)
        except ValueError:
            raise RuntimeError(f"rustbox printed no result: {r.stderr.decode(errors='replace')}")
        if res.get("verdict") != "OK":
            raise RuntimeError(f"rustbox run of {prog}: {res.get('verdict')} {res.get('reason')}")
        own = [float(v) for v in res["stdout"].split()[1:3]]
        return res["cpu_time_s"], own

    def calibrate(self, target=1.0):
        n = 50_000_000
        for _ in range(6):
            t, _ = self.bare("cpu", n)
            if 0.9 * target <= t <= 1.1 * target:
                break
            n = max(1, int(n * target / max(t, 1e-3)))
        return n


def in_parallel(fns):
    results = [None] * len(fns)
    errors = []

    def run(i, fn):
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def report_pair(title, bare, boxed):
    mb, mx = statistics.mean(bare), statistics.mean(boxed)
    overhead = 100.0 * (mx - mb) / mb
    cb, cx = cv(bare), cv(boxed)
    print(f"{title}")
    print(f"  bare     n={len(bare):3d}  mean {mb:.4f} s  sd {statistics.stdev(bare):.4f} s  CV {cb:5.2f} %"
          f"  min {min(bare):.4f}  max {max(bare):.4f}")
    print(f"  rustbox  n={len(boxed):3d}  mean {mx:.4f} s  sd {statistics.stdev(boxed):.4f} s  CV {cx:5.2f} %"
          f"  min {min(boxed):.4f}  max {max(boxed):.4f}")
    print(f"  CPU-time overhead {overhead:+.2f} %  (target <= 1 %)          {verdict(overhead <= 1.0)}")
    med = 100.0 * (statistics.median(boxed) - statistics.median(bare)) / statistics.median(bare)
    print(f"  (for reference, robust to outliers from other load: median overhead {med:+.2f} %)")
    print(f"  CV {cx:.2f} % vs bare {cb:.2f} % + 0.5 = {cb + 0.5:.2f} %  (target)    {verdict(cx <= cb + 0.5)}")


def main():
    if os.geteuid() != 0:
        sys.exit("timing.py: must run as root (rustbox needs it)")
    rustbox = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/rustbox")
    runs = int(os.environ.get("TIMING_RUNS", "30"))
    pairs = int(os.environ.get("TIMING_PAIRS", "15"))
    mt_runs = int(os.environ.get("TIMING_MT_RUNS", "10"))
    with tempfile.TemporaryDirectory(prefix="rbtime.") as tmp:
        t = Timing(rustbox, tmp)
        print(f"rustbox timing fidelity: {rustbox}")
        print(f"host: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        n = t.calibrate()
        t.bare("cpu", n)
        t.boxed("cpu", n)  # warm caches
        print(f"CPU-bound program: {n} iterations (fixed for every run)\n")

        bare, boxed, own_single = [], [], []
        for _ in range(runs):
            bare.append(t.bare("cpu", n)[0])
            cpu, own = t.boxed("cpu", n)
            boxed.append(cpu)
            own_single.append((cpu, own[0]))
        report_pair(f"1. one program, {runs} runs each, interleaved", bare, boxed)
        d = [c - o for c, o in own_single]
        print(f"  rustbox cpu_time_s - the program's own CLOCK_PROCESS_CPUTIME_ID: mean {statistics.mean(d) * 1000:+.1f} ms"
              f" (max {max(d) * 1000:+.1f} ms)\n")

        rows = []
        for _ in range(mt_runs):
            cpu, own = t.boxed("threads", n)
            rows.append((cpu, own[0], own[1]))
        rel = [100.0 * (c - o) / o for c, o, _ in rows]
        rel_ru = [100.0 * (c - r) / r for c, _, r in rows]
        worst = max(abs(x) for x in rel + rel_ru)
        print(f"2. 4 threads, {mt_runs} runs under rustbox: cpu_time_s vs the program's own per-process CPU time")
        print(f"  mean cpu_time_s {statistics.mean(r[0] for r in rows):.4f} s, "
              f"CLOCK_PROCESS_CPUTIME_ID {statistics.mean(r[1] for r in rows):.4f} s, "
              f"getrusage {statistics.mean(r[2] for r in rows):.4f} s")
        print(f"  difference vs CLOCK_PROCESS_CPUTIME_ID mean {statistics.mean(rel):+.2f} %, "
              f"vs getrusage mean {statistics.mean(rel_ru):+.2f} %, worst {worst:.2f} %")
        print(f"  CPU time is the sum over the threads (within 1 %)             {verdict(worst <= 1.0)}\n")

        bare2, boxed2 = [], []
        for _ in range(pairs):
            bare2 += [r[0] for r in in_parallel([lambda: t.bare("cpu", n)] * 2)]
            boxed2 += [r[0] for r in in_parallel([lambda: t.boxed("cpu", n)] * 2)]
        report_pair(f"3. two at once, {pairs} pairs each (bare pairs and box pairs interleaved)", bare2, boxed2)
        mb = statistics.mean(bare)
        over_single = 100.0 * (statistics.mean(boxed2) - mb) / mb
        print(f"  two boxes at once vs one bare program: {over_single:+.2f} %  "
              f"(CV {cv(boxed2):.2f} % vs {cv(bare):.2f} % + 0.5)   "
              f"{verdict(over_single <= 1.0 and cv(boxed2) <= cv(bare) + 0.5)}")
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

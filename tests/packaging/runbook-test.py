#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""runbook-test: holds runbooks/*.md to the real rustbox.

1. Every `rustbox ...` and `rustbox-*.sh ...` invocation in a runbook's code
   (fenced blocks and inline code) must name a command and flags that exist:
   commands come from `rustbox --help`, flags from `rustbox COMMAND --help`
   and `SCRIPT --help`. Metric names (rustbox_*) must be in `rustbox metrics`,
   log events (event=NAME) among rustbox's sources, alert names (Rustbox*) in
   prometheus/rustbox.rules.yml, linked runbooks must exist.
2. Every fenced shell block marked `<!-- safe -->` (or `<!-- safe exit=N -->`)
   is run with bash, in document order, against a private configuration
   (its own state_dir, work_root, name_prefix and uid range). Its exit status
   must be N (default 0), and each line of the ```text block that follows it
   must appear in its output (stdout and stderr); `…` in a line matches any
   text. The runbooks name the installed paths (/var/lib/rustbox,
   /var/lib/rustbox/boxes/rustbox-N, /etc/rustbox/config.json, prefix rustbox): commands are
   mapped to the test's paths before they run, and output back before it is
   compared.
3. `<!-- fixture: NAME ARGS -->` sets up, at that point of the runbook, the
   situation the runbook is about (a dead box, a quarantine, an orphan
   process, a corrupt state file, a wrong backend); see FIXTURES.

Needs root (mounts, cgroups, box uids). Leaves nothing behind: after each
runbook it recovers every box of the test prefix, checks that no mount,
cgroup or process of it is left, and removes the test directory.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PREFIX = "rbrunbook"
FIRST_UID = 3_200_000        # private range: no other suite or installation uses it
NUM_BOXES = 100
ELLIPSIS = "\u2026"
SHELL_LANGS = {"sh", "bash", "console", "shell", ""}

SAFE_RE = re.compile(r"^<!--\s*safe(?:\s+exit=(\d+))?\s*-->$")
FIXTURE_RE = re.compile(r"^<!--\s*fixture:\s*(.+?)\s*-->$")
FENCE_RE = re.compile(r"^(\s*)```\s*([\w-]*)\s*$")


def fail(msg):
    print(f"runbook-test: {msg}", file=sys.stderr)
    sys.exit(1)


# ---- parsing ---------------------------------------------------------------

class Block:
    def __init__(self, lang, lines, lineno):
        self.lang, self.lines, self.lineno = lang, lines, lineno
        self.safe_exit = None       # expected exit status when marked safe
        self.expect = None          # lines of the following text block

    @property
    def text(self):
        return "\n".join(self.lines) + "\n"


def parse_runbook(path):
    """Returns (events, blocks, prose_lines): events are ('fixture', args,
    lineno) and ('block', Block) in document order."""
    events, blocks, prose = [], [], []
    lines = open(path, encoding="utf-8").read().split("\n")
    i, pending_safe = 0, None
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        m = FENCE_RE.match(line)
        if m:
            indent, lang = len(m.group(1)), m.group(2)
            body, j = [], i + 1
            while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
                body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j].lstrip())
                j += 1
            if j == len(lines):
                fail(f"{path}:{i + 1}: unclosed code block")
            b = Block(lang, body, i + 1)
            if pending_safe is not None:
                if lang not in SHELL_LANGS:
                    fail(f"{path}:{i + 1}: a safe marker precedes a {lang!r} block, not a shell block")
                b.safe_exit = pending_safe
                pending_safe = None
            elif lang == "text" and blocks and blocks[-1].safe_exit is not None and blocks[-1].expect is None \
                    and all(not l.strip() for l in lines[blocks[-1]._end + 1:i]):
                blocks[-1].expect = body
                i = j + 1
                continue
            b._end = j
            blocks.append(b)
            events.append(("block", b))
            i = j + 1
            continue
        if pending_safe is not None and stripped:
            fail(f"{path}:{i + 1}: a safe marker must be followed directly by a shell block")
        m = SAFE_RE.match(stripped)
        if m:
            pending_safe = int(m.group(1) or 0)
        elif FIXTURE_RE.match(stripped):
            events.append(("fixture", shlex.split(FIXTURE_RE.match(stripped).group(1)), i + 1))
        elif stripped.startswith("<!--") and ("safe" in stripped or "fixture" in stripped):
            fail(f"{path}:{i + 1}: malformed marker: {stripped}")
        else:
            prose.append((i + 1, line))
        i += 1
    if pending_safe is not None:
        fail(f"{path}: a safe marker at the end of the file marks nothing")
    return events, blocks, prose


# ---- invocation check ------------------------------------------------------

class Checker:
    WRAPPERS = {"sudo", "time", "exec", "!", "if", "then", "elif", "else", "while", "until", "do", "nice",
                "nohup", "xargs", "{", "}"}
    SEPARATORS = {"|", "||", "&&", ";", "&", "(", ")", ";;", "|&"}

    def __init__(self, rustbox, scripts_dir, env):
        self.rustbox, self.scripts_dir, self.env = rustbox, scripts_dir, env
        self.help = {}
        top = self._help([rustbox, "--help"])
        part = top.split("commands:", 1)[1].split("global options:", 1)[0]
        self.commands = set(re.findall(r"^\s{2}([a-z]+)\b", part, re.M)) | {"version"}
        self.global_flags = set(re.findall(r"(--[a-z-]+)", top.split("global options:", 1)[1])) | {"--help"}
        self.invocations = 0

    def _help(self, argv):
        key = tuple(argv)
        if key not in self.help:
            p = subprocess.run(argv, capture_output=True, text=True, env=self.env)
            if p.returncode != 0:
                raise RuntimeError(f"'{' '.join(argv)}' exited {p.returncode}: {p.stderr.strip()}")
            self.help[key] = p.stdout
        return self.help[key]

    @staticmethod
    def _has_flag(flag, text):
        return re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text) is not None

    def check_rustbox(self, args):
        errors = []
        i = 0
        while i < len(args) and args[i].startswith("-"):
            flag = args[i].split("=", 1)[0]
            if flag in ("--help", "-h"):
                return errors
            if flag not in self.global_flags:
                errors.append(f"rustbox has no global option {flag}")
            i += 2 if args[i] == "--config" else 1
        if i >= len(args):
            return errors + ["'rustbox' without a command"]
        cmd = args[i]
        if cmd not in self.commands:
            return errors + [f"rustbox has no command '{cmd}'"]
        text = self._help([self.rustbox, cmd, "--help"])
        rest = args[i + 1:]
        if cmd == "baseline":
            if not rest or rest[0] not in ("capture", "diff"):
                return errors + [f"'rustbox baseline' takes capture or diff, not {rest[:1]}"]
            rest = rest[1:]
        for t in rest:
            if t == "--":
                break
            if re.fullmatch(r"-{1,2}[A-Za-z][\w-]*(=.*)?", t):
                flag = t.split("=", 1)[0]
                if flag not in ("--help", "-h") and not self._has_flag(flag, text):
                    errors.append(f"'rustbox {cmd}' has no option {flag}")
        return errors

    def check_script(self, name, args):
        path = os.path.join(self.scripts_dir, name)
        if not os.path.exists(path):
            return [f"no script {name} in {self.scripts_dir}"]
        text = self._help([path, "--help"])
        errors = []
        for t in args:
            if re.fullmatch(r"-{1,2}[A-Za-z][\w-]*(=.*)?", t):
                flag = t.split("=", 1)[0]
                if not self._has_flag(flag, text):
                    errors.append(f"'{name}' has no option {flag}")
        return errors

    def check_line(self, line):
        """Checks every rustbox/script invocation on a shell line."""
        errors = []
        subs = re.findall(r"\$\(([^()]*)\)", line)
        line = re.sub(r"\$\(([^()]*)\)", "X", line)
        for s in subs:
            errors += self.check_line(s)
        lex = shlex.shlex(line, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        lex.commenters = "#"
        try:
            tokens = list(lex)
        except ValueError:
            tokens = line.split()
        segments, cur = [], []
        for t in tokens:
            if t in self.SEPARATORS:
                segments.append(cur)
                cur = []
            else:
                cur.append(t)
        segments.append(cur)
        for seg in segments:
            while seg and (seg[0] in self.WRAPPERS or re.fullmatch(r"[A-Za-z_]\w*=.*", seg[0])):
                seg = seg[1:]
            if not seg:
                continue
            if seg[0] == "watch":
                rest = [t for t in seg[1:] if not t.startswith("-") and not t.isdigit()]
                errors += self.check_line(" ".join(rest))
                continue
            args = []
            for t in seg[1:]:
                if re.fullmatch(r"[<>&|]+|\d[<>]+&?\d*", t):
                    break
                args.append(t)
            # A command word: the bare name or a path in a bin dir (not /etc/cron.d/rustbox).
            base = os.path.basename(seg[0]) if re.fullmatch(r"(/[\w/]*bin/)?[\w.-]+", seg[0]) else ""
            if base == "rustbox":
                self.invocations += 1
                errors += self.check_rustbox(args)
            elif re.fullmatch(r"rustbox-[\w-]+\.sh", base):
                self.invocations += 1
                errors += self.check_script(base, args)
        return errors

    def check_shell_text(self, text):
        text = re.sub(r"\\\n", " ", text)
        errors = []
        for line in text.split("\n"):
            errors += self.check_line(line)
        return errors


def names_in_sources():
    names = set()
    src = os.path.join(ROOT, "src")
    for f in os.listdir(src):
        if f.endswith(".c"):
            names |= set(re.findall(r'"([a-z_]+)"', open(os.path.join(src, f), encoding="utf-8").read()))
    return names


def check_names(path, text, metrics, events, alerts, runbook_dir, scripts_dir):
    errors = []
    for m in sorted(set(re.findall(r"\brustbox_[a-z_]+", text))):
        base = re.sub(r"_(bucket|sum|count)$", "", m)
        if m not in metrics and base not in metrics:
            errors.append(f"metric {m} is not exposed by 'rustbox metrics'")
    for e in sorted(set(re.findall(r"event=([a-z_]+)", text))):
        if e not in events:
            errors.append(f"log event {e} does not exist in rustbox")
    if alerts is not None:
        for a in sorted(set(re.findall(r"\bRustbox[A-Z]\w*", text))):
            if a not in alerts:
                errors.append(f"alert {a} is not in prometheus/rustbox.rules.yml")
    for link in sorted(set(re.findall(r"\]\(([\w.-]+\.md)\)", text)) |
                       set(re.findall(r"/usr/share/doc/rustbox/runbooks/([\w.-]+\.md)", text))):
        if not os.path.exists(os.path.join(runbook_dir, link)):
            errors.append(f"linked runbook {link} does not exist")
    for s in sorted(set(re.findall(r"\brustbox-[a-z-]+\.sh\b", text))):
        if not os.path.exists(os.path.join(scripts_dir, s)):
            errors.append(f"script {s} does not exist")
    return errors


def check_runbook(path, checker, metrics, events, alerts, runbook_dir, scripts_dir):
    events_, blocks, prose = parse_runbook(path)
    errors = []
    for b in blocks:
        if b.lang in SHELL_LANGS:
            errors += [f"{path}:{b.lineno}: {e}" for e in checker.check_shell_text(b.text)]
    for lineno, line in prose:
        for span in re.findall(r"`([^`]+)`", line):
            if span.strip() == "rustbox":
                continue  # the name in prose, not an invocation
            errors += [f"{path}:{lineno}: {e}" for e in checker.check_line(span)]
    text = open(path, encoding="utf-8").read()
    errors += [f"{path}: {e}" for e in check_names(path, text, metrics, events, alerts, runbook_dir, scripts_dir)]
    return events_, blocks, errors


# ---- running ---------------------------------------------------------------

class Sandbox:
    """A private rustbox configuration, the fixtures and the teardown."""

    def __init__(self, rustbox, scripts_dir):
        self.rustbox = rustbox
        self.dir = tempfile.mkdtemp(prefix="rbdoc.")
        os.chmod(self.dir, 0o755)
        self.state = os.path.join(self.dir, "state")
        self.work = os.path.join(self.dir, "work")
        self.cwd = os.path.join(self.dir, "cwd")
        self.bin = os.path.join(self.dir, "bin")
        self.config = os.path.join(self.dir, "config.json")
        for d in (self.state, self.work, self.cwd, self.bin):
            os.makedirs(d)
        os.symlink(rustbox, os.path.join(self.bin, "rustbox"))
        self.write_config({
            "state_dir": self.state, "work_root": self.work, "name_prefix": PREFIX,
            "first_uid": FIRST_UID, "first_gid": FIRST_UID, "num_boxes": NUM_BOXES,
            # Floors low enough that the test host's own disk and memory never decide an outcome.
            "floors": {"disk_free": "1M", "inodes_free": 100, "fds_free_ratio": 0.01, "mem_available": "1M"},
        })
        self.env = dict(os.environ)
        self.env.update({
            "PATH": f"{self.bin}:{scripts_dir}:/usr/sbin:/usr/bin:/sbin:/bin",
            "RUSTBOX_CONFIG": self.config, "RUSTBOX_BIN": rustbox, "LC_ALL": "C.UTF-8",
        })
        self.pids = []
        self.cgroups = []

    def write_config(self, cfg):
        with open(self.config, "w") as f:
            json.dump(cfg, f, indent=2)

    def rb(self, *args, check=True):
        p = subprocess.run([self.rustbox, *args], capture_output=True, text=True, env=self.env)
        if check and p.returncode not in (0, 1):
            raise RuntimeError(f"rustbox {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p

    # Paths of the installed product -> the test's, and back.
    def map_cmd(self, text):
        return (text.replace("/etc/rustbox/config.json", self.config)
                .replace("/var/lib/rustbox/boxes/rustbox-", f"{self.work}/{PREFIX}-")
                .replace("/var/lib/rustbox", self.state))

    def map_out(self, text):
        return (text.replace(self.config, "/etc/rustbox/config.json")
                .replace(f"{self.work}/{PREFIX}-", "/var/lib/rustbox/boxes/rustbox-")
                .replace(self.state, "/var/lib/rustbox")
                .replace(PREFIX, "rustbox"))

    # ---- fixtures
    def fixture(self, args):
        name, rest = args[0], args[1:]
        fn = FIXTURES.get(name)
        if not fn:
            raise RuntimeError(f"unknown fixture {name} (known: {', '.join(sorted(FIXTURES))})")
        fn(self, *rest)

    def fx_quarantined(self, reason, error=None):
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        health = os.path.join(self.state, "health")
        os.makedirs(health, exist_ok=True)
        state = {"status": "quarantined", "quarantine_reason": reason, "quarantine_timestamp": now,
                 "manual": False, "failed_cleanup_count": 3 if reason == "cleanup_failure" else 0,
                 "last_cleanup_error": self.map_cmd(error) if error else None, "unhealthy": 0}
        with open(os.path.join(health, "state.json"), "w") as f:
            json.dump(state, f, indent=2)
        hist_path = os.path.join(health, "quarantine-history.json")
        hist = json.load(open(hist_path)) if os.path.exists(hist_path) else []
        hist.append({"time": now, "from": "healthy", "to": "quarantined", "reason": reason, "actor": "check"})
        with open(hist_path, "w") as f:
            json.dump(hist, f, indent=2)

    def fx_corrupt_state(self):
        health = os.path.join(self.state, "health")
        os.makedirs(health, exist_ok=True)
        with open(os.path.join(health, "state.json"), "w") as f:
            f.write('{"status": "quarant')

    def fx_dead_box(self, box_id):
        """What a supervisor killed mid-run leaves: dir, mounted root, cgroups, no lock holder."""
        name = f"{PREFIX}-{box_id}"
        root = os.path.join(self.work, name, "root")
        os.makedirs(root)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", name, root], check=True)
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            parents = ["/sys/fs/cgroup"]
        else:
            parents = [f"/sys/fs/cgroup/{c}" for c in ("memory", "pids") if
                       os.path.exists(f"/sys/fs/cgroup/{c}/cgroup.procs")]
        for p in parents:
            cg = os.path.join(p, name)
            os.mkdir(cg)
            self.cgroups.append(cg)
        seen = json.loads(self.rb("baseline", "capture").stdout)
        if root not in seen["mounts"] or not all(cg in seen["cgroups"] for cg in self.cgroups):
            raise RuntimeError(f"fixture dead-box: rustbox does not see {root} and {self.cgroups}: {seen}")

    def fx_rebooted_box(self, box_id):
        """A persistent box after a reboot: lock and dir kept, tmpfs root gone."""
        self.rb("init", "--box-id", box_id)
        subprocess.run(["umount", os.path.join(self.work, f"{PREFIX}-{box_id}", "root")], check=True)

    def fx_orphan(self, box_id):
        """A process running as the uid of a released box."""
        uid = str(FIRST_UID + int(box_id))
        p = subprocess.Popen(["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", "--", "sleep", "600"],
                             start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        self.pids.append(p)
        for _ in range(100):
            try:
                if os.stat(f"/proc/{p.pid}").st_uid == int(uid):
                    return
            except FileNotFoundError:
                break
            time.sleep(0.02)
        raise RuntimeError("fixture orphan: the process did not take the box uid")

    def fx_config_backend(self, which):
        """Forces the cgroup backend auto would not pick (v2 on a v1/hybrid host, v1 on a v2 host)."""
        picked = json.loads(self.rb("--dry-run", "run", "--code", "true").stdout)["controls"]["cgroup_backend"]
        other = {"v1": "v2", "v2": "v1"}.get(picked)
        if which != "other" or not other:
            raise RuntimeError(f"fixture config-backend: cannot pick the other backend than {picked!r}")
        cfg = json.load(open(self.config))
        cfg["cgroup_backend"] = other
        self.write_config(cfg)

    # ---- running blocks
    def run_block(self, block):
        p = subprocess.run(["bash", "-c", self.map_cmd(block.text)], cwd=self.cwd, env=self.env,
                           capture_output=True, text=True, timeout=120)
        return p.returncode, self.map_out(p.stdout), self.map_out(p.stderr)

    # ---- teardown
    def teardown(self):
        problems = []
        for p in self.pids:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
            p.wait()
        cfg = json.load(open(self.config))
        cfg["cgroup_backend"] = "auto"
        self.write_config(cfg)
        self.rb("health", "--recover", "--cleanup", check=False)
        mounts = [l.split()[4] for l in open("/proc/self/mountinfo") if self.dir in l.split()[4]]
        cgroups = []
        for top in ("/sys/fs/cgroup",):
            for dirpath, dirnames, _ in os.walk(top):
                cgroups += [os.path.join(dirpath, d) for d in dirnames if d.startswith(PREFIX + "-")]
                if dirpath.count("/") >= 5:
                    dirnames[:] = []
        procs = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                uid = os.stat(f"/proc/{pid}").st_uid
            except FileNotFoundError:
                continue
            if FIRST_UID <= uid < FIRST_UID + NUM_BOXES:
                procs.append(pid)
        if mounts or cgroups or procs:
            problems.append(f"left behind: mounts {mounts}, cgroups {cgroups}, processes {procs}")
            for pid in procs:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for m in sorted(mounts, key=len, reverse=True):
                subprocess.run(["umount", "-l", m], check=False)
            for c in sorted(cgroups, key=len, reverse=True):
                try:
                    os.rmdir(c)
                except OSError:
                    pass
        if not [l for l in open("/proc/self/mountinfo") if self.dir in l.split()[4]]:
            shutil.rmtree(self.dir)
        return problems


FIXTURES = {
    "quarantined": Sandbox.fx_quarantined,
    "corrupt-state": Sandbox.fx_corrupt_state,
    "dead-box": Sandbox.fx_dead_box,
    "rebooted-box": Sandbox.fx_rebooted_box,
    "orphan": Sandbox.fx_orphan,
    "config-backend": Sandbox.fx_config_backend,
}


def expect_regex(line):
    return re.compile(".*".join(re.escape(part) for part in line.strip().split(ELLIPSIS)))


def run_runbook(path, events, rustbox, scripts_dir):
    errors, ran = [], 0
    sb = Sandbox(rustbox, scripts_dir)
    try:
        for ev in events:
            if ev[0] == "fixture":
                try:
                    sb.fixture(ev[1])
                except Exception as e:  # a broken fixture fails the runbook, not the whole run
                    errors.append(f"{path}:{ev[2]}: fixture {' '.join(ev[1])}: {e}")
                    break
                continue
            b = ev[1]
            if b.safe_exit is None:
                continue
            ran += 1
            rc, out, err = sb.run_block(b)
            got = [l.strip() for l in (out + err).split("\n")]
            where = f"{path}:{b.lineno}"
            problems = []
            if rc != b.safe_exit:
                problems.append(f"exit status {rc}, the runbook says {b.safe_exit}")
            for want in b.expect or []:
                if not want.strip() or want.strip() == ELLIPSIS:
                    continue
                if not any(expect_regex(want).fullmatch(g) for g in got):
                    problems.append(f"output lacks: {want.strip()}")
            if problems:
                errors.append(f"{where}: " + "; ".join(problems) +
                              "\n    block:\n" + "".join(f"      {l}\n" for l in b.lines) +
                              "    output:\n" + "".join(f"      {l}\n" for l in (out + err).rstrip().split("\n")))
    finally:
        errors += [f"{path}: teardown: {p}" for p in sb.teardown()]
    return ran, errors


def self_test(checker, metrics, events, alerts, runbook_dir, scripts_dir):
    """The checker must catch a wrong command, flag, script, metric, event and link."""
    bad = ("# bad\n\n```sh\nrustbox health --revocer\nrustbox frobnicate\nrustbox-cleanup-everything.sh\n"
           "rustbox-cleanup-all.sh --force\n```\n\nSee `rustbox baseline compare x`, `rustbox_no_such_metric`,\n"
           "event=no_such_event and [x](no-such-runbook.md).\n")
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(bad)
    try:
        _, _, errors = check_runbook(f.name, checker, metrics, events, alerts, runbook_dir, scripts_dir)
    finally:
        os.unlink(f.name)
    wanted = ["no option --revocer", "no command 'frobnicate'", "rustbox-cleanup-everything.sh",
              "no option --force", "baseline' takes capture or diff", "rustbox_no_such_metric",
              "no_such_event", "no-such-runbook.md"]
    missing = [w for w in wanted if not any(w in e for e in errors)]
    if missing:
        fail(f"self-test: the checker missed: {missing} (it reported: {errors})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rustbox", required=True, help="the rustbox binary to test against")
    ap.add_argument("--runbooks", default=os.path.join(ROOT, "runbooks"))
    ap.add_argument("--scripts", default=os.path.join(ROOT, "scripts"))
    ap.add_argument("files", nargs="*", help="runbooks to test (default: all)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        fail("needs root (box mounts, cgroups and uids)")
    rustbox = os.path.abspath(a.rustbox)
    scripts_dir = os.path.abspath(a.scripts)
    files = a.files or sorted(os.path.join(a.runbooks, f) for f in os.listdir(a.runbooks) if f.endswith(".md"))
    if not files:
        fail(f"no runbooks in {a.runbooks}")

    probe = Sandbox(rustbox, scripts_dir)
    try:
        checker = Checker(rustbox, scripts_dir, probe.env)
        m = probe.rb("metrics")
        if m.returncode != 0:
            fail(f"'rustbox metrics' failed: {m.stderr.strip()}")
        metrics = set(re.findall(r"^# TYPE (\w+) ", m.stdout, re.M))
    finally:
        probe.teardown()
    events = names_in_sources()
    rules = os.path.join(ROOT, "prometheus", "rustbox.rules.yml")
    alerts = set(re.findall(r"alert:\s*(\w+)", open(rules).read())) if os.path.exists(rules) else None

    self_test(checker, metrics, events, alerts, a.runbooks, scripts_dir)

    all_errors, total = [], 0
    for path in files:
        rel = os.path.relpath(path, ROOT)
        events_, blocks, errors = check_runbook(rel, checker, metrics, events, alerts, a.runbooks, scripts_dir)
        if not any(b.safe_exit is not None for b in blocks):
            errors.append(f"{rel}: no block is marked <!-- safe -->")
        start = time.monotonic()
        ran, run_errors = run_runbook(rel, events_, rustbox, scripts_dir)
        total += ran
        errors += run_errors
        status = "ok" if not errors else f"FAILED ({len(errors)})"
        print(f"{rel}: {ran} safe blocks run, {len(blocks)} blocks checked, {time.monotonic() - start:.1f}s: {status}")
        all_errors += errors
    print(f"runbook-test: {len(files)} runbooks, {total} safe blocks run, "
          f"{checker.invocations} rustbox/script invocations checked")
    if all_errors:
        print("\n".join(all_errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

"""uv-shim benchmark: each path through the shim and the real uv side by side, in one run.

    .venv/bin/python benchmarks/run.py            # full run (about two minutes)
    .venv/bin/python benchmarks/run.py --short    # a few runs, for CI
    .venv/bin/python benchmarks/run.py --short --guard 10   # exit 1 if pass-through > 10x the real uv

It builds its own fixtures in a temporary directory: the newest real uv, the shim's
launcher in front of it, a loopback CodeArtifact (tests/support/codeartifact.py) serving
a tool, and tool directories with N receipts. Runs alternate shim/direct after warm-up;
medians, the 10th-90th percentile spread and the added time / ratio are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.codeartifact import FakeCodeArtifact  # noqa: E402
from tests.support.sandbox import BASE_PYTHON, Sandbox  # noqa: E402
from tests.support.uvbins import NEWEST  # noqa: E402

LEGACY_RECEIPT = """\
[tool]
requirements = [{{ name = "tool-{i}" }}]
python = "/usr/bin/python3"
entrypoints = [
    {{ name = "tool-{i}", install-path = "/home/u/.local/bin/tool-{i}", from = "tool-{i}" }},
]

[tool.options]
index-url = "https://aws:{token}@corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/tools/simple/"
extra-index-url = ["https://pypi.org/simple"]
"""


def timed(argv, env, runs_input=None) -> float:
    start = time.perf_counter_ns()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, input=runs_input, check=False)
    return (time.perf_counter_ns() - start) / 1e6


def spread(samples) -> str:
    ordered = sorted(samples)
    lo = ordered[int(len(ordered) * 0.1)]
    hi = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{lo:.1f}-{hi:.1f}"


def side_by_side(name, shim_argv, direct_argv, env_shim, env_direct, runs, warmup=3):
    for _ in range(warmup):
        timed(shim_argv, env_shim)
        timed(direct_argv, env_direct)
    shim, direct = [], []
    for _ in range(runs):
        shim.append(timed(shim_argv, env_shim))
        direct.append(timed(direct_argv, env_direct))
    s, d = statistics.median(shim), statistics.median(direct)
    row = {"name": name, "shim": s, "direct": d, "added": s - d, "ratio": s / d if d else float("inf"),
           "shim_spread": spread(shim), "direct_spread": spread(direct), "runs": runs}
    print(f"{name:<52} {s:8.2f} ms [{row['shim_spread']:>11}]  {d:8.2f} ms [{row['direct_spread']:>11}]"
          f"  {row['added']:+7.2f} ms  x{row['ratio']:.2f}", flush=True)
    return row


def passthrough_rows(box, runs):
    env = box.env
    rows = []
    for argv in (["--version"], ["tool", "list"], ["python", "find", BASE_PYTHON]):
        rows.append(side_by_side(f"pass-through: uv {' '.join(argv[:2])}", [box.shim, *argv],
                                 [box.real_uv, *argv], env, env, runs))
    return rows


def upgrade_row(box, ca, runs):
    """`uv tool upgrade` with a warm token cache vs the same with the token already in the env."""
    env = {**box.env, **ca.env()}
    installed = box.uv("tool", "install", "--python", BASE_PYTHON, "--default-index", f"corp={ca.index_url}",
                       "demo-tool", env=env)
    assert installed.returncode == 0, installed.stderr
    token = next(iter(ca.tokens))
    direct_env = {**env, "UV_INDEX_CORP_USERNAME": "aws", "UV_INDEX_CORP_PASSWORD": token}
    calls = len(ca.calls)
    row = side_by_side("uv tool upgrade (warm token cache vs token in env)", [box.shim, "tool", "upgrade", "demo-tool"],
                       [box.real_uv, "tool", "upgrade", "demo-tool"], env, direct_env, runs)
    row["aws_calls"] = len(ca.calls) - calls
    return row


def uncovered_project_rows(box, runs):
    """Project commands whose indexes no provider covers: what the shim's check costs."""
    from tests.support.index import PackageIndex

    public = PackageIndex(password=None)
    try:
        public.publish("other-lib", "1.0")
        project = box.write("proj/pyproject.toml", f"""[project]
name = "bench-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["other-lib"]

[tool.uv]
package = false
index-url = "{public.url}"
""").parent
        env = {**box.env, "UV_PYTHON": BASE_PYTHON}
        subprocess.run([box.real_uv, "--directory", project, "sync"], env=env, check=True, capture_output=True)
        time.sleep(2.5)  # files older than 2 s: the next command writes the project's verdict
        subprocess.run([box.shim, "--directory", project, "lock"], env=env, capture_output=True)
        rows = []
        for argv in (["lock"], ["run", "python", "-c", "pass"]):
            full = ["--directory", str(project), *argv]
            rows.append(side_by_side(f"uncovered index: uv {' '.join(argv[:1])}", [box.shim, *full],
                                     [box.real_uv, *full], env, env, runs))
        return rows
    finally:
        public.close()


PROJECT_COMMANDS = (["run", "python", "-c", "1"], ["sync"], ["lock"])


def requests_per_run(argv, env, index, n=3) -> float:
    """HTTP requests the index receives per run of argv (the median case is 0 for a synced project)."""
    before = len(index.requests)
    for _ in range(n):
        subprocess.run(argv, env=env, capture_output=True, check=False)
    return (len(index.requests) - before) / n


def project_budget_rows(box, runs):
    """Issue 12, item 4: `uv run python -c 1`, `uv sync`, `uv lock` in a synced project, through
    the shim and the real uv in the same run, with the HTTP requests each side adds.

    - uncovered: the project's index needs no credential (a public index on loopback), with no
      uv-shim config at all (the launcher's cheap look) and with a config that covers another
      index (the full check runs);
    - covered: a private index a `command` provider covers; its credential (JSON expires_at)
      is already in the token cache; the real uv gets the same credential through its
      environment (UV_INDEX_CORP_USERNAME/PASSWORD, the index is named `corp`).
    """
    import json

    from tests.support.index import PackageIndex

    public = PackageIndex(password=None)
    private = PackageIndex(password="bench-token")
    rows = []
    try:
        for index, lib in ((public, "public-lib"), (private, "corp-lib")):
            index.publish(lib, "1.0")
        env = {**box.env, "UV_PYTHON": BASE_PYTHON}
        cases = []
        uncovered = box.write("proj-uncovered/pyproject.toml", f"""[project]
name = "bench-uncovered"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["public-lib"]

[tool.uv]
package = false

[[tool.uv.index]]
name = "pub"
url = "{public.url}"
default = true
""").parent
        cases.append(("uncovered, no uv-shim config", uncovered, public, env, env, False))
        cases.append(("uncovered, config for another index", uncovered, public, env, env, True))
        covered = box.write("proj-covered/pyproject.toml", f"""[project]
name = "bench-covered"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["corp-lib"]

[tool.uv]
package = false

[[tool.uv.index]]
name = "corp"
url = "{private.url}"
default = true
""").parent
        answer = box.write("secrets/bench.json", json.dumps(
            {"username": "aws", "password": "bench-token", "expires_at": time.time() + 12 * 3600}))
        config = (f'[[credential]]\nurl = "{private.url}"\nprovider = "command"\n'
                  f'command = ["cat", "{answer}"]\n')
        direct_env = {**env, "UV_INDEX_CORP_USERNAME": "aws", "UV_INDEX_CORP_PASSWORD": "bench-token"}
        cases.append(("covered, cached credential", covered, private, env, direct_env, True))
        config_path = box.home / ".config" / "uv-shim" / "config.toml"
        for label, project, index, shim_env, real_env, configured in cases:
            if configured:
                box.shim_config(config)
            elif config_path.exists():
                config_path.unlink()
            done = subprocess.run([box.shim, "--directory", project, "sync"], env=shim_env, capture_output=True,
                                  text=True)  # through the shim: it also warms the token cache
            if done.returncode:
                sys.exit(f"sync of the {label} project failed:\n{done.stderr}")
            # The sync just made .venv: a verdict is written only once the project's files are
            # more than 2 s old (shim/verdict.py); the next command writes it.
            time.sleep(2.5)
            subprocess.run([box.shim, "--directory", project, "lock"], env=shim_env, capture_output=True)
            for argv in PROJECT_COMMANDS:
                full = ["--directory", str(project), *argv]
                row = side_by_side(f"{label}: uv {' '.join(argv)}", [box.shim, *full], [box.real_uv, *full],
                                   shim_env, real_env, runs)
                shim_requests = requests_per_run([box.shim, *full], shim_env, index)
                real_requests = requests_per_run([box.real_uv, *full], real_env, index)
                row["requests_added"] = shim_requests - real_requests
                print(f"{'':<52} HTTP requests per run: shim {shim_requests:g}, real uv {real_requests:g},"
                      f" added {row['requests_added']:g}", flush=True)
                rows.append(row)
            launcher_rows(box, label, project, shim_env, runs * 4)
        config_path.unlink()
        return rows
    finally:
        public.close()
        private.close()


def launcher_rows(box, label, project, env, runs):
    """The launcher's own cost on the verdict path, free of uv's noise: the real uv replaced by
    a copy of /bin/true (its version recorded as the real uv's in uv-shim's version cache, so
    that Python decides as for that uv), timed against running that copy directly."""
    import json
    import shutil

    past = time.time() - 10  # a verdict vouches only for files more than 2 s old
    fake = box.root / "fake-uv" / "uv"
    if not fake.exists():
        fake.parent.mkdir()
        shutil.copy2("/bin/true", fake)
        for path in (fake, fake.parent, box.root):
            os.utime(path, (past, past))
    info = fake.stat()
    state = box.home / ".local" / "state" / "uv-shim"
    state.mkdir(parents=True, exist_ok=True)
    record = state / "real-uv-version.json"
    record.write_text(json.dumps(
        {"key": f"{os.path.realpath(fake)}|{info.st_size}|{info.st_mtime_ns}|{info.st_ino}", "version": NEWEST}))
    for path in (record, state):
        os.utime(path, (past, past))
    env = {**env, "UV_SHIM_REAL_UV": str(fake)}
    for argv in PROJECT_COMMANDS:
        full = ["--directory", str(project), *argv]
        subprocess.run([box.shim, *full], env=env, capture_output=True)  # Python decides: the verdict
        side_by_side(f"  the launcher alone: uv {argv[0]}", [box.shim, *full], [fake, *full],
                     env, env, runs)


def aws_calls_row(box, ca, invocations):
    """AWS calls for `invocations` upgrades starting from an empty token cache (goal: 1)."""
    env = {**box.env, **ca.env()}
    subprocess.run([box.shim_home / "bin" / "uv-shim", "credentials", "--clear"], env=env, check=True,
                   capture_output=True)
    before = len(ca.calls)
    for _ in range(invocations):
        subprocess.run([box.shim, "tool", "upgrade", "demo-tool"], env=env, capture_output=True, check=True)
    calls = len(ca.calls) - before
    print(f"AWS GetAuthorizationToken calls for {invocations} `uv tool upgrade` within one token life,"
          f" starting from an empty cache: {calls}")
    return calls


def repair_rows(counts, repeats=5):
    """In-process receipt scan (clean receipts) and repair (every receipt holds a stale token),
    each the median of `repeats` runs on fresh fixtures."""
    from shim import receipts

    rows = []
    for n in counts:
        repairs, scans = [], []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                tool_dir = Path(tmp)
                for i in range(n):
                    (tool_dir / f"tool-{i}").mkdir()
                    (tool_dir / f"tool-{i}" / "uv-receipt.toml").write_text(
                        LEGACY_RECEIPT.format(i=i, token=f"tok{i:06d}"))
                start = time.perf_counter_ns()
                receipts.repair(tool_dir, None)
                repairs.append((time.perf_counter_ns() - start) / 1e6)
                start = time.perf_counter_ns()
                receipts.repair(tool_dir, None)  # now clean: a scan with nothing to change
                scans.append((time.perf_counter_ns() - start) / 1e6)
        repair_ms, scan_ms = statistics.median(repairs), statistics.median(scans)
        rows.append((n, repair_ms, scan_ms))
        print(f"receipts --all, {n:4d} tools: repair {repair_ms:7.1f} ms ({repair_ms / n:.2f} ms/tool), "
              f"scan of clean receipts {scan_ms:6.1f} ms", flush=True)
    return rows


def peak_memory(box, ca) -> float:
    """Peak RSS (MB) of the Python path (`uv tool upgrade` with a warm cache and its preflight).

    uv is replaced by /bin/true so that the peak is the shim's, not uv's (exec keeps the
    process and its high-water mark); a fresh parent keeps other children out of it.
    """
    env = {**box.env, **ca.env(), "UV_SHIM_REAL_UV": "/bin/true"}
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True);"
            " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(box.shim), "tool", "upgrade", "demo-tool"], env=env,
                         check=True, capture_output=True, text=True).stdout
    peak_mb = int(out) / 1024
    print(f"peak memory of the Python path: {peak_mb:.1f} MB")
    return peak_mb


def install_shim(box) -> None:
    """Install uv-shim the way users do (install.sh: its own venv, not this editable checkout)."""
    result = subprocess.run(["sh", str(ROOT / "install.sh"), "--prefix", str(box.shim_home),
                             "--real-uv", str(box.real_uv)], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"install.sh failed:\n{result.stderr}")


def describe_machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="a few runs only (CI)")
    parser.add_argument("--guard", type=float, help="exit 1 if a pass-through row is more than this ratio")
    parser.add_argument("--projects", action="store_true", help="only the project-command rows (issue 12 item 4)")
    args = parser.parse_args()
    runs = 10 if args.short else 60
    print(f"uv-shim benchmark, real uv {NEWEST}; {describe_machine()}")
    print(f"{'path':<52} {'through shim':>26}  {'real uv directly':>26}  {'added':>10}  ratio")
    with tempfile.TemporaryDirectory() as tmp:
        box = Sandbox(Path(tmp), NEWEST)
        install_shim(box)
        if args.projects:
            project_budget_rows(box, max(5, runs // 2))
            return 0
        rows = passthrough_rows(box, runs)
        uncovered = uncovered_project_rows(box, max(5, runs // 2))
        if args.guard:
            worst = max(row["ratio"] for row in rows)
            if worst > args.guard:
                print(f"FAIL: pass-through is {worst:.1f}x the real uv (guard {args.guard}x)")
                return 1
        ca = FakeCodeArtifact(token_lifetime=12 * 3600)
        ca.publish("demo-tool", "1.0")
        try:
            upgrade = upgrade_row(box, ca, max(5, runs // 3))
            projects = project_budget_rows(box, max(5, runs // 2))
            aws_calls_row(box, ca, 10 if args.short else 100)
            peak_memory(box, ca)
        finally:
            ca.close()
    repair_rows([50, 100, 200] if args.short else [50, 100, 200, 400], repeats=1 if args.short else 5)
    print(f"warm-cache upgrade added {upgrade['added']:.1f} ms (AWS calls during it: {upgrade['aws_calls']})")
    print("uncovered project commands added " + ", ".join(f"{r['added']:.1f} ms" for r in uncovered))
    print("project rows (issue 12): " + "; ".join(f"{r['name']} {r['added']:+.1f} ms, {r['requests_added']:g} requests"
                                                 for r in projects))
    if args.guard:
        print(f"guard ok: every pass-through row within {args.guard}x of the real uv")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A hostile program for uv to start: it looks for a token everywhere a child of uv could read it.

The scan (`SCAN_SOURCE`) checks, in the process it runs in:
- `env`: every environment variable (name and value);
- `fd`: every entry of /proc/self/fd it can open for reading (reopened through /proc, so a
  memfd, a file, or the read end of a pipe), and a pread of the descriptor itself;
- `file`: every file whose path is the value of an environment variable (`/proc/self/fd/N`
  values included);
- `dir` (reported, not part of the hand-off rule): files directly inside a directory whose path
  is the value of an environment variable (e.g. a credentials directory uv was pointed at).
It writes a JSON verdict to a path fixed in its code (never passed through the environment),
with what it checked, so a test can tell "found nothing" from "did not run".

Used as a `uv run` script, as the console script of a wheel (`uvx`, `uv tool run`), and as an
in-tree PEP 517 build backend.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from .wheels import _record_line

SCAN_SOURCE = r'''
def _scan(needles, out):
    import json, os, stat
    needles = [bytes.fromhex(n) for n in needles]  # hex in the source: the source itself holds no token
    hits = {"env": [], "fd": [], "file": [], "dir": []}
    checked = {"env": 0, "fd": [], "file": [], "dir": []}

    def has(data):
        return any(n in data for n in needles)

    def read_path(path, limit=8 << 20):
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            chunks, size = [], 0
            while size < limit:
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    for name, value in os.environ.items():
        checked["env"] += 1
        if has(f"{name}={value}".encode()):
            hits["env"].append(name)
    try:
        fds = sorted(int(n) for n in os.listdir("/proc/self/fd"))
    except OSError:
        fds = []
    for n in fds:
        try:
            target = os.readlink(f"/proc/self/fd/{n}")
        except OSError:
            continue
        found = False
        try:
            if has(read_path(f"/proc/self/fd/{n}")):
                found = True
        except OSError:
            pass
        try:
            if stat.S_ISREG(os.fstat(n).st_mode) and has(os.pread(n, 8 << 20, 0)):
                found = True
        except OSError:
            pass
        checked["fd"].append(f"{n}->{target}")
        if found:
            hits["fd"].append(f"{n}->{target}")
    for name, value in os.environ.items():
        if not value.startswith("/"):
            continue
        try:
            if os.path.isfile(value):
                checked["file"].append(name)
                if has(read_path(value)):
                    hits["file"].append(f"{name}={value}")
            elif os.path.isdir(value):
                for entry in os.listdir(value)[:200]:
                    path = os.path.join(value, entry)
                    if os.path.isfile(path):
                        checked["dir"].append(path)
                        if has(read_path(path, 1 << 20)):
                            hits["dir"].append(f"{name}: {path}")
        except OSError:
            pass
    with open(out, "w") as handle:
        json.dump({"hits": hits, "checked": checked, "pid": os.getpid()}, handle)
'''


def _hex(needles) -> list:
    return [n.encode().hex() for n in needles]


def script(needles, out: Path) -> str:
    """Python source that scans for `needles` at once and writes its verdict to `out`."""
    return SCAN_SOURCE + f"\n_scan({_hex(needles)!r}, {str(out)!r})\n"


def wheel(name: str, version: str, needles, out: Path) -> tuple:
    """(filename, bytes) of a wheel whose console script `name` runs the scan, then prints `name version`."""
    module = name.replace("-", "_")
    dist = f"{module}-{version}.dist-info"
    code = SCAN_SOURCE + (f"\n\ndef main():\n    _scan({_hex(needles)!r}, {str(out)!r})\n"
                          f"    print('{name} {version}')\n")
    files = {
        f"{module}/__init__.py": code.encode(),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: uv-shim-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\n{name} = {module}:main\n".encode(),
    }
    record = "\n".join(_record_line(n, d) for n, d in files.items()) + f"\n{dist}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, d in files.items():
            archive.writestr(n, d)
        archive.writestr(f"{dist}/RECORD", record)
    return f"{module}-{version}-py3-none-any.whl", buffer.getvalue()


BACKEND = r'''
_scan(NEEDLES, OUT)


def _wheel(directory, metadata_only=False):
    import base64, hashlib, os, zipfile
    dist = "localdep-0.1.dist-info"
    files = {
        "localdep/__init__.py": b"",
        dist + "/METADATA": b"Metadata-Version: 2.1\nName: localdep\nVersion: 0.1\n",
        dist + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: scanbackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if metadata_only:
        os.makedirs(os.path.join(directory, dist), exist_ok=True)
        for name in ("METADATA", "WHEEL"):
            with open(os.path.join(directory, dist, name), "wb") as handle:
                handle.write(files[dist + "/" + name])
        return dist
    def line(name, data):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{name},sha256={digest},{len(data)}"
    record = "\n".join(line(n, d) for n, d in files.items()) + "\n" + dist + "/RECORD,,\n"
    filename = "localdep-0.1-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as archive:
        for n, d in files.items():
            archive.writestr(n, d)
        archive.writestr(dist + "/RECORD", record)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(directory, config_settings=None):
    return _wheel(directory, metadata_only=True)


def prepare_metadata_for_build_editable(directory, config_settings=None):
    return _wheel(directory, metadata_only=True)


def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)


def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)


def build_sdist(directory, config_settings=None):
    raise RuntimeError("no sdist")
'''


def write_backend_project(directory: Path, needles, out: Path) -> None:
    """A path dependency `localdep` built by an in-tree backend (`backend-path`) that scans.

    Its dependencies are dynamic, so even `uv lock` has to run the backend for its metadata.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "scanbackend"\nbackend-path = ["."]\n\n'
        '[project]\nname = "localdep"\nversion = "0.1"\ndynamic = ["dependencies"]\n')  # uv must ask the backend
    (directory / "scanbackend.py").write_text(
        SCAN_SOURCE + f"\nNEEDLES = {_hex(needles)!r}\nOUT = {str(out)!r}\n" + BACKEND)


def verdict(out: Path) -> dict:
    """The scan's verdict; fails the test when the scan never ran."""
    assert out.is_file(), f"the scanning program did not run (no {out})"
    result = json.loads(out.read_text())
    assert result["checked"]["env"] > 0 and result["checked"]["fd"], result  # it really looked
    return result


def leaks(result: dict) -> dict:
    """Where the token was found, among the places the hand-off rule covers (env, fd, file)."""
    return {k: v for k, v in result["hits"].items() if v and k != "dir"}

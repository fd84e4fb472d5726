"""A local project (a directory, not a published wheel) that uv can build with nothing from an
index: an in-tree PEP 517 backend (`backend-path = ["."]`) writes its wheel with the standard
library. For `uv tool install ./dir`, `uv pip install -e dir` and path dependencies."""

from __future__ import annotations

from pathlib import Path

BACKEND = r'''
import base64, hashlib, os, zipfile

NAME, VERSION, REQUIRES = {name!r}, {version!r}, {requires!r}
MODULE = NAME.replace("-", "_")
DIST = f"{{MODULE}}-{{VERSION}}.dist-info"


def _files():
    metadata = f"Metadata-Version: 2.1\nName: {{NAME}}\nVersion: {{VERSION}}\n"
    metadata += "".join(f"Requires-Dist: {{r}}\n" for r in REQUIRES)
    return {{
        f"{{MODULE}}/__init__.py": f"def main():\n    print('{{NAME}} {{VERSION}} (local)')\n".encode(),
        f"{{DIST}}/METADATA": metadata.encode(),
        f"{{DIST}}/WHEEL": b"Wheel-Version: 1.0\nGenerator: localbackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{{DIST}}/entry_points.txt": f"[console_scripts]\n{{NAME}} = {{MODULE}}:main\n".encode(),
    }}


def _metadata(directory):
    os.makedirs(os.path.join(directory, DIST), exist_ok=True)
    for name, data in _files().items():
        if name.startswith(DIST):
            with open(os.path.join(directory, name), "wb") as handle:
                handle.write(data)
    return DIST


def _wheel(directory):
    files = _files()
    def line(name, data):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{{name}},sha256={{digest}},{{len(data)}}"
    record = "\n".join(line(n, d) for n, d in files.items()) + f"\n{{DIST}}/RECORD,,\n"
    filename = f"{{MODULE}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as archive:
        for n, d in files.items():
            archive.writestr(n, d)
        archive.writestr(f"{{DIST}}/RECORD", record)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(directory, config_settings=None):
    return _metadata(directory)


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)


build_editable = build_wheel
'''


def write_project(directory: Path, name: str, version: str, requires=(), uv_toml: str = "") -> Path:
    """`directory` with a pyproject.toml (static metadata, console script `name`, then the
    `uv_toml` text: [tool.uv.sources], [[tool.uv.index]]) and its in-tree backend."""
    directory.mkdir(parents=True, exist_ok=True)
    module = name.replace("-", "_")
    deps = ", ".join(f'"{r}"' for r in requires)
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\nrequires-python = ">=3.8"\n'
        f'dependencies = [{deps}]\n\n[project.scripts]\n{name} = "{module}:main"\n\n'
        '[build-system]\nrequires = []\nbuild-backend = "localbackend"\nbackend-path = ["."]\n\n' + uv_toml)
    (directory / "localbackend.py").write_text(BACKEND.format(name=name, version=version, requires=list(requires)))
    return directory


def pinned(url: str, package: str = "corp-utils", index: str = "corp") -> str:
    """`[tool.uv.sources]` sending `package` to the explicit index `index` at `url`, and that index."""
    return (f'[tool.uv.sources]\n{package} = {{ index = "{index}" }}\n\n'
            f'[[tool.uv.index]]\nname = "{index}"\nurl = "{url}"\nexplicit = true\n')


def sandbox_with_default(tmp_path: Path, public_index):
    """A sandbox (newest uv behind the shim) whose default index is `public_index`, serving
    rich-lite; uv makes no retry (a refused request is not asked again)."""
    from .sandbox import BASE_PYTHON, Sandbox
    from .uvbins import NEWEST

    public_index.publish("rich-lite", "1.0")
    box = Sandbox(tmp_path, NEWEST)
    box.env.update({"UV_PYTHON": BASE_PYTHON, "UV_INDEX_URL": public_index.url, "UV_HTTP_RETRIES": "0"})
    return box

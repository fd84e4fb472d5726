"""8 shims running `uv tool upgrade --all` at once over 20 installed tools, in rounds: every
receipt stays readable by the real uv, nothing is lost, no temp file is left behind."""

import concurrent.futures
import re

import pytest

from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow
TOOLS, SHIMS, ROUNDS = 20, 8, 3
TOKEN = "token-A-0001"


def test_eight_shims_upgrading_all_at_once(tmp_path, index):
    box = Sandbox(tmp_path, NEWEST)
    names = [f"tool-{i:02d}" for i in range(TOOLS)]
    for name in names:
        index.publish(name, "1.0")
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command(TOKEN)}\n")
    for name in names:
        result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", index.url, name)
        assert result.returncode == 0, result.stderr

    for round_ in range(1, ROUNDS + 1):
        # Stale tokens back in every receipt, as a legacy uv would have left them, and new versions.
        for name in names:
            path = box.receipt_path(name)
            path.write_text(path.read_text().replace("http://127.0.0.1", f"http://aws:stale-{round_}@127.0.0.1"))
            if round_ % 2:
                index.publish(name, f"{round_ + 1}.0")
        with concurrent.futures.ThreadPoolExecutor(SHIMS) as pool:
            results = list(pool.map(lambda _: box.uv("tool", "upgrade", "--all", timeout=600), range(SHIMS)))
        assert [r.returncode for r in results] == [0] * SHIMS, [r.stderr[-500:] for r in results]

        listed = box.real("tool", "list")
        assert listed.returncode == 0 and "malformed" not in listed.stderr.lower(), listed.stderr
        assert sorted(re.findall(r"^(tool-\d\d) v", listed.stdout, re.M)) == names
        for name in names:
            receipt = box.receipt(name)
            assert "stale-" not in receipt and TOKEN not in receipt
        assert [p.name for p in box.tool_dir.rglob("*.uv-shim-tmp.*")] == []
        expected = f"{round_ + 1 if round_ % 2 else round_}.0"
        assert {box.tool_output(name) for name in names} == {f"{name} {expected}" for name in names}

"""docs/operations.md cannot rot: its restore drill runs verbatim on a real data dir."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "operations.md"


def drill_script() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("<!-- drill:start -->", 1)[1].split("<!-- drill:end -->", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert blocks, "the drill section has no bash block"
    return "\n".join(blocks)


def test_every_validation_error_code_is_documented():
    from atocore.ops import backup

    codes = re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", backup.validate_backup.__doc__.split(":", 1)[1])
    doc = DOC.read_text(encoding="utf-8")
    missing = [c for c in codes if c not in ("validation",) and f"`{c}`" not in doc]
    assert codes and missing == []


@pytest.mark.skipif(shutil.which("jq") is None, reason="the drill uses jq")
def test_restore_drill_runs_as_written(cli, data_dir, tmp_path):
    cli("init")
    assert cli("projects", "register", "p05-interferometer", "-a", "p05").exit_code == 0
    assert cli("state", "set", "p05", "decision", "lateral_support", "GF-PTFE").exit_code == 0
    assert cli("memory", "add", "--project", "p05", "Thermal drift stays low").exit_code == 0
    bin_dir = Path(sys.executable).parent
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ATOCORE_")},
        "ATOCORE_DATA_DIR": str(data_dir),
        "HOME": str(tmp_path / "home"),
        "TMPDIR": str(tmp_path),  # the drill's scratch dir stays in the test's
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    script = tmp_path / "drill.sh"
    script.write_text(drill_script())
    result = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "drill ok: restored" in result.stdout
    assert "drill ok" in (data_dir / "logs" / "drills.log").read_text()
    # the restore report is kept with the data dir, not left in /tmp
    (report,) = (data_dir / "logs").glob("restore-*.json")
    assert json.loads(report.read_text())["db_restored"] is True
    kinds = sorted(s["kind"] for s in cli.json("backup", "list")["snapshots"])
    assert kinds == ["manual", "pre-restore"]
    assert not [m for m in cli.json("memory", "list") if "DRILL-MARKER" in m["content"]]
    state = cli.json("state", "list", "p05")
    assert [e["value"] for e in state] == ["GF-PTFE"]

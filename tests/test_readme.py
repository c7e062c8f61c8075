"""The README's "Using it" block runs as written (issue 15): every `gxatlas …` line but
`serve`, in order, from a copy of the repository's examples, on a fresh KB."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Using it", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line.startswith("gxatlas "):
            out.append(shlex.split(line)[1:])
    return out


def test_readme_block_is_found() -> None:
    commands = readme_commands()
    assert len(commands) >= 20 and commands[0] == ["init"]
    assert all((ROOT / a).exists() for c in commands for a in c if a.startswith("examples/"))


def test_readme_examples_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GXATLAS_DB", f"sqlite:///{tmp_path / 'kb.sqlite'}")
    runner = CliRunner()
    outputs = {}
    for args in readme_commands():
        if args[0] == "serve":
            continue
        res = runner.invoke(main, args, catch_exceptions=False)
        assert res.exit_code == 0, (args, res.output[-2000:])
        outputs[" ".join(args[:2])] = res.stdout
    assert "TARGET_BOUND_CONFLICT" in outputs["audit examples/plans/qingxiu_plan.txt"]
    assert "规模以上工业总产值" in outputs["monitor --region"]
    assert (tmp_path / "parks.xlsx").stat().st_size > 0
    assert "南宁市 产业简报" in (tmp_path / "brief.html").read_text(encoding="utf-8")

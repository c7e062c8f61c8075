"""Time and peak memory of `gxatlas extract` on the hostile inputs of issue 14 (a script).

Each input is made on the fly in a temporary folder (see tests/hostile_inputs.py) and read by
`gxatlas extract` in a subprocess with the default limits; the peak resident memory of the
command and its reader processes (wait4) and the wall time are printed with the first line
of what it said. Target: a clear one-line answer for each, under 500 MB.

    .venv/bin/python bench/hostile_inputs.py [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from hostile_inputs import docx_bomb, pdf_bomb  # noqa: E402

TARGET_MB = 500
PLAN = "甲市工业发展规划\n到2025年，甲市高新技术产业开发区工业总产值达到800亿元。\n"


def _fixtures():
    spec = importlib.util.spec_from_file_location(
        "ingest_fixtures", REPO / "tests" / "fixtures" / "ingest" / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_inputs(folder: Path) -> dict[str, Path]:
    fx = _fixtures()
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        out[name] = folder / name
        out[name].write_bytes(data)

    put("docx_inflates_to_900MB.docx", docx_bomb(fx.docx(), 900 << 20))
    put("number_of_400_digits.txt", PLAN.replace("800", "9" * 400).encode())
    put("run_of_20000_digits.txt", (PLAN + "7" * 20_000 + "\n").encode())
    chunk = "甲市工业总产值达到800亿元，".encode()
    put("one_line_of_20MB.txt", chunk * ((20 << 20) // len(chunk)))
    block = ("<p>甲市工业总产值达到800亿元。</p>" * 1000).encode()
    put("html_of_50MB.html", b"<html><body>" + block * ((50 << 20) // len(block) + 1)
        + b"</body></html>")
    put("pdf_stream_inflates_to_1GB.pdf", pdf_bomb(1 << 30))
    put("pdf_owner_password_only.pdf", _protected_pdf())
    return out


def _protected_pdf() -> bytes:
    import io

    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption(
        "", ownerPassword="owner", canCopy=0, strength=128))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 760, PLAN.splitlines()[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def measure(path: Path, extra: list[str]) -> dict[str, object]:
    """Run `gxatlas extract` on ``path``; the peak memory is that of the command and of every
    process it waited for (its reader processes), from wait4."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gxatlas.cli", "extract", str(path), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    said = (err.decode("utf-8", "replace").strip().splitlines() or [""])[0]
    return {"input": path.name, "size_mb": round(path.stat().st_size / 2**20, 2),
            "exit": proc.returncode, "facts": len(out.splitlines()), "wall_s": round(wall, 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1), "said": said[:160]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="gxatlas-hostile-") as tmp:
        for name, path in make_inputs(Path(tmp)).items():
            rows.append(measure(path, []))
            if name == "run_of_20000_digits.txt":  # and with the digit limit raised
                row = measure(path, ["--limit", "max_digit_run=100000"])
                row["input"] += " (max_digit_run=100000)"
                rows.append(row)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r['input']:<48} {r['size_mb']:>7} MB  exit {r['exit']}  {r['facts']:>3} facts"
                  f"  {r['wall_s']:>6} s  peak {r['peak_mb']:>6} MB  {r['said']}")
        worst = max(float(r["peak_mb"]) for r in rows)  # type: ignore[arg-type]
        print(f"largest peak {worst} MB (target < {TARGET_MB} MB): "
              + ("met" if worst < TARGET_MB else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

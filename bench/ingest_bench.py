"""Benchmark: gxatlas.ingest.read() throughput per format, and peak memory.

    .venv/bin/python bench/ingest_bench.py [--mb 5] [--pdf-pages 200]

Text formats: the seed texts (../shared/corpus/seeds, else an invented sample) repeated to
``--mb`` MB and written as UTF-8, GB18030 and Big5 (the Big5 file from the traditional
text, converted with OpenCC s2t when no seed is traditional), CSV and HTML. Binary formats:
a generated PDF of ``--pdf-pages`` pages (reportlab, STSong-Light), a .docx and a .xlsx of
the same text. For each: the time of the reading step alone (bytes to ``original``) and of
the whole read() (with normalization), in KB of decoded text per second on one core, and
the peak traced memory (tracemalloc) of one read(), after a warm-up read.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import tracemalloc
from pathlib import Path

from gxatlas.ingest import read
from gxatlas.ingest.read import _extract, _sniff_format  # the reading step without normalization

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "seeds"
SAMPLE = "示例市立足资源优势，推动新材料产业集群化发展，到2025年工业总产值力争达到500亿元。\n"


def _texts() -> tuple[str, str]:
    """(simplified text, traditional text) to repeat."""
    from gxatlas.names import to_simplified

    simplified, traditional = [], []
    for path in sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        (traditional if to_simplified(text) != text else simplified).append(text)
    simple = "\n".join(simplified) or SAMPLE
    if traditional:
        return simple, "\n".join(traditional)
    import opencc

    return simple, opencc.OpenCC("s2t").convert(simple)


def _repeat(text: str, n_bytes: int) -> str:
    times = max(1, n_bytes // max(1, len(text.encode("utf-8"))))
    return "\n".join([text] * times)


def _pdf(lines: list[str], pages: int) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pageCompression=1)
    it = iter(lines * (pages * 40 // max(1, len(lines)) + 1))
    for _ in range(pages):
        c.setFont("STSong-Light", 10)
        for row in range(40):
            c.drawString(40, 800 - row * 19, next(it)[:50])
        c.showPage()
    c.save()
    return buf.getvalue()


def _docx(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _xlsx(lines: list[str]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    for i, line in enumerate(lines):
        sheet.append([i, line[:20], line[20:], i * 1.5])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _measure(path: Path) -> tuple[int, float, float, float]:
    """(characters, reading-step KB/s, whole read() KB/s, peak MB of one read())."""
    data = path.read_bytes()
    doc = read(path)  # warm-up: imports, caches
    fmt = _sniff_format(data, declared=_fmt(path), ext=path.suffix, source=str(path))
    start = time.perf_counter()
    extracted, _ = _extract(data, fmt=fmt, source=str(path))
    step = time.perf_counter() - start
    start = time.perf_counter()
    read(path)
    whole = time.perf_counter() - start
    tracemalloc.start()
    read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    kb = len(extracted.text.encode("utf-8")) / 1024
    return len(doc.original), kb / step, kb / whole, peak / 2**20


def _fmt(path: Path) -> str:
    return {".txt": "txt", ".csv": "csv", ".html": "html", ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx"}[path.suffix]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size of the text files (MB of UTF-8)")
    parser.add_argument("--pdf-pages", type=int, default=200)
    args = parser.parse_args()
    simple, traditional = _texts()
    n_bytes = int(args.mb * 2**20)
    big_simple, big_trad = _repeat(simple, n_bytes), _repeat(traditional, n_bytes)
    lines = [line for line in simple.splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        files = {
            "txt utf-8": (out / "u.txt", big_simple.encode("utf-8")),
            "txt gb18030": (out / "g.txt", big_simple.encode("gb18030")),
            "txt big5": (out / "b.txt", big_trad.encode("big5", errors="replace")),
            "csv": (out / "c.csv", "\n".join(",".join(line.split("，")[:4]) for line in big_simple.splitlines())
                    .encode("utf-8")),
            "html": (out / "h.html", ("<html><body><article>" + "".join(
                f"<p>{line}</p>" for line in _repeat(simple, n_bytes // 5).splitlines())
                + "</article></body></html>").encode("utf-8")),
            "pdf": (out / "p.pdf", _pdf(lines, args.pdf_pages)),
            "docx": (out / "d.docx", _docx(lines * 3)),
            "xlsx": (out / "x.xlsx", _xlsx(lines * 3)),
        }
        print(f"{'input':<12} {'file MB':>8} {'chars':>10} {'read KB/s':>10} {'+norm KB/s':>11} {'peak MB':>8}")
        for label, (path, data) in files.items():
            path.write_bytes(data)
            chars, step, whole, peak = _measure(path)
            print(f"{label:<12} {len(data) / 2**20:>8.2f} {chars:>10} {step:>10.0f} {whole:>11.0f} {peak:>8.1f}")


if __name__ == "__main__":
    main()

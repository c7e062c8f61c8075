"""Build the CJK font bundled for PDF reports: gxatlas/report/fonts/gxatlas-cjk.ttf.

A subset of WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0 or GPL-3+ with font exception;
Debian package fonts-wqy-microhei) with: every character of GB 2312 (6,763 汉字 and its
symbols), ASCII and Latin-1, general and CJK punctuation, full-width forms, and every
character of gxatlas's bundled data (region, park, enterprise names ...). The PDF writer
embeds a further subset of it (only the glyphs a report uses), so a PDF shows Chinese on a
machine without any CJK font. Run once when the bundled data gains rare characters:

    pip install fonttools && python scripts/build_pdf_font.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
OUT = ROOT / "gxatlas" / "report" / "fonts" / "gxatlas-cjk.ttf"
RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2190, 0x21FF),
          (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x3000, 0x303F),
          (0xFF00, 0xFFEF))


def gb2312() -> set[int]:
    out: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return out


def data_chars() -> set[int]:
    out: set[int] = set()
    for path in (ROOT / "gxatlas" / "data").rglob("*"):
        if path.suffix in (".csv", ".yaml", ".txt"):
            out |= {ord(c) for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F}
    return out


def main() -> None:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    font = TTCollection(str(args.source)).fonts[0]
    wanted = gb2312() | data_chars() | {c for lo, hi in RANGES for c in range(lo, hi + 1)}
    cmap = font.getBestCmap()
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(c for c in wanted if c in cmap))
    sub.subset(font)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(args.out))
    print(f"{args.out}: {len([c for c in wanted if c in cmap])} characters, "
          f"{args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

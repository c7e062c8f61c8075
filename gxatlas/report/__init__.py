"""Region briefs as HTML, XLSX or PDF (`gxatlas report --region 南宁 --out FILE`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.report import registers  # noqa: F401 (registers the register sections)
from gxatlas.report.brief import Brief, Section, build_brief
from gxatlas.report.writers import write_html, write_pdf, write_xlsx

WRITERS = {".html": write_html, ".htm": write_html, ".xlsx": write_xlsx, ".pdf": write_pdf}

__all__ = ["Brief", "Section", "build_brief", "write_report", "WRITERS"]


def write_report(session: Session, *, region: str, out: str | Path) -> Path:
    """Build the brief of ``region`` and write it in the format of ``out``'s suffix."""
    path = Path(out)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise GxatlasError(f"{path}: 不支持的报告格式 (用 .html / .xlsx / .pdf)")
    if path.parent and not path.parent.exists():
        raise GxatlasError(f"{path.parent}: 目录不存在")
    brief = build_brief(session, region=region)
    try:
        writer(brief, path)
    except OSError as err:
        raise GxatlasError(f"{path}: 无法写入 ({err.strerror or err})") from err
    return path

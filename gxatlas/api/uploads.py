"""Uploads: checked on arrival (type, size, shape), processed as a background job.

A job runs in one KB transaction: it either stores everything or, on any error, nothing, and
the ``Job`` row says why (``status="failed"``, ``message``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError, InputError
from gxatlas.kb.models import Document, Indicator, Job, Observation
from gxatlas.kb.provenance import cite
from gxatlas.kb.resolve import find, get_or_create
from gxatlas.kb.store import KB

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TABLE_ROWS = 100_000
DOCUMENT_TYPES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
TABLE_TYPES = (".csv", ".xlsx")
_ZIP_MAGIC = b"PK\x03\x04"


class UploadRejected(GxatlasError):
    """An upload refused on arrival; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Upload:
    """A received file: its name, suffix and bytes (already within the size limit)."""

    filename: str
    suffix: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _decode_text(data: bytes, filename: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadRejected(422, f"{filename}: 不是 UTF-8 或 GB18030 文本")


def check_upload(*, filename: str, data: bytes, allowed: tuple[str, ...],
                 max_bytes: int = MAX_UPLOAD_BYTES) -> Upload:
    """Refuse files of the wrong type, too large, empty or whose content is not their type."""
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        raise UploadRejected(415, f"{name or '(无文件名)'}: 不支持的文件类型，"
                                  f"允许 {' '.join(allowed)}")
    if len(data) > max_bytes:
        raise UploadRejected(413, f"{name}: 文件超过 {max_bytes // (1024 * 1024)} MB 上限")
    if not data:
        raise UploadRejected(422, f"{name}: 空文件")
    if suffix == ".pdf" and not data.startswith(b"%PDF-"):
        raise UploadRejected(422, f"{name}: 不是 PDF 文件")
    if suffix in (".docx", ".xlsx") and not data.startswith(_ZIP_MAGIC):
        raise UploadRejected(422, f"{name}: 不是 {suffix[1:].upper()} 文件")
    if suffix in (".txt", ".md", ".html", ".htm", ".csv"):
        _decode_text(data, name)
    return Upload(filename=name, suffix=suffix, data=data)


# --- tables (actuals, enterprise registries) ----------------------------------------------

def read_table(upload: Upload) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX upload as dicts keyed by the stripped header cells."""
    if upload.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(_decode_text(upload.data, upload.filename))))
    else:
        rows = _xlsx_rows(upload)
    rows = [r for r in rows if any(str(c).strip() for c in r)]
    if not rows:
        raise InputError(upload.filename, "表格为空")
    if len(rows) > MAX_TABLE_ROWS:
        raise InputError(upload.filename, f"超过 {MAX_TABLE_ROWS} 行上限")
    header = [str(c).strip() for c in rows[0]]
    return [dict(zip(header, (str(c).strip() for c in row))) for row in rows[1:]]


def _xlsx_rows(upload: Upload) -> list[list[str]]:
    import openpyxl
    from zipfile import BadZipFile

    try:
        book = openpyxl.load_workbook(io.BytesIO(upload.data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as err:
        raise InputError(upload.filename, f"无法读取 XLSX ({err})") from err
    sheet = book.worksheets[0]
    out = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return out


REGISTRY_COLUMNS = {"name": ("企业名称", "名称", "name"),
                    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
                    "region": ("地区", "所在地", "region"), "park": ("园区", "park"),
                    "full_name": ("全称", "full_name"), "address": ("地址", "address"),
                    "registered_capital": ("注册资本", "注册资本(万元)", "registered_capital"),
                    "founded": ("成立日期", "founded"), "scope": ("经营范围", "scope"),
                    "revenue": ("营业收入", "营业收入(万元)", "revenue")}


def _columns(header: list[str], spec: dict[str, tuple[str, ...]], required: tuple[str, ...],
             filename: str) -> dict[str, str]:
    found = {}
    for field, names in spec.items():
        match = next((h for h in header if h.lower() in names), None)
        if match is not None:
            found[field] = match
    missing = [spec[f][0] for f in required if f not in found]
    if missing:
        raise InputError(filename, f"缺少列 {'、'.join(missing)}", line=1)
    return found


def registry_rows(upload: Upload) -> list[dict[str, str]]:
    """Rows of an enterprise registry keyed by field (``name``, ``credit_code``, ...)."""
    rows = read_table(upload)
    header = list(rows[0].keys()) if rows else _header_only(upload)
    cols = _columns(header, REGISTRY_COLUMNS, ("name",), upload.filename)
    if not rows:
        raise InputError(upload.filename, "只有表头，没有数据行")
    return [{field: row.get(col, "") for field, col in cols.items()} for row in rows]


def _header_only(upload: Upload) -> list[str]:
    if upload.suffix == ".csv":
        first = next(csv.reader(io.StringIO(_decode_text(upload.data, upload.filename))), [])
    else:
        first = (_xlsx_rows(upload) or [[]])[0]
    return [str(c).strip() for c in first]


def _number(text: str, *, filename: str, line: int, what: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError as err:
        raise InputError(filename, f"{what} '{text}' 不是数字", line=line) from err


def _upload_document(session: Session, upload: Upload, *, kind: str) -> Document:
    key = f"upload:{upload.sha256[:16]}"
    doc = session.scalars(select(Document).where(Document.key == key)).first()
    if doc is None:
        doc = Document(key=key, title=upload.filename, source=f"上传: {upload.filename}",
                       sha256=upload.sha256, format=upload.suffix[1:], kind=kind)
        session.add(doc)
        session.flush()
    return doc


def _region_id(session: Session, name: str, *, filename: str, line: int) -> int | None:
    from gxatlas.api.queries import NotFound, find_region

    if not name:
        return None
    try:
        return find_region(session, name).id
    except NotFound as err:
        raise InputError(filename, f"未知地区 '{name}'", line=line) from err


def store_actuals(session: Session, upload: Upload, path: Path) -> dict[str, Any]:
    """Add the actual values of a CSV/XLSX (`gxatlas.analysis.actuals.read_actuals`), matched
    to the KB's indicators by name and alias; any bad row fails the whole upload."""
    from gxatlas.analysis.actuals import IndicatorSpec, read_actuals

    indicators = list(session.scalars(select(Indicator).order_by(Indicator.id)))
    specs = {i.name: IndicatorSpec(name=i.name, unit=i.unit or "") for i in indicators}
    imported = read_actuals(path, indicators=list(specs.values()) or None)
    bad = [str(p) for p in imported.problems if p.line is not None]
    if bad:
        more = f" 等 {len(bad)} 处" if len(bad) > 5 else ""
        raise InputError(upload.filename, "；".join(bad[:5]) + more + "；未导入任何数据")
    doc = _upload_document(session, upload, kind="actuals")
    matched = 0
    for row in imported.rows:
        region = _region_id(session, row.region, filename=upload.filename, line=row.line)
        candidates = [i for i in indicators if i.name == row.indicator]
        indicator = next((i for i in candidates if region is None or i.scope_id == region),
                         candidates[0] if candidates else None)
        matched += indicator is not None
        session.add(Observation(indicator_id=indicator.id if indicator else None,
                                name=row.original_name or row.indicator, region_id=region,
                                year=row.year, value=row.value, unit=row.unit or None,
                                source=f"{upload.filename}:{row.line}", document_id=doc.id))
    session.flush()
    return {"observations": len(imported.rows), "matched_indicators": matched,
            "layout": imported.layout, "document_id": doc.id,
            "warnings": [str(p) for p in imported.problems if p.line is None]}


def _optional_number(text: str, *, filename: str, line: int, what: str) -> float | None:
    return _number(text, filename=filename, line=line, what=what) if text else None


def store_registry(session: Session, upload: Upload) -> dict[str, Any]:
    """Add or complete enterprises from a registry table, citing the uploaded file per field."""
    rows = registry_rows(upload)
    doc = _upload_document(session, upload, kind="registry")
    created = 0
    for line, row in enumerate(rows, start=2):
        if not row["name"]:
            raise InputError(upload.filename, "企业名称为空", line=line)
        values: dict[str, Any] = {
            "region_id": _region_id(session, row.get("region", ""), filename=upload.filename,
                                    line=line),
            "credit_code": row.get("credit_code") or None,
            "full_name": row.get("full_name") or None, "address": row.get("address") or None,
            "founded": row.get("founded") or None, "scope": row.get("scope") or None,
            "registered_capital": _optional_number(row.get("registered_capital", ""),
                                                   filename=upload.filename, line=line,
                                                   what="注册资本"),
            "revenue": _optional_number(row.get("revenue", ""), filename=upload.filename,
                                        line=line, what="营业收入"),
        }
        if row.get("park"):
            park = find(session, "park", row["park"])
            values["park_id"] = park.id if park is not None else None
        ent, is_new = get_or_create(session, "enterprise", row["name"], **values)
        created += is_new
        for field, value in (("name", row["name"]), *values.items()):
            if value is not None:
                cite(session, entity_type="enterprise", entity_id=ent.id, field=field,
                     value=value, origin="user", document_id=doc.id, locator=f"第{line}行")
    session.flush()
    return {"enterprises": len(rows), "created": created, "document_id": doc.id}


# --- documents ----------------------------------------------------------------------------

def store_document(session: Session, upload: Upload, path: Path) -> dict[str, Any]:
    """Read, extract and store a document with its facts, as `gxatlas ingest` does."""
    from gxatlas.extract import extract
    from gxatlas.ingest import read
    from gxatlas.kb.documents import store_document as kb_store_document
    from gxatlas.kb.names import known_names

    doc = read(path)
    facts = extract(doc, gazetteer=known_names(session))
    result = kb_store_document(session, doc, facts)
    return {"upload": upload.filename, **_as_dict(result)}


def _as_dict(result: Any) -> dict[str, Any]:
    from gxatlas.api.capabilities import to_jsonable

    value = to_jsonable(result)
    return value if isinstance(value, dict) else {"result": value}


# --- jobs ---------------------------------------------------------------------------------

def create_job(kb: KB, *, kind: str, filename: str) -> int:
    with kb.session() as s:
        job = Job(kind=kind, status="queued", filename=filename)
        s.add(job)
        s.flush()
        return job.id


def _finish(kb: KB, job_id: int, *, status: str, message: str | None,
            result: Any = None) -> None:
    with kb.session() as s:
        job = s.get(Job, job_id)
        if job is None:
            return
        job.status, job.message, job.result = status, message, result
        job.finished_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _set_running(kb: KB, job_id: int) -> None:
    with kb.session() as s:
        job = s.get(Job, job_id)
        if job is not None:
            job.status = "running"


def run_job(kb: KB, job_id: int, work: Callable[[Session], dict[str, Any]]) -> None:
    """Run ``work`` in one transaction and record the outcome on the job (never raises)."""
    _set_running(kb, job_id)
    try:
        with kb.session() as s:
            result = work(s)
    except GxatlasError as err:
        _finish(kb, job_id, status="failed", message=str(err))
        return
    except Exception as err:  # the job must report every failure, whatever it is
        log.exception("job %s failed", job_id)
        _finish(kb, job_id, status="failed", message=f"内部错误: {type(err).__name__}: {err}")
        return
    _finish(kb, job_id, status="done", message=None, result=result)


def job_dict(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "status": job.status, "filename": job.filename,
            "message": job.message, "result": job.result,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


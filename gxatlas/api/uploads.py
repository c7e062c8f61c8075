"""Uploads: checked on arrival (type, size, shape), processed as a job (`gxatlas.api.jobs`).

A job stores in one KB write transaction: everything or, on any error, nothing, and the
``Job`` row says why (``status="failed"``, ``message``). Documents are read and extracted
before that transaction, in a reader process under the resource limits.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError, InputError
from gxatlas.kb.models import Job
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
    slot: str | None = None  # documents: the upload slot whose earlier version this replaces

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
    if suffix in (".docx", ".xlsx"):  # a ZIP bomb is refused here, before any job runs
        from gxatlas.ingest.formats import check_package
        from gxatlas.ingest.limits import Limits

        try:
            check_package(data, ext=suffix, source=name, limits=Limits.from_env())
        except InputError as err:
            raise UploadRejected(413 if "超出限制" in err.problem else 422, str(err)) from None
    if suffix in (".txt", ".md", ".html", ".htm", ".csv"):
        _decode_text(data, name)
    return Upload(filename=name, suffix=suffix, data=data)


# --- tables (actuals, enterprise registries) ----------------------------------------------

def store_actuals(session: Session, upload: Upload, path: Path) -> dict[str, Any]:
    """Add the actual values of a CSV/XLSX as `gxatlas monitor import` does
    (`gxatlas.analysis.monitor.import_actuals`: the same matching, units, replacement and
    content identity); any row with a problem fails the whole upload."""
    from gxatlas.analysis.monitor import import_actuals

    from gxatlas.kb.documents import Source

    res = import_actuals(session, path, name=upload.filename, strict=True,
                         source=Source.content(f"上传: {upload.filename}"))
    return {"observations": len(res.imported.rows), "stored": res.stored,
            "replaced": res.replaced, "status": res.status, "document": res.document,
            "matched_indicators": res.matched, "layout": res.imported.layout,
            "warnings": [str(p) for p in res.imported.problems if p.line is None]}


def _problems(upload: Upload, lines: list[str]) -> InputError:
    more = f" 等 {len(lines)} 处" if len(lines) > 5 else ""
    return InputError(upload.filename, "；".join(lines[:5]) + more + "；未导入任何数据")


def store_registry(session: Session, upload: Upload, path: Path) -> dict[str, Any]:
    """Add or complete enterprises from a registry (`gxatlas.analysis.registry` reads and
    checks it, `gxatlas.analysis.registry_store.store_registry` stores each fact cited to its line);
    any row with an error fails the whole upload."""
    from gxatlas.analysis.registry_store import store_registry as kb_store_registry
    from gxatlas.analysis.registry import RegistryProblem, RegistryRow, iter_registry

    items = list(iter_registry(path))
    problems = [i for i in items if isinstance(i, RegistryProblem)]
    errors = [f"第{p.line}行：{p.problem}" for p in problems if p.severity == "error"]
    if errors:
        raise _problems(upload, errors)
    rows = [i for i in items if isinstance(i, RegistryRow)]
    if not rows:
        raise InputError(upload.filename, "没有可导入的企业")
    if len(rows) > MAX_TABLE_ROWS:
        raise InputError(upload.filename, f"超过 {MAX_TABLE_ROWS} 行上限，请用 gxatlas 命令导入")
    from gxatlas.kb.documents import Source

    stored = kb_store_registry(session, rows, path=str(path), name=upload.filename,
                               source=Source.content(f"上传: {upload.filename}"))
    return {"enterprises": len(rows), "added": stored.added, "updated": stored.updated,
            "status": stored.status, "document": stored.document,
            "warnings": [f"第{p.line}行：{p.problem}" for p in problems][:20]}


def store_tier_list(session: Session, upload: Upload, path: Path, *, tier: str | None = None,
                    level: str | None = None, year: int | None = None) -> dict[str, Any]:
    """Store a published tier list (`gxatlas.analysis.tierlists` checks every row); a list
    with any problem fails whole, naming the rows; the same list again (under any name,
    encoding or format) is a no-op, as for registries."""
    from gxatlas.analysis.tierlists import read_tier_list
    from gxatlas.kb.documents import Source
    from gxatlas.kb.registers import store_tier_list as kb_store_tier_list

    tiers = read_tier_list(path, tier=tier, level=level, year=year)
    if tiers.problems:
        raise _problems(upload, [str(p) for p in tiers.problems])
    res = kb_store_tier_list(session, tiers, name=upload.filename,
                             source=Source.content(f"上传: {upload.filename}"))
    return {"title": tiers.title, "rows": len(tiers.rows), "status": res.status,
            "enterprises_added": res.enterprises_added,
            "warnings": [str(p) for p in tiers.warnings][:20], "notes": list(tiers.notes)}


# --- documents ----------------------------------------------------------------------------

def store_document(session: Session, upload: Upload, read: Any) -> dict[str, Any]:
    """Store a document read and extracted beforehand (``read``: its
    `gxatlas.pipeline.Reading`), as `gxatlas ingest` does: by content and, with a slot, as a
    new version of that slot."""
    from gxatlas.kb.documents import Source
    from gxatlas.kb.documents import store_document as kb_store_document

    source = Source.slot(upload.slot) if upload.slot else Source.content(f"上传: {upload.filename}")
    result = kb_store_document(session, read.doc, read.facts, source=source,
                               profile=read.profile)
    return {"upload": upload.filename, "slot": upload.slot, **_as_dict(result)}


def _as_dict(result: Any) -> dict[str, Any]:
    from gxatlas.api.capabilities import to_jsonable

    value = to_jsonable(result)
    return value if isinstance(value, dict) else {"result": value}


# --- the job workers (gxatlas.api.jobs) ---------------------------------------------------

def _upload_of(job: Any) -> Upload:
    return Upload(filename=job.filename, suffix=Path(job.filename).suffix.lower(),
                  data=job.payload, slot=job.slot)


def document_worker(kb: KB, job: Any, path: Path) -> dict[str, Any]:
    """Read and extract in a reader process under the resource limits (outside any
    transaction), then store in one write transaction."""
    from gxatlas.kb.names import known_names
    from gxatlas.pipeline import read_and_extract

    with kb.session(write=False) as s:
        gazetteer = known_names(s)
    read = read_and_extract(path, gazetteer=gazetteer)
    upload = _upload_of(job)
    return kb.write(lambda s: store_document(s, upload, read))


def actuals_worker(kb: KB, job: Any, path: Path) -> dict[str, Any]:
    upload = _upload_of(job)
    return kb.write(lambda s: store_actuals(s, upload, path))


def registry_worker(kb: KB, job: Any, path: Path) -> dict[str, Any]:
    upload = _upload_of(job)
    return kb.write(lambda s: store_registry(s, upload, path))


def tierlist_worker(kb: KB, job: Any, path: Path) -> dict[str, Any]:
    upload = _upload_of(job)
    params = {k: job.params.get(k) for k in ("tier", "level", "year")}
    return kb.write(lambda s: store_tier_list(s, upload, path, **params))


WORKERS = {"document": document_worker, "actuals": actuals_worker, "registry": registry_worker,
           "tierlist": tierlist_worker}


def job_dict(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "status": job.status, "filename": job.filename,
            "slot": job.slot, "message": job.message, "result": job.result,
            "attempts": job.attempts,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}

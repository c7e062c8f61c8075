"""The gxatlas REST API and the dashboard, served by one FastAPI app.

Reads are open (the server listens on localhost by default); writes (uploads) need a bearer
token of role write or admin (`gxatlas users add`). Every asset the dashboard and the docs
page load is bundled, so no request leaves the host.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Callable, Hashable, Iterable, Iterator

from fastapi import (APIRouter, BackgroundTasks, Depends, FastAPI, File, Form, HTTPException,
                     Query, Request, UploadFile)
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gxatlas.api import capabilities, queries
from gxatlas.api.auth import User, authenticate
from gxatlas.api import jobs
from gxatlas.api.cache import CacheMiddleware, Memo, ResponseCache, kb_stamp, session_stamp
from gxatlas.api.guard import (HostGuard, InflightLimit, SecurityHeaders, WriteGuard,
                               allowed_hosts)
from gxatlas.api.health import Health
from gxatlas.api.review import review_router
from gxatlas.api.uploads import (DOCUMENT_TYPES, MAX_UPLOAD_BYTES, TABLE_TYPES, WORKERS, Upload,
                                 UploadRejected, check_upload, job_dict)
from gxatlas.errors import GxatlasError
from gxatlas.kb.models import Job
from gxatlas.kb.review import waiting
from gxatlas.kb.store import KB, db_problem, is_busy, open_kb

DEFAULT_CACHE_SECONDS = 300.0
DEFAULT_MAX_INFLIGHT = 16  # requests run at once (more wait up to 2 s, then 503)
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: larger ones are refused (422)
MAX_OFFSET = 10**9
STATIC_DIR = Path(str(resources.files("gxatlas.web").joinpath("static")))
# Parameter types for routes (use them in new routes: they bound ids, offsets and strings)
Limit = Annotated[int, Query(ge=1, le=queries.MAX_LIMIT, description="每页条数 (≤200)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="起始位置")]
IdPath = Annotated[int, PathParam(ge=1, le=MAX_ID, description="编号")]
RegionQ = Annotated[str | None, Query(max_length=100,
                                      description="地区名称、简称或代码 (含下辖地区)")]
PendingQ = Annotated[bool, Query(description="一并计入待审核的事实 (默认只用已确认与高置信度的事实)")]
_bearer = HTTPBearer(auto_error=False, description="`gxatlas users add` 发放的令牌")


def _kb(request: Request) -> KB:
    return request.app.state.kb


def get_session(request: Request) -> Iterator[Session]:
    """The request's transaction: reading only for GET/HEAD (no lock, never waits for a
    writer), a write transaction otherwise (`KB.session`)."""
    with _kb(request).session(write=request.method not in ("GET", "HEAD"),
                              track=False) as session:  # entered and left in two threads
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def require(role: str) -> Callable[..., User]:
    """A dependency admitting only active tokens of ``role`` or higher (401/403 otherwise)."""

    def check(request: Request,
              cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
        if cred is None or cred.scheme.lower() != "bearer" or not cred.credentials:
            raise HTTPException(401, "需要令牌 (Authorization: Bearer <token>)",
                                headers={"WWW-Authenticate": "Bearer"})
        with _kb(request).session(write=False) as session:
            user = authenticate(session, cred.credentials)
        if user is None:
            raise HTTPException(401, "令牌无效或已撤销", headers={"WWW-Authenticate": "Bearer"})
        if not user.allows(role):
            raise HTTPException(403, f"角色 {user.role} 无权执行此操作 (需要 {role})")
        return user

    return check


def _scope(session: Session, region: str | None) -> set[int] | None:
    try:
        return queries.region_scope(session, region)
    except queries.NotFound as err:
        raise HTTPException(404, str(err)) from err


# --- entity routes ------------------------------------------------------------------------

def _add_entity_routes(router: APIRouter, kind: queries.Kind) -> None:
    def list_(session: SessionDep, region: RegionQ = None,
              q: Annotated[str | None, Query(max_length=100, description="名称包含")] = None,
              limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        return queries.list_entities(session, kind, region=_scope(session, region), q=q,
                                     limit=limit, offset=offset)

    def detail(entity_id: IdPath, session: SessionDep) -> dict[str, Any]:
        try:
            return queries.entity_detail(session, kind, entity_id)
        except queries.NotFound as err:
            raise HTTPException(404, str(err)) from err

    router.add_api_route(f"/{kind.path}", list_, methods=["GET"], tags=["entities"],
                         name=f"list_{kind.path}", summary=f"列出 {kind.type}")
    router.add_api_route(f"/{kind.path}/{{entity_id}}", detail, methods=["GET"],
                         tags=["entities"], name=f"get_{kind.type}",
                         summary=f"{kind.type} 详情 (事实与出处)")


def _read_router() -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.get("/health", tags=["meta"], summary="服务状态 (不经数据库连接池，始终即时回答)")
    async def health(request: Request) -> dict[str, Any]:
        return await request.app.state.health.snapshot()

    @router.get("/search", tags=["search"], summary="跨实体搜索")
    def search(session: SessionDep, q: Annotated[str, Query(min_length=1, max_length=100)],
               limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 20
               ) -> dict[str, Any]:
        return {"q": q, "items": queries.search(session, q, limit=limit)}

    @router.get("/map/parks", tags=["map"], summary="地图上的园区 (按规划产值)")
    def map_parks(session: SessionDep, region: RegionQ = None,
                  include_pending: PendingQ = False) -> dict[str, Any]:
        return queries.map_parks(session, region=_scope(session, region),
                                 include_pending=include_pending)

    for kind in queries.KINDS:
        _add_entity_routes(router, kind)
    return router


# --- analysis routes ----------------------------------------------------------------------

def _memo(request: Request) -> Memo:
    return request.app.state.memo


MemoDep = Annotated[Memo, Depends(_memo)]


def _canonical(session: Session, name: str, params: dict[str, Any]) -> Hashable:
    """The key of an analysis: its name and the parameters that change its answer, places
    by their region id (``南宁``, ``南宁市`` and ``450100`` are one question)."""
    key: list[tuple[str, Any]] = []
    for param, value in sorted(params.items()):
        if param in ("region", "home") and value:
            value = ("region", queries.find_region(session, value).id)
        key.append((param, value))
    return name, tuple(key)


def _analysis(memo: Memo, name: str, session: Session, **params: Any) -> dict[str, Any]:
    """An analysis, computed once per KB change and parameters (`gxatlas.api.cache.Memo`),
    however the query string is written."""
    key = _canonical(session, name, params)
    return memo.get(key, session_stamp(session), lambda: capabilities.run(name, session,
                                                                          **params))


XlsxQ = Annotated[str, Query(alias="format", pattern="^(json|xlsx)$",
                             description="json，或 xlsx（Excel，中文表头，与命令行 --format xlsx 相同）")]


def _xlsx(result: dict[str, Any], name: str, title: str, scope: str | None) -> Any:
    """An analysis result as the CLI's workbook (`gxatlas.report.registers`), as a download;
    an analysis that is not available is a 422 with its reason."""
    from urllib.parse import quote

    from fastapi.responses import Response

    from gxatlas.report import registers as sheets

    if not result.get("available"):
        return JSONResponse({"detail": result.get("reason")}, status_code=422)
    build = {"projects": sheets.project_sheets, "pool": sheets.pool_sheets}[name]
    filename = f"{title}-{scope}.xlsx" if scope else f"{title}.xlsx"
    return Response(sheets.sheets_xlsx(build(result["result"])), media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def _analysis_router() -> APIRouter:
    router = APIRouter(prefix="/api/analysis", tags=["analysis"])

    @router.get("/monitor", summary="规划目标：基期、目标、实际值与监测状态")
    def monitor(session: SessionDep, memo: MemoDep, region: RegionQ = None, limit: Limit = 100,
                offset: Offset = 0, include_pending: PendingQ = False) -> dict[str, Any]:
        page = queries.indicator_series(session, region=_scope(session, region), limit=limit,
                                        offset=offset, include_pending=include_pending)
        page["monitor"] = _analysis(memo, "monitor", session, region=region,
                                    include_pending=include_pending)
        return page

    @router.get("/audit", summary="规划一致性审查结果 (某文件，或某地区的文件)")
    def audit(session: SessionDep, memo: MemoDep, region: RegionQ = None,
              document: Annotated[str | None, Query(max_length=200,
                                                    description="文件键或编号")] = None
              ) -> dict[str, Any]:
        _scope(session, region)
        return _analysis(memo, "audit", session, region=region, document=document)

    @router.get("/parks", summary="园区评价")
    def parks(session: SessionDep, memo: MemoDep, region: RegionQ = None,
              include_pending: PendingQ = False) -> dict[str, Any]:
        _scope(session, region)
        return {**_analysis(memo, "parks", session, region=region,
                            include_pending=include_pending),
                "waiting": waiting(session, "park").to_dict()}

    @router.get("/chains", summary="产业链：环节状态、缺口与候选来源")
    def chains(session: SessionDep, memo: MemoDep, region: RegionQ = None,
               chain: Annotated[str | None, Query(max_length=100, description="产业链名称")] = None,
               candidates: Annotated[int, Query(ge=0, le=50, description=(
                   "每个缺口的招商候选企业数（全国上市公司库与知识库）"))] = 5,
               include_pending: PendingQ = False) -> dict[str, Any]:
        _scope(session, region)
        try:
            templates = capabilities.chain_templates()
        except GxatlasError as err:
            return capabilities.unavailable(f"产业链模板无法读取: {err}")
        if not chain:
            return {"available": True, "templates": templates}
        result = _analysis(memo, "chains", session, region=region, chain=chain,
                           candidates=candidates, include_pending=include_pending)
        result["waiting"] = {t: waiting(session, t).to_dict() for t in ("enterprise", "project")}
        result["template"] = next((t for t in templates if chain in (t["id"], t["name"])), None)
        return result

    @router.get("/enterprise", summary="企业招商简报：该企业做哪些环节，广西哪些城市缺这些环节")
    def enterprise(session: SessionDep, memo: MemoDep,
                   name: Annotated[str, Query(min_length=1, max_length=200,
                                              description="企业简称、全称或股票代码")]
                   ) -> dict[str, Any]:
        return _analysis(memo, "enterprise", session, firm=name)

    @router.get("/partners", summary="合作伙伴排名 (含理由)")
    def partners(session: SessionDep, memo: MemoDep,
                 home: Annotated[str, Query(max_length=100, description="本地城市")] = "南宁",
                 chain: Annotated[str | None, Query(max_length=100,
                     description="产业链 id：按本地该链的缺失环节计算产业链契合")] = None,
                 limit: Limit = 20) -> dict[str, Any]:
        _scope(session, home)
        result = _analysis(memo, "partners", session, home=home, chain=chain, limit=limit)
        if result.get("available"):
            queries.locate_partners(session, result["result"].get("partners", []))
            queries.locate_partners(session, result["result"].get("named_partners", []))
        return result

    @router.get("/projects", summary="重大项目库：阶段、日期与出处，按阶段/城市/园区/产业链/年份汇总，停滞项目")
    def projects(session: SessionDep, memo: MemoDep, region: RegionQ = None,
                 park: Annotated[str | None, Query(max_length=200, description="园区名称")] = None,
                 chain: Annotated[str | None, Query(max_length=100,
                                                    description="产业链 id 或名称")] = None,
                 stage: Annotated[str | None, Query(max_length=20,
                                                    description="阶段：储备/签约/在建/竣工/投产")] = None,
                 year: Annotated[int | None, Query(ge=1900, le=2200,
                                                   description="进入当前阶段的年份")] = None,
                 document: Annotated[str | None, Query(max_length=200,
                                                       description="文件键：只看它提到的项目")] = None,
                 stale_months: Annotated[int, Query(ge=1, le=600,
                                                    description="多少个月未推进算停滞")] = 24,
                 stale: Annotated[bool, Query(description="只列停滞的项目")] = False,
                 include_pending: Annotated[bool, Query(description="一并计入待审核的事实")] = False,
                 fmt: XlsxQ = "json") -> Any:
        _scope(session, region)
        result = _analysis(memo, "projects", session, region=region, park=park, chain=chain,
                           stage=stage, year=year, document=document,
                           stale_months=stale_months, stale_only=stale,
                           include_pending=include_pending)
        return _xlsx(result, "projects", "重大项目库", region) if fmt == "xlsx" else result

    @router.get("/pool", summary="企业培育库：按称号/城市/产业链环节计数，晋级企业，下一档候选及规则")
    def pool(session: SessionDep, memo: MemoDep, region: RegionQ = None,
             chain: Annotated[str | None, Query(max_length=100, description="产业链 id 或名称")] = None,
             since: Annotated[int | None, Query(ge=1900, le=2200,
                                                description="只列此年以来晋级的企业")] = None,
             include_pending: Annotated[bool, Query(description="一并计入待审核的事实")] = False,
             fmt: XlsxQ = "json") -> Any:
        _scope(session, region)
        result = _analysis(memo, "pool", session, region=region, chain=chain, since=since,
                           include_pending=include_pending)
        return _xlsx(result, "pool", "企业培育库", region) if fmt == "xlsx" else result

    return router


# --- write routes -------------------------------------------------------------------------

async def _receive(request: Request, file: UploadFile, allowed: tuple[str, ...]) -> Upload:
    limit = request.app.state.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise UploadRejected(413, f"{file.filename}: 文件超过 {limit // (1024 * 1024)} MB 上限")
    data = await file.read(limit + 1)
    return await run_in_threadpool(check_upload, filename=file.filename or "", data=data,
                                   allowed=allowed, max_bytes=limit)


def _accepted(request: Request, job_id: int) -> JSONResponse:
    return JSONResponse({"job": job_id, "status": "queued", "url": f"/api/jobs/{job_id}"},
                        status_code=202, headers={"Location": f"/api/jobs/{job_id}"})


class StageIn(BaseModel):
    """A stage set by hand: 储备/签约/在建/竣工/投产 (or 前期, 开工, 达产 …)."""

    stage: str = Field(min_length=1, max_length=20)
    date: str | None = Field(default=None, description="YYYY[-MM[-DD]]，默认今天")
    note: str | None = Field(default=None, max_length=300)


def _write_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["uploads"])
    writer = Depends(require("write"))
    reader = Depends(require("read"))

    async def enqueue(request: Request, background: BackgroundTasks, file: UploadFile,
                      user: User, *, types: Any, kind: str, slot: str | None = None,
                      params: dict[str, Any] | None = None) -> JSONResponse:
        """Check the upload, queue it as a job of ``user``, and run the queue after the
        answer (`gxatlas.api.jobs`)."""
        upload = await _receive(request, file, types)
        kb = _kb(request)

        def queue() -> int:
            with kb.session(write=False) as s:
                if jobs.open_jobs(s, user.id) >= jobs.MAX_OPEN_PER_OWNER:
                    raise HTTPException(429, f"未完成的任务已有 {jobs.MAX_OPEN_PER_OWNER} 个，请稍后再传 "
                                             f"(too many open jobs)", headers={"Retry-After": "30"})
            return jobs.create(kb, kind=kind, filename=upload.filename, payload=upload.data,
                               owner_id=user.id, slot=" ".join(slot.split()) if slot else None,
                               params=params)

        job_id = await run_in_threadpool(queue)
        background.add_task(request.app.state.jobs.kick)
        return _accepted(request, job_id)

    @router.post("/documents", status_code=202, summary="上传文档 (抽取事实并入库)",
                 description="同一内容只存一次；带 slot 上传时，同一 slot 的新内容替换旧版本"
                             "（保留版本记录）；不带 slot 时每个新内容都是新文档，与文件名无关。")
    async def upload_document(request: Request, background: BackgroundTasks,
                              file: Annotated[UploadFile, File()],
                              slot: Annotated[str | None, Form(
                                  max_length=200, description="上传位置：同名位置的新版本替换旧版本")
                              ] = None,
                              user: User = writer) -> JSONResponse:
        return await enqueue(request, background, file, user, types=DOCUMENT_TYPES,
                             kind="document", slot=slot)

    @router.post("/observations", status_code=202, summary="上传实际值 (CSV/XLSX)")
    async def upload_actuals(request: Request, background: BackgroundTasks,
                             file: Annotated[UploadFile, File()], user: User = writer
                             ) -> JSONResponse:
        return await enqueue(request, background, file, user, types=TABLE_TYPES,
                             kind="actuals")

    @router.post("/enterprises", status_code=202, summary="上传企业名录 (CSV/XLSX)")
    async def upload_registry(request: Request, background: BackgroundTasks,
                              file: Annotated[UploadFile, File()], user: User = writer
                              ) -> JSONResponse:
        return await enqueue(request, background, file, user, types=TABLE_TYPES,
                             kind="registry")

    @router.post("/tierlists", status_code=202,
                 summary="上传称号名单 (CSV/XLSX：专精特新、小巨人、瞪羚、单项冠军 …)")
    async def upload_tier_list(request: Request, background: BackgroundTasks,
                               file: Annotated[UploadFile, File()],
                               tier: Annotated[str | None, Query(max_length=100,
                                                                 description="名单的称号")] = None,
                               level: Annotated[str | None, Query(max_length=100,
                                                                  description="认定层级")] = None,
                               year: Annotated[int | None, Query(ge=1900, le=2200,
                                                                 description="认定年份")] = None,
                               user: User = writer) -> JSONResponse:
        return await enqueue(request, background, file, user, types=TABLE_TYPES,
                             kind="tierlist", params={"tier": tier, "level": level, "year": year})

    @router.post("/projects/{project_id}/stage", summary="人工设定项目阶段 (记录设定人与时间)")
    def set_project_stage(request: Request, project_id: IdPath, change: StageIn,
                          user: User = writer) -> dict[str, Any]:
        from gxatlas.kb.models import Project
        from gxatlas.kb.registers import set_stage

        try:
            with _kb(request).session() as session:
                project = session.get(Project, project_id)
                if project is None:
                    raise HTTPException(404, f"项目 {project_id} 不存在")
                current = set_stage(session, project, change.stage, by=user.name,
                                    date=change.date, note=change.note)
                out = {"project": project.name, "id": project.id, **current.to_dict()}
        except GxatlasError as err:
            raise HTTPException(422, str(err)) from err
        _changed(request)
        return out

    @router.get("/jobs/{job_id}", summary="后台任务状态 (只对上传者与管理员可见)")
    def job_status(job_id: IdPath, session: SessionDep, user: User = reader) -> dict[str, Any]:
        job = session.get(Job, job_id)
        if job is None or (job.owner_id != user.id and user.role != "admin"):
            raise HTTPException(404, f"任务 {job_id} 不存在")
        return job_dict(job)

    return router


# --- pages --------------------------------------------------------------------------------

def _pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json", title="gxatlas API",
            swagger_js_url="/static/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None})
        # Swagger UI starts from one inline script: allow exactly that script by its hash
        page.headers["Content-Security-Policy"] = _csp_with_scripts(page.body)
        return page


def _csp_with_scripts(html: bytes) -> str:
    import base64

    from gxatlas.api.guard import CSP

    hashes = [base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()
              for m in re.finditer(rb"<script>(.*?)</script>", html, re.S)]
    allowed = " ".join(f"'sha256-{h}'" for h in hashes)
    return CSP.replace("script-src 'self'", f"script-src 'self' {allowed}")


def _errors(app: FastAPI) -> None:
    @app.exception_handler(UploadRejected)
    def rejected(_request: Request, err: UploadRejected) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=err.status)

    @app.exception_handler(queries.NotFound)
    def not_found(_request: Request, err: queries.NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=404)

    @app.exception_handler(OverflowError)
    def overflow(_request: Request, _err: OverflowError) -> JSONResponse:
        return JSONResponse({"detail": "数值超出范围 (a number is out of range)"}, status_code=400)

    @app.exception_handler(SQLAlchemyError)
    def database(_request: Request, err: SQLAlchemyError) -> JSONResponse:
        """Database trouble as a short answer: never SQL, never a traceback."""
        if isinstance(err, PoolTimeout) or is_busy(err):
            return JSONResponse({"detail": "数据库繁忙，请稍后再试 (database busy; try again)"},
                                status_code=503, headers={"Retry-After": "2"})
        if isinstance(err, DBAPIError) and getattr(err.orig, "sqlstate", "") == "22003":
            return JSONResponse({"detail": "数值超出范围 (a number is out of range)"},
                                status_code=400)
        return JSONResponse({"detail": f"数据库错误 (database error: {db_problem(err)})"},
                            status_code=500)


def create_app(db_url: str | None = None, *, kb: KB | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES,
               cache_seconds: float | None = None, max_inflight: int | None = None,
               inflight_wait: float = 2.0, stamp_interval: float = 0.25,
               hosts: Iterable[str] = ()) -> FastAPI:
    """The app over the KB at ``db_url`` (or an open ``kb``); the KB must be initialised.

    Read answers are cached while the KB is unchanged, at most ``cache_seconds`` (default:
    ``GXATLAS_API_CACHE_SECONDS``, else 300; 0 disables; writes made elsewhere show within
    ``stamp_interval`` s; see `gxatlas.api.cache`); analyses
    are computed once per KB change whatever (``GXATLAS_API_MEMO=0`` disables that).
    At most ``max_inflight`` requests run at once (``GXATLAS_API_MAX_INFLIGHT``, default 16);
    more wait up to ``inflight_wait`` s, then get 503. Requests must name an allowed host:
    loopback names, ``hosts`` and ``GXATLAS_ALLOWED_HOSTS``. Queued upload jobs, and jobs a
    stopped server left running, are run when the app starts (`gxatlas.api.jobs`)."""
    if cache_seconds is None:
        cache_seconds = float(os.environ.get("GXATLAS_API_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    if max_inflight is None:
        max_inflight = int(os.environ.get("GXATLAS_API_MAX_INFLIGHT", DEFAULT_MAX_INFLIGHT))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.jobs.start()
        yield

    app = FastAPI(title="gxatlas 广西产业图谱 API", version="0.1.0",
                  description="广西产业规划知识库：实体、出处、监测、审查、产业链与合作伙伴。",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.kb = kb if kb is not None else open_kb(db_url)
    app.state.max_upload_bytes = max_upload_bytes
    engine = app.state.kb.engine
    app.state.cache = ResponseCache(ttl=cache_seconds, stamp=lambda: kb_stamp(engine),
                                    stamp_interval=stamp_interval)
    app.state.memo = Memo(enabled=os.environ.get("GXATLAS_API_MEMO", "1") != "0")
    app.state.cache.linked.append(app.state.memo)  # clearing the cache clears the analyses
    app.state.health = Health(app.state.kb)

    app.state.jobs = jobs.Runner(app.state.kb, WORKERS, on_done=app.state.cache.clear)
    # middleware, innermost first: limit -> cache -> write guard -> host -> headers
    app.add_middleware(InflightLimit, max_inflight=max_inflight, wait=inflight_wait)
    app.add_middleware(CacheMiddleware, cache=app.state.cache)
    app.add_middleware(WriteGuard, authenticate=_token_checker(app.state.kb),
                       max_body=max_upload_bytes + (1 << 20))
    app.add_middleware(HostGuard, hosts=allowed_hosts(hosts))
    app.add_middleware(SecurityHeaders)
    app.include_router(_read_router())
    app.include_router(_analysis_router())
    app.include_router(_write_router())
    app.include_router(review_router(SessionDep, Depends(require("write")), _changed))
    _pages(app)
    _errors(app)
    return app


def _changed(request: Request) -> None:
    """The KB changed through this app: drop cached answers and analyses."""
    request.app.state.cache.clear()


def _token_checker(kb: KB) -> Callable[[str], bool]:
    def valid(token: str) -> bool:
        with kb.session(write=False) as session:
            return authenticate(session, token) is not None

    return valid

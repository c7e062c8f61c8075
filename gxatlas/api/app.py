"""The gxatlas REST API and the dashboard, served by one FastAPI app.

Reads are open (the server listens on localhost by default); writes (uploads) need a bearer
token of role write or admin (`gxatlas users add`). Every asset the dashboard and the docs
page load is bundled, so no request leaves the host.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator

from fastapi import (APIRouter, BackgroundTasks, Depends, FastAPI, File, Form, HTTPException,
                     Query, Request, UploadFile)
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gxatlas.api import capabilities, queries
from gxatlas.api.auth import User, authenticate
from gxatlas.api.cache import CacheMiddleware, ResponseCache, kb_stamp
from gxatlas.api.review import review_router
from gxatlas.api.uploads import (DOCUMENT_TYPES, MAX_UPLOAD_BYTES, TABLE_TYPES, Upload,
                                 UploadRejected, check_upload, create_job, job_dict,
                                 run_job, store_actuals, store_document, store_registry,
                                 store_tier_list)
from gxatlas.errors import GxatlasError
from gxatlas.kb.models import Job
from gxatlas.kb.review import waiting
from gxatlas.kb.store import KB, open_kb

DEFAULT_CACHE_SECONDS = 300.0
STATIC_DIR = Path(str(resources.files("gxatlas.web").joinpath("static")))
Limit = Annotated[int, Query(ge=1, le=queries.MAX_LIMIT, description="每页条数 (≤200)")]
Offset = Annotated[int, Query(ge=0, description="起始位置")]
RegionQ = Annotated[str | None, Query(description="地区名称、简称或代码 (含下辖地区)")]
PendingQ = Annotated[bool, Query(description="一并计入待审核的事实 (默认只用已确认与高置信度的事实)")]
_bearer = HTTPBearer(auto_error=False, description="`gxatlas users add` 发放的令牌")


def _kb(request: Request) -> KB:
    return request.app.state.kb


def get_session(request: Request) -> Iterator[Session]:
    with _kb(request).session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def require(role: str) -> Callable[..., User]:
    """A dependency admitting only active tokens of ``role`` or higher (401/403 otherwise)."""

    def check(request: Request,
              cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
        if cred is None or cred.scheme.lower() != "bearer" or not cred.credentials:
            raise HTTPException(401, "需要令牌 (Authorization: Bearer <token>)",
                                headers={"WWW-Authenticate": "Bearer"})
        with _kb(request).session() as session:
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
              q: Annotated[str | None, Query(description="名称包含")] = None,
              limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        return queries.list_entities(session, kind, region=_scope(session, region), q=q,
                                     limit=limit, offset=offset)

    def detail(entity_id: int, session: SessionDep) -> dict[str, Any]:
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

    @router.get("/health", tags=["meta"])
    def health(session: SessionDep) -> dict[str, Any]:
        counts = {k.path: queries.list_entities(session, k, limit=1)["total"]
                  for k in queries.KINDS}
        caps = {name: True for name in capabilities.CAPABILITIES}
        return {"status": "ok", "counts": counts, "capabilities": caps}

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

def _analysis(name: str, session: Session, **params: Any) -> dict[str, Any]:
    return capabilities.run(name, session, **params)


def _analysis_router() -> APIRouter:
    router = APIRouter(prefix="/api/analysis", tags=["analysis"])

    @router.get("/monitor", summary="规划目标：基期、目标、实际值与监测状态")
    def monitor(session: SessionDep, region: RegionQ = None, limit: Limit = 100,
                offset: Offset = 0, include_pending: PendingQ = False) -> dict[str, Any]:
        page = queries.indicator_series(session, region=_scope(session, region), limit=limit,
                                        offset=offset, include_pending=include_pending)
        page["monitor"] = _analysis("monitor", session, region=region,
                                    include_pending=include_pending)
        return page

    @router.get("/audit", summary="规划一致性审查结果 (某文件，或某地区的文件)")
    def audit(session: SessionDep, region: RegionQ = None,
              document: Annotated[str | None, Query(description="文件键或编号")] = None
              ) -> dict[str, Any]:
        _scope(session, region)
        return _analysis("audit", session, region=region, document=document)

    @router.get("/parks", summary="园区评价")
    def parks(session: SessionDep, region: RegionQ = None,
              include_pending: PendingQ = False) -> dict[str, Any]:
        _scope(session, region)
        return {**_analysis("parks", session, region=region, include_pending=include_pending),
                "waiting": waiting(session, "park").to_dict()}

    @router.get("/chains", summary="产业链：环节状态、缺口与候选来源")
    def chains(session: SessionDep, region: RegionQ = None,
               chain: Annotated[str | None, Query(description="产业链名称")] = None,
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
        result = _analysis("chains", session, region=region, chain=chain, candidates=candidates,
                           include_pending=include_pending)
        result["waiting"] = {t: waiting(session, t).to_dict() for t in ("enterprise", "project")}
        result["template"] = next((t for t in templates if chain in (t["id"], t["name"])), None)
        return result

    @router.get("/enterprise", summary="企业招商简报：该企业做哪些环节，广西哪些城市缺这些环节")
    def enterprise(session: SessionDep,
                   name: Annotated[str, Query(min_length=1, max_length=200,
                                              description="企业简称、全称或股票代码")]
                   ) -> dict[str, Any]:
        return _analysis("enterprise", session, firm=name)

    @router.get("/partners", summary="合作伙伴排名 (含理由)")
    def partners(session: SessionDep,
                 home: Annotated[str, Query(description="本地城市")] = "南宁",
                 chain: Annotated[str | None, Query(
                     description="产业链 id：按本地该链的缺失环节计算产业链契合")] = None,
                 limit: Limit = 20) -> dict[str, Any]:
        _scope(session, home)
        result = _analysis("partners", session, home=home, chain=chain, limit=limit)
        if result.get("available"):
            queries.locate_partners(session, result["result"].get("partners", []))
            queries.locate_partners(session, result["result"].get("named_partners", []))
        return result

    @router.get("/projects", summary="重大项目库：阶段、日期与出处，按阶段/城市/园区/产业链/年份汇总，停滞项目")
    def projects(session: SessionDep, region: RegionQ = None,
                 park: Annotated[str | None, Query(description="园区名称")] = None,
                 chain: Annotated[str | None, Query(description="产业链 id 或名称")] = None,
                 stage: Annotated[str | None, Query(description="阶段：储备/签约/在建/竣工/投产")] = None,
                 year: Annotated[int | None, Query(description="进入当前阶段的年份")] = None,
                 document: Annotated[str | None, Query(description="文件键：只看它提到的项目")] = None,
                 stale_months: Annotated[int, Query(ge=1, le=600,
                                                    description="多少个月未推进算停滞")] = 24,
                 include_pending: Annotated[bool, Query(description="一并计入待审核的事实")] = False
                 ) -> dict[str, Any]:
        _scope(session, region)
        return _analysis("projects", session, region=region, park=park, chain=chain,
                         stage=stage, year=year, document=document, stale_months=stale_months,
                         include_pending=include_pending)

    @router.get("/pool", summary="企业培育库：按称号/城市/产业链环节计数，晋级企业，下一档候选及规则")
    def pool(session: SessionDep, region: RegionQ = None,
             chain: Annotated[str | None, Query(description="产业链 id 或名称")] = None,
             since: Annotated[int | None, Query(description="只列此年以来晋级的企业")] = None,
             include_pending: Annotated[bool, Query(description="一并计入待审核的事实")] = False
             ) -> dict[str, Any]:
        _scope(session, region)
        return _analysis("pool", session, region=region, chain=chain, since=since,
                         include_pending=include_pending)

    return router


# --- write routes -------------------------------------------------------------------------

async def _receive(request: Request, file: UploadFile, allowed: tuple[str, ...]) -> Upload:
    limit = request.app.state.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise UploadRejected(413, f"{file.filename}: 文件超过 {limit // (1024 * 1024)} MB 上限")
    data = await file.read(limit + 1)
    return check_upload(filename=file.filename or "", data=data, allowed=allowed,
                        max_bytes=limit)


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

    async def enqueue(request: Request, background: BackgroundTasks, file: UploadFile, *,
                      types: Any, kind: str, worker: Any, slot: str | None = None
                      ) -> JSONResponse:
        """Check the upload, record a job, run ``worker`` on it in the background."""
        upload = await _receive(request, file, types)
        if slot is not None and slot.strip():
            upload = dataclasses.replace(upload, slot=" ".join(slot.split()))
        job_id = create_job(_kb(request), kind=kind, filename=upload.filename)
        background.add_task(_run_file_job, request, job_id, upload, worker)
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
        return await enqueue(request, background, file, types=DOCUMENT_TYPES, kind="document",
                             worker=store_document, slot=slot)

    @router.post("/observations", status_code=202, summary="上传实际值 (CSV/XLSX)")
    async def upload_actuals(request: Request, background: BackgroundTasks,
                             file: Annotated[UploadFile, File()], user: User = writer
                             ) -> JSONResponse:
        return await enqueue(request, background, file, types=TABLE_TYPES, kind="actuals",
                             worker=store_actuals)

    @router.post("/enterprises", status_code=202, summary="上传企业名录 (CSV/XLSX)")
    async def upload_registry(request: Request, background: BackgroundTasks,
                              file: Annotated[UploadFile, File()], user: User = writer
                              ) -> JSONResponse:
        return await enqueue(request, background, file, types=TABLE_TYPES, kind="registry",
                             worker=store_registry)

    @router.post("/tierlists", status_code=202,
                 summary="上传称号名单 (CSV/XLSX：专精特新、小巨人、瞪羚、单项冠军 …)")
    async def upload_tier_list(request: Request, background: BackgroundTasks,
                               file: Annotated[UploadFile, File()],
                               tier: Annotated[str | None, Query(description="名单的称号")] = None,
                               level: Annotated[str | None, Query(description="认定层级")] = None,
                               year: Annotated[int | None, Query(description="认定年份")] = None,
                               user: User = writer) -> JSONResponse:
        return await enqueue(request, background, file, types=TABLE_TYPES, kind="tierlist",
                             worker=lambda s, up, path: store_tier_list(
                                 s, up, path, tier=tier, level=level, year=year))

    @router.post("/projects/{project_id}/stage", summary="人工设定项目阶段 (记录设定人与时间)")
    def set_project_stage(request: Request, project_id: int, change: StageIn,
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
        request.app.state.cache.clear()
        return out

    @router.get("/jobs/{job_id}", summary="后台任务状态")
    def job_status(job_id: int, session: SessionDep) -> dict[str, Any]:
        job = session.get(Job, job_id)
        if job is None:
            raise HTTPException(404, f"任务 {job_id} 不存在")
        return job_dict(job)

    return router


def _run_job(request: Request, job_id: int,
             work: Callable[[Session], dict[str, Any]]) -> None:
    """Run a job, then drop cached read answers (the KB may have changed)."""
    try:
        run_job(_kb(request), job_id, work)
    finally:
        request.app.state.cache.clear()


def _run_file_job(request: Request, job_id: int, upload: Upload,
                  work: Callable[[Session, Upload, Path], dict[str, Any]]) -> None:
    """Run ``work`` on the upload saved under its own name in a private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="gxatlas-upload-") as tmp:
        path = Path(tmp) / upload.filename
        path.write_bytes(upload.data)
        _run_job(request, job_id, lambda s: work(s, upload, path))


# --- pages --------------------------------------------------------------------------------

def _pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="gxatlas API",
            swagger_js_url="/static/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None})


def _errors(app: FastAPI) -> None:
    @app.exception_handler(UploadRejected)
    def rejected(_request: Request, err: UploadRejected) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=err.status)

    @app.exception_handler(queries.NotFound)
    def not_found(_request: Request, err: queries.NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=404)


def create_app(db_url: str | None = None, *, kb: KB | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES,
               cache_seconds: float | None = None) -> FastAPI:
    """The app over the KB at ``db_url`` (or an open ``kb``); the KB must be initialised.

    Read answers are cached while the KB is unchanged, at most ``cache_seconds`` (default:
    ``GXATLAS_API_CACHE_SECONDS``, else 300; 0 disables; see `gxatlas.api.cache`)."""
    if cache_seconds is None:
        cache_seconds = float(os.environ.get("GXATLAS_API_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    app = FastAPI(title="gxatlas 广西产业图谱 API", version="0.1.0",
                  description="广西产业规划知识库：实体、出处、监测、审查、产业链与合作伙伴。",
                  docs_url=None, redoc_url=None)
    app.state.kb = kb if kb is not None else open_kb(db_url)
    app.state.max_upload_bytes = max_upload_bytes
    engine = app.state.kb.engine
    app.state.cache = ResponseCache(ttl=cache_seconds, stamp=lambda: kb_stamp(engine))
    app.add_middleware(CacheMiddleware, cache=app.state.cache)
    app.include_router(_read_router())
    app.include_router(_analysis_router())
    app.include_router(_write_router())
    app.include_router(review_router(SessionDep, Depends(require("write")),
                                     lambda request: request.app.state.cache.clear()))
    _pages(app)
    _errors(app)
    return app

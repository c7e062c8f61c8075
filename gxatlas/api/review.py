"""The review API: the queue and one fact (open reads), and the reviewer's actions (write
token; the reviewer recorded is the token's user). The same services as `gxatlas review`
(`gxatlas.kb.review`, `gxatlas.kb.corrections`). An action names the fact version the reviewer
saw; when someone acted in between the answer is 409 with the fact as it is now.

(No ``from __future__ import annotations`` here: the routes are defined inside a function
and FastAPI must see their parameter types, the app's session dependency included.)"""

from typing import Annotated, Any, Callable

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.kb import corrections
from gxatlas.kb.models import FACT_STATUSES
from gxatlas.kb.review import queue, review_item


class Action(BaseModel):
    """What the reviewer saw and says."""

    version: int | None = Field(None, description="看到的事实版本（冲突检测）")
    note: str | None = Field(None, max_length=2000, description="说明")


class Edit(Action):
    name: str | None = Field(None, max_length=300, description="改正的名称")
    values: dict[str, Any] = Field(default_factory=dict, description="改正的数值，如 {\"target_value\": 16000}")


class Merge(Action):
    into: int | str = Field(..., description="并入的已知实体：编号或名称")


def review_router(session_dep: Any, writer: Any, on_write: Callable[[Request], None]) -> APIRouter:
    """The /api/review routes over the app's session dependency and write-token check."""
    router = APIRouter(prefix="/api/review", tags=["review"])

    def act(request: Request, session: Session, fn: Callable[..., Any], *args: Any,
            **kwargs: Any) -> JSONResponse:
        try:
            corr = fn(session, *args, **kwargs)
            session.commit()
        except corrections.ReviewConflict as err:
            session.rollback()
            return JSONResponse({"detail": str(err), "fact": err.fact}, status_code=409)
        except GxatlasError as err:
            session.rollback()
            raise HTTPException(400, str(err)) from err
        on_write(request)
        return JSONResponse(corrections.correction_dict(corr) | {
            "fact": review_item(session, corr.fact_id, context=0) if corr.fact_id else None})

    @router.get("", summary="审核队列 (待审核的事实，按文档顺序)")
    def list_(session: session_dep,
              status: Annotated[str, Query(description=f"{'/'.join(FACT_STATUSES)}/all")] = "pending",
              type: Annotated[str | None, Query(description="事实类型")] = None,
              document: Annotated[str | None, Query(description="文档键")] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        try:
            return queue(session, status=None if status == "all" else status, fact_type=type,
                         document=document, limit=limit, offset=offset)
        except GxatlasError as err:
            raise HTTPException(400, str(err)) from err

    @router.get("/log", summary="更正记录")
    def log(session: session_dep, fact: int | None = None, document: str | None = None,
            limit: Annotated[int, Query(ge=1, le=200)] = 50,
            offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        return {"items": corrections.history(session, fact_id=fact, document=document,
                                             limit=limit, offset=offset)}

    @router.get("/{fact_id}", summary="一条事实：原文摘录（证据位置）、可合并实体、更正记录")
    def item(fact_id: int, session: session_dep,
             context: Annotated[int, Query(ge=0, le=5000)] = 600) -> dict[str, Any]:
        try:
            return review_item(session, fact_id, context=context)
        except GxatlasError as err:
            raise HTTPException(404, str(err)) from err

    @router.post("/{fact_id}/accept", summary="确认")
    def accept(fact_id: int, body: Action, request: Request, session: session_dep,
               user: Any = writer) -> JSONResponse:
        return act(request, session, corrections.accept, fact_id, reviewer=user.name,
                   version=body.version, note=body.note)

    @router.post("/{fact_id}/edit", summary="修改名称或数值（并确认）")
    def edit(fact_id: int, body: Edit, request: Request, session: session_dep,
             user: Any = writer) -> JSONResponse:
        return act(request, session, corrections.edit, fact_id, reviewer=user.name,
                   values=body.values, name=body.name, version=body.version, note=body.note)

    @router.post("/{fact_id}/merge", summary="并入已有实体")
    def merge(fact_id: int, body: Merge, request: Request, session: session_dep,
              user: Any = writer) -> JSONResponse:
        return act(request, session, corrections.merge, fact_id, reviewer=user.name,
                   into=body.into, version=body.version, note=body.note)

    @router.post("/{fact_id}/reject", summary="驳回")
    def reject(fact_id: int, body: Action, request: Request, session: session_dep,
               user: Any = writer) -> JSONResponse:
        return act(request, session, corrections.reject, fact_id, reviewer=user.name,
                   version=body.version, note=body.note)

    @router.post("/corrections/{correction_id}/undo", summary="撤销一次更正")
    def undo(correction_id: int, body: Action, request: Request, session: session_dep,
             user: Any = writer) -> JSONResponse:
        return act(request, session, corrections.undo, correction_id, reviewer=user.name,
                   note=body.note)

    return router

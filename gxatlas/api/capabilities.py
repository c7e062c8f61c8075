"""Analysis capabilities (monitor, audit, parks, chains, partners) behind one lazy interface.

The analysis modules are optional at run time: each is imported when first asked for, and a
capability whose module or function is missing answers ``{"available": false, "reason": ...}``
so that the API and the dashboard can show an honest empty state instead of failing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import inspect
import logging
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capability:
    """An analysis entry point over the KB: ``module.function(session, **params)``.

    The analysis modules are pure functions over tables; each exposes (or will expose) one
    KB-aware entry point named here, taking the open session first and keyword parameters
    (``region``, ``chain``, ``home``, ``limit``) it may ignore.
    """

    name: str
    module: str
    functions: tuple[str, ...]  # first one found is used
    title: str


CAPABILITIES: dict[str, Capability] = {c.name: c for c in (
    Capability("monitor", "gxatlas.analysis.monitor", ("monitor_kb",), "规划目标监测"),
    Capability("audit", "gxatlas.analysis.audit", ("audit_kb",), "规划一致性审查"),
    Capability("parks", "gxatlas.analysis.parks", ("evaluate_parks_kb",), "园区评价"),
    Capability("chains", "gxatlas.analysis.chains", ("chain_report_kb",), "产业链分析"),
    Capability("partners", "gxatlas.analysis.partners", ("partners_kb",), "合作伙伴推荐"),
)}


def chain_templates() -> list[dict[str, Any]]:
    """The bundled chain templates (id, name, links) for the chain picker."""
    from gxatlas.data.chains import load_chains

    return [{"id": c.id, "name": c.name, "industry": c.industry, "source": c.source,
             "links": [{"id": link.id, "name": link.name, "position": link.position,
                        "supplies": list(link.supplies)} for link in c.links]}
            for c in load_chains()]


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, mappings, sequences and dates as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def resolve(name: str) -> Callable[..., Any] | str:
    """The function of capability ``name``, or the reason it is not there."""
    cap = CAPABILITIES[name]
    try:
        module = importlib.import_module(cap.module)
    except ImportError as err:
        return f"{cap.title}尚未提供 ({cap.module}: {err})"
    for fname in cap.functions:
        fn = getattr(module, fname, None)
        if callable(fn):
            return fn
    return f"{cap.title}尚未提供 ({cap.module} 无 {' / '.join(cap.functions)})"


def _call(fn: Callable[..., Any], session: Session, params: dict[str, Any]) -> Any:
    """Call ``fn`` with the session and the subset of ``params`` it accepts."""
    sig = inspect.signature(fn)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    kwargs = {k: v for k, v in params.items()
              if v is not None and (accepts_any or k in sig.parameters)}
    return fn(session, **kwargs)


def run(name: str, session: Session, **params: Any) -> dict[str, Any]:
    """Run capability ``name``; ``{"available": true, "result": ...}`` or an empty state."""
    fn = resolve(name)
    if isinstance(fn, str):
        return unavailable(fn)
    result = _call(fn, session, params)
    return {"available": True, "result": to_jsonable(result)}

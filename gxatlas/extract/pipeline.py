"""Extraction as a pipeline of registered components over one annotated document.

A component is a function ``(ad, inputs) -> product`` registered with the names of what it
needs and what it provides (after spaCy's pipeline components). What it needs is a layer of
the annotated document (``sentences``, ``tables``, ``quantities``, ``profile``…, computed once
and shared) or the product of another component (``park`` facts, ``project_mentions``); what
it provides is a fact type (its list of facts) or an intermediate product. The pipeline runs
the components in an order that gives each its needs, then :mod:`gxatlas.extract.settle`
settles conflicts between types and :mod:`gxatlas.extract.confidence` scores every fact.

    @component("policy", needs=("lines",), provides=("policy",))
    def policies(ad, inputs): ...

Adding a fact type is adding a module of components and listing it in ``COMPONENT_MODULES``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from gxatlas.extract.annotate import AnnotatedDoc

__all__ = ["Component", "component", "components", "plan", "run", "LAYERS", "COMPONENT_MODULES"]

# the annotated document's layers a component may need (gxatlas.extract.annotate)
LAYERS = frozenset({"lines", "sentences", "clauses", "headings", "tables", "places", "times",
                    "quantities", "city_context", "profile"})
# modules whose import registers the components (one per fact type, plus shared mentions)
COMPONENT_MODULES = (
    "gxatlas.extract.known",
    "gxatlas.extract.projects",
    "gxatlas.extract.parks",
    "gxatlas.extract.enterprises",
    "gxatlas.extract.policies",
    "gxatlas.extract.focus",
    "gxatlas.extract.indicators",
    "gxatlas.extract.settle",
)


@dataclass(frozen=True)
class Component:
    name: str
    needs: tuple[str, ...]
    provides: tuple[str, ...]
    func: Callable[[AnnotatedDoc, Mapping[str, Any]], Any]

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip().split("\n")[0]


_REGISTRY: dict[str, Component] = {}


def component(name: str, *, needs: Iterable[str] = (), provides: Iterable[str] = ()
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` as the component ``name`` (one name, one component)."""
    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        prov = tuple(provides) or (name,)
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"component {name!r} registered twice")
        _REGISTRY[name] = Component(name=name, needs=tuple(needs), provides=prov, func=func)
        return func
    return deco


def components() -> dict[str, Component]:
    """Every registered component (importing the component modules registers them)."""
    for mod in COMPONENT_MODULES:
        importlib.import_module(mod)
    return dict(_REGISTRY)


def plan(comps: Mapping[str, Component] | None = None) -> list[Component]:
    """The components in an order that gives each its needs before it runs; a need neither a
    layer nor provided, or a cycle, raises ValueError naming it."""
    comps = dict(comps if comps is not None else components())
    provider = {p: c.name for c in comps.values() for p in c.provides}
    for c in comps.values():
        for n in c.needs:
            if n not in LAYERS and n not in provider:
                raise ValueError(f"component {c.name!r} needs {n!r}, which nothing provides")
    order: list[Component] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ValueError(f"components depend on each other: {' -> '.join(path + (name,))}")
        state[name] = 1
        for n in comps[name].needs:
            if n in provider:
                visit(provider[n], path + (name,))
        state[name] = 2
        order.append(comps[name])

    for name in sorted(comps):
        visit(name, ())
    return order


def run(ad: AnnotatedDoc, order: Iterable[Component] | None = None) -> dict[str, Any]:
    """Run the components over ``ad``; returns every product by name (fact types: lists)."""
    products: dict[str, Any] = {}
    for c in order if order is not None else plan():
        for n in c.needs:
            if n in LAYERS:
                getattr(ad, n)  # computed once, shared by every component after
        out = c.func(ad, {n: products[n] for n in c.needs if n in products})
        if len(c.provides) == 1:
            products[c.provides[0]] = out
        else:
            products.update(out)
    return products

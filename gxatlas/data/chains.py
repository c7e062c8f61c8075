"""Industrial-chain templates (gxatlas/data/chains/*.yaml): loading and validation.

A template is one YAML mapping per file: ``id`` (= the file stem), ``name``, ``source`` (where
the structure comes from), ``industry`` (an id of industries.yaml, optional), ``aliases``
(other names plans use for the chain, optional) and ``links``. Each link has ``id``, ``name``,
``position`` (upstream / midstream / downstream), ``supplies`` (ids of the links it feeds),
``gbt4754`` (GB/T 4754-2017 classes written section letter + four digits, e.g. ``C3841``),
``keywords`` (words that identify the link in company names and business scopes) and
``negative_keywords`` (longer words that contain a keyword but mean something else, e.g.
``隔膜泵`` against ``隔膜``); optionally ``industries`` (ids of industries.yaml: an enterprise or
project recorded under one of these industries and placed on no link of the chain by its own
words is taken to be on this link — a 钢铁 works smelts and rolls). Every problem is an
``InputError`` naming the file and line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping


from gxatlas.data import DATA_DIR, load_industries, read_yaml
from gxatlas.errors import InputError

CHAINS_DIR = DATA_DIR / "chains"
POSITIONS = ("upstream", "midstream", "downstream")
POSITION_NAMES = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_GBT = re.compile(r"^([A-T])(\d{4})$")
# GB/T 4754-2017: the divisions (two-digit 大类) of each section (门类).
_SECTIONS = {"A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
             "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
             "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
             "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 97), "T": (98, 98)}
_CHAIN_FIELDS = ("id", "name", "source", "industry", "aliases", "links")
_LINK_FIELDS = ("id", "name", "position", "supplies", "gbt4754", "keywords", "negative_keywords",
                "industries")


@dataclass(frozen=True)
class Link:
    """One link (环节) of a chain."""

    id: str
    name: str
    position: str  # upstream / midstream / downstream
    supplies: tuple[str, ...]  # ids of the links of the same chain this link feeds
    gbt4754: tuple[str, ...]  # e.g. ("C3841",)
    keywords: tuple[str, ...]
    negative_keywords: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()  # ids in industries.yaml that stand for this link


@dataclass(frozen=True)
class Chain:
    """One industrial chain (产业链) template."""

    id: str
    name: str
    source: str
    links: tuple[Link, ...]
    industry: str | None = None  # id in industries.yaml
    aliases: tuple[str, ...] = ()

    def link(self, link_id: str) -> Link:
        for lk in self.links:
            if lk.id == link_id:
                return lk
        raise KeyError(link_id)

    def suppliers_of(self, link_id: str) -> tuple[Link, ...]:
        """The links that supply ``link_id``."""
        return tuple(lk for lk in self.links if link_id in lk.supplies)


# --- parsing ---------------------------------------------------------------------------------

class _Fields:
    """Checked access to one raw mapping of one file."""

    def __init__(self, path: Path, raw: Mapping[str, Any], allowed: Iterable[str], what: str):
        self.path, self.raw, self.line, self.what = path, raw, raw.get("__line__"), what
        unknown = sorted(set(raw) - set(allowed) - {"__line__"})
        if unknown:
            self.fail(f"{what}有未知字段 {unknown[0]!r}（允许: {', '.join(allowed)}）")

    def fail(self, problem: str) -> None:
        raise InputError(self.path, problem, line=self.line)

    def text(self, key: str, *, required: bool = True) -> str | None:
        v = self.raw.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.fail(f"{self.what}缺少字段 {key!r}")
            return None
        if not isinstance(v, str):
            self.fail(f"{self.what}字段 {key!r} 应为文本，而不是 {v!r}")
        return " ".join(v.split())

    def words(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        v = self.raw.get(key)
        if v is None:
            v = []
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            self.fail(f"{self.what}字段 {key!r} 应为非空文本的列表")
        out = tuple(x.strip() for x in v)
        if required and not out:
            self.fail(f"{self.what}字段 {key!r} 不能为空")
        dup = sorted({x for x in out if out.count(x) > 1})
        if dup:
            self.fail(f"{self.what}字段 {key!r} 中 {dup[0]!r} 重复")
        return out


def _read(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "产业链模板应为一个 YAML 映射（id, name, source, links）")
    return data


def _parse_link(path: Path, raw: Any, chain_line: int | None,
                industry_ids: frozenset[str] | None = None) -> Link:
    if not isinstance(raw, dict):
        raise InputError(path, f"环节应为映射，而不是 {raw!r}", line=chain_line)
    f = _Fields(path, raw, _LINK_FIELDS, "环节")
    link_id = f.text("id")
    assert link_id is not None
    if not _ID.match(link_id):
        f.fail(f"环节 id {link_id!r} 应为小写字母、数字和下划线")
    f.what = f"环节 {link_id} "
    position = f.text("position")
    if position not in POSITIONS:
        f.fail(f"环节 {link_id} 的 position {position!r} 应为 {' / '.join(POSITIONS)} 之一")
    codes = f.words("gbt4754")
    for code in codes:
        m = _GBT.match(code)
        lo, hi = _SECTIONS.get(m.group(1), (0, -1)) if m else (0, -1)
        if not m or not lo <= int(m.group(2)[:2]) <= hi:
            f.fail(f"环节 {link_id} 的国民经济行业代码 {code!r} 无效"
                   "（应为 GB/T 4754-2017 门类字母加四位小类码，如 C3841）")
    keywords = f.words("keywords", required=True)
    negatives = f.words("negative_keywords")
    both = sorted(set(keywords) & set(negatives))
    if both:
        f.fail(f"环节 {link_id} 的 {both[0]!r} 同时是关键词和排除词")
    dead = [n for n in negatives if not any(k in n for k in keywords)]
    if dead:
        f.fail(f"环节 {link_id} 的排除词 {dead[0]!r} 不含本环节任何关键词，不起作用")
    industries = f.words("industries")
    unknown = [i for i in industries if industry_ids is not None and i not in industry_ids]
    if unknown:
        f.fail(f"环节 {link_id} 的 industries {unknown[0]!r} 不在产业分类 industries.yaml 中")
    name = f.text("name")
    assert name is not None and position is not None
    return Link(id=link_id, name=name, position=position, supplies=f.words("supplies"),
                gbt4754=codes, keywords=keywords, negative_keywords=negatives,
                industries=industries)


def parse_chain(path: Path, *, industry_ids: frozenset[str] | None = None) -> Chain:
    """One chain template file, validated; ``InputError`` names the file and line."""
    raw = _read(path)
    f = _Fields(path, raw, _CHAIN_FIELDS, "产业链")
    chain_id = f.text("id")
    assert chain_id is not None
    if not _ID.match(chain_id):
        f.fail(f"产业链 id {chain_id!r} 应为小写字母、数字和下划线")
    if chain_id != path.stem:
        f.fail(f"产业链 id {chain_id!r} 应与文件名 {path.stem!r} 一致")
    industry = f.text("industry", required=False)
    if industry and industry_ids is not None and industry not in industry_ids:
        f.fail(f"industry {industry!r} 不在产业分类 industries.yaml 中")
    raw_links = raw.get("links")
    if not isinstance(raw_links, list) or not raw_links:
        f.fail("产业链缺少环节列表 links")
    links = tuple(_parse_link(path, r, f.line, industry_ids) for r in raw_links)
    seen: dict[str, Link] = {}
    for raw_link, lk in zip(raw_links, links):
        line = raw_link.get("__line__")
        if lk.id in seen:
            raise InputError(path, f"环节 id {lk.id!r} 重复", line=line)
        seen[lk.id] = lk
    for raw_link, lk in zip(raw_links, links):
        line = raw_link.get("__line__")
        for target in lk.supplies:
            if target == lk.id:
                raise InputError(path, f"环节 {lk.id} 不能供应自身", line=line)
            if target not in seen:
                raise InputError(path, f"环节 {lk.id} 供应的 {target!r} 不是本链的环节",
                                 line=line)
    name, source = f.text("name"), f.text("source")
    assert name is not None and source is not None
    return Chain(id=chain_id, name=name, source=source, links=links, industry=industry,
                 aliases=f.words("aliases"))


def parse_chains(directory: Path, *, check_industries: bool = True) -> tuple[Chain, ...]:
    """All templates of a directory (sorted by file name); chain ids must be unique."""
    if not directory.is_dir():
        raise InputError(directory, "产业链模板目录不存在")
    ids = (frozenset(r.id for r in load_industries().records) if check_industries else None)
    chains: list[Chain] = []
    for path in sorted(directory.glob("*.yaml")):
        chains.append(parse_chain(path, industry_ids=ids))
    if not chains:
        raise InputError(directory, "目录中没有产业链模板（*.yaml）")
    return tuple(chains)


@functools.lru_cache(maxsize=4)
def load_chains(directory: Path | None = None) -> tuple[Chain, ...]:
    """The bundled chain templates (or those of another directory)."""
    return parse_chains(directory or CHAINS_DIR, check_industries=directory is None)


def find_chain(chain_id: str, *, chains: Iterable[Chain] | None = None) -> Chain:
    """The chain with this id or name; ``InputError`` lists the known ids otherwise."""
    pool = tuple(chains) if chains is not None else load_chains()
    for ch in pool:
        if chain_id in (ch.id, ch.name, *ch.aliases):
            return ch
    raise InputError("--chain", f"未知产业链 {chain_id!r}（可选: {', '.join(c.id for c in pool)}）")

"""The vocabularies of the two registers (gxatlas/data/registers.yaml), loaded and validated.

* Project stages, in the order a project moves through them (储备 → 签约 → 在建 → 竣工 → 投产).
  A status phrase is read with the extraction lexicon's ``project_stages`` (建成投产 → 投产,
  开工建设 → 开工; gxatlas/data/lexicon/projects.yaml), whose stage words each register stage
  groups, plus the few phrases the register alone knows (``also``): `stage_of("建成投产")` is
  投产, `stage_of("开工建设")` is 在建.
* Enterprise tiers of the cultivation pool (规上 … 单项冠军, and 链主/龙头 off the ladder), each
  with its usual issuing level, its rank on the ladder and the tiers one step up
  (`tier_of("广西制造业单项冠军")` is the provincial 单项冠军).
* Issuing levels (国家级 / 市级 / 省级) as a list title, a level column or a tag states them.

A phrase naming several words is read by its longest word; between equally long words the
later stage (or the higher tier) wins. Quotes do not count (专精特新“小巨人” = 专精特新小巨人).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gxatlas.data import DATA_DIR, load_regions, read_yaml
from gxatlas.errors import InputError
from gxatlas.names import canonical_name

REGISTERS_FILE = DATA_DIR / "registers.yaml"
LEVELS = ("国家级", "省级", "市级")
_QUOTES = re.compile("[“”\"'‘’「」『』]")


@dataclass(frozen=True)
class Stage:
    id: str
    name: str      # 储备 / 签约 / 在建 / 竣工 / 投产: what the KB stores
    label: str     # 储备/前期 …: what people read
    index: int     # position in the pipeline (0 = 储备)
    words: tuple[str, ...]


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    level: str | None    # usual issuing level; a list or text stating one wins
    rank: int | None     # height on the ladder; None = not on it (链主/龙头)
    next: tuple[str, ...]
    words: tuple[str, ...]
    level_fixed: bool = False  # only ever issued at ``level`` (小巨人: 国家级)
    issued: bool = True  # recognised by a body at some level (规上 is a statistical class)

    def level_given(self, *stated: str | None) -> str | None:
        """The issuing level: the tier's own when fixed, else the first level stated, else
        the usual one."""
        if self.level_fixed:
            return self.level
        return next((s for s in stated if s), self.level)


@dataclass(frozen=True)
class Registers:
    stages: tuple[Stage, ...]
    tiers: tuple[Tier, ...]
    levels: tuple[tuple[str, tuple[str, ...]], ...]  # (level, words) in the order checked

    def stage(self, key: str) -> Stage:
        """A stage by id, name or label (``KeyError`` naming the choices otherwise)."""
        for s in self.stages:
            if key in (s.id, s.name, s.label):
                return s
        found = self.stage_of(key)
        if found is None:
            raise KeyError(f"未知阶段 {key!r}（可用：{'、'.join(s.label for s in self.stages)}）")
        return found

    def tier(self, key: str) -> Tier:
        """A tier by id or name, else by the words it is known by."""
        for t in self.tiers:
            if key in (t.id, t.name):
                return t
        found = self.tier_of(key)
        if found is None:
            raise KeyError(f"未知称号 {key!r}（可用：{'、'.join(t.name for t in self.tiers)}）")
        return found

    def stage_of(self, text: str | None) -> Stage | None:
        """The stage a status phrase names (longest word; the later stage on a tie)."""
        return _longest(text, _stage_entries(self.stages))

    def tier_of(self, text: str | None) -> Tier | None:
        """The tier a tag or title names (longest word; the higher tier on a tie)."""
        return _longest(text, [(w, t.rank or 0, t) for t in self.tiers for w in t.words])

    def level_of(self, text: str | None) -> str | None:
        """The issuing level a title, column or tag states (see the YAML for the order)."""
        if not text:
            return None
        clean = canonical_name(str(text))
        for level, words in self.levels:
            if any(w in clean for w in words):
                return level
            if level == "市级" and any(c in clean for c in _city_names()):
                return level
        return None


def _longest(text: str | None, entries: Any) -> Any:
    if not text:
        return None
    clean = _QUOTES.sub("", canonical_name(str(text)))
    best: tuple[int, int] | None = None
    hit = None
    for word, order, value in entries:
        if word in clean and (best is None or (len(word), order) > best):
            best, hit = (len(word), order), value
    return hit


@functools.cache
def _stage_entries(stages: tuple[Stage, ...]) -> tuple[tuple[str, int, Stage], ...]:
    """(word, stage index, stage) for every phrase that names a stage: the lexicon's phrases
    through the stage words each stage groups, and each stage's own words."""
    from gxatlas.data.lexicon import lexicon

    by_word = {w: s for s in stages for w in s.words}
    out = [(w, s.index, s) for w, s in by_word.items()]
    for phrase, word in lexicon().map("project_stages").items():
        stage = by_word.get(_QUOTES.sub("", canonical_name(str(word))))
        if stage is not None:
            out.append((_QUOTES.sub("", canonical_name(phrase)), stage.index, stage))
    return tuple(out)


@functools.cache
def _city_names() -> tuple[str, ...]:
    """Full names of Guangxi's prefecture- and county-level cities (南宁市, 横州市 …)."""
    regions = load_regions()
    return tuple(r.name for r in regions.records
                 if r.code.startswith("45") and r.name.endswith("市")
                 and r.level in ("prefecture", "county"))


def _words(path: Path, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    words = raw.get(key) or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise InputError(path, f"{key} 应为非空字符串列表", line=raw.get("__line__"))
    return tuple(_QUOTES.sub("", canonical_name(w)) for w in words)


def parse_registers(path: Path) -> Registers:
    data = read_yaml(path)
    if not isinstance(data, dict) or not {"stages", "tiers", "levels"} <= set(data):
        raise InputError(path, "应含 stages、tiers、levels 三部分")
    from gxatlas.data.lexicon import lexicon

    stages = []
    for i, raw in enumerate(data["stages"]):
        if not raw.get("id") or not raw.get("name") or not raw.get("label"):
            raise InputError(path, "阶段缺少 id/name/label", line=raw.get("__line__"))
        stages.append(Stage(id=raw["id"], name=raw["name"], label=raw["label"], index=i,
                            words=(raw["name"], *_words(path, raw, "groups"),
                                   *_words(path, raw, "also"))))
    grouped = {w for s in stages for w in s.words}
    missing = sorted(set(lexicon().map("project_stages").values()) - grouped)
    if missing:
        raise InputError(path, f"抽取词表的阶段词 {'、'.join(missing)} 没有归入任何阶段 (groups)")
    tiers = []
    ids = {raw.get("id") for raw in data["tiers"]}
    for raw in data["tiers"]:
        line = raw.get("__line__")
        if not raw.get("id") or not raw.get("name"):
            raise InputError(path, "称号缺少 id/name", line=line)
        if raw.get("level") not in (None, *LEVELS):
            raise InputError(path, f"层级 {raw.get('level')!r} 应为 {'/'.join(LEVELS)}", line=line)
        nxt = tuple(raw.get("next") or ())
        unknown = [n for n in nxt if n not in ids]
        if unknown:
            raise InputError(path, f"next 中的称号 {unknown[0]!r} 未定义", line=line)
        rank = raw.get("rank")
        if rank is not None and (not isinstance(rank, int) or rank < 1):
            raise InputError(path, "rank 应为正整数或 null", line=line)
        fixed = raw.get("level_fixed", False)
        if not isinstance(fixed, bool) or (fixed and raw.get("level") is None):
            raise InputError(path, "level_fixed 应为 true/false，且需要 level", line=line)
        issued = raw.get("issued", True)
        if not isinstance(issued, bool):
            raise InputError(path, "issued 应为 true/false", line=line)
        tiers.append(Tier(id=raw["id"], name=raw["name"], level=raw.get("level"), rank=rank,
                          next=nxt, words=_words(path, raw, "words"), level_fixed=fixed,
                          issued=issued))
    levels = []
    for raw in data["levels"]:
        if raw.get("level") not in LEVELS:
            raise InputError(path, f"层级 {raw.get('level')!r} 应为 {'/'.join(LEVELS)}",
                             line=raw.get("__line__"))
        levels.append((raw["level"], _words(path, raw, "words")))
    return Registers(stages=tuple(stages), tiers=tuple(tiers), levels=tuple(levels))


@functools.cache
def load_registers() -> Registers:
    """The bundled register vocabularies (validated once per process)."""
    return parse_registers(REGISTERS_FILE)

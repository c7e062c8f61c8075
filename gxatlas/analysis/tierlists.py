"""Tier lists (专精特新、“小巨人”、瞪羚、单项冠军、高新技术企业、规上 … 名单) as bureaus publish them.

A list is a CSV or XLSX table: optionally a title line or two above the header (``2024年广西
专精特新中小企业名单``), then one firm a row. Headers may be Chinese or English:
企业名称/name (required), 统一社会信用代码, 所在市/地区/city, 县（市、区）/county, 称号/类别/tier,
层级/级别/level, 年度/年份/批次/year; others (序号, 主导产品, 备注 …) are read past and named in a
note. Each row's tier, issuing level and year come from its own columns, else from the
command line (``--tier/--level/--year``), else from the title lines or the file name;
a tier's usual level (小巨人 is 国家级) is the last resort for the level.

``read_tier_list`` checks every row and returns all problems with their line numbers. A list
with any error is not stored at all (`gxatlas.kb.registers.store_tier_list` refuses it): a
half-imported official list would be worse than none. Warnings (a city not in the regions
table) keep the row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gxatlas.analysis.registry import check_credit_code, region_resolver, table_records
from gxatlas.data.registers import Registers, load_registers
from gxatlas.errors import InputError, RowProblem
from gxatlas.names import canonical_name

HEADERS: dict[str, str] = {
    **{h: "name" for h in ("name", "企业名称", "名称", "公司名称", "单位名称", "企业", "企业全称")},
    **{h: "credit_code" for h in ("credit_code", "统一社会信用代码", "信用代码", "社会信用代码",
                                   "uscc")},
    **{h: "city" for h in ("city", "region", "所在市", "设区市", "地市", "所属市", "市",
                            "所在地", "地区", "城市", "所属地区", "所在地区", "市别")},
    **{h: "county" for h in ("county", "县(市、区)", "县（市、区）", "县区", "区县", "所在县区",
                              "县(市,区)", "所在区县", "县市区")},
    **{h: "tier" for h in ("tier", "称号", "类别", "类型", "认定类型", "企业类型", "梯队",
                            "名单类别", "认定类别", "荣誉")},
    **{h: "level" for h in ("level", "层级", "级别", "认定级别", "认定层级")},
    **{h: "year" for h in ("year", "年度", "年份", "认定年份", "认定年度", "批次", "认定时间",
                            "入选年份")},
}
_YEAR = re.compile(r"(19|20)\d{2}")


@dataclass(frozen=True)
class TierListRow:
    line: int
    name: str
    tier: str          # tier id (gxatlas/data/registers.yaml)
    level: str | None  # None only for tiers no body issues (规上)
    year: int
    credit_code: str | None = None
    city: str | None = None
    county: str | None = None
    word: str | None = None  # the tier as the list words it


@dataclass(frozen=True)
class TierList:
    path: str
    title: str
    rows: tuple[TierListRow, ...]
    problems: tuple[RowProblem, ...]  # errors: the list is refused
    warnings: tuple[RowProblem, ...]  # kept rows
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def digest(self) -> str:
        """SHA-256 of the list's data (each firm's name, credit code, place, tier, level and
        year, in any order): the same list under another file name, encoding or format has
        the same digest (`gxatlas.kb.documents.table_document` identifies it by this)."""
        import hashlib

        digest = hashlib.sha256()
        for key in sorted((r.name, r.credit_code or "", r.city or "", r.county or "", r.tier,
                           r.level or "", r.year) for r in self.rows):
            digest.update(repr(key).encode("utf-8"))
        return digest.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "title": self.title, "rows": len(self.rows),
                "problems": [{"line": p.line, "problem": p.problem} for p in self.problems],
                "warnings": [{"line": p.line, "problem": p.problem} for p in self.warnings],
                "notes": list(self.notes)}


def _key(cell: Any) -> str:
    return canonical_name(str(cell or "")).lower().replace(" ", "")


def _header(cells: list[Any]) -> list[str | None] | None:
    cols = [HEADERS.get(_key(c)) for c in cells]
    return cols if "name" in cols else None


_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")


def _year(text: Any) -> int | None:
    """A year from a cell or title: 2024, 2024年, 2024年度, 二〇二四年."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and float(text).is_integer():
        return int(text)
    if isinstance(text, (dt.date, dt.datetime)):
        return text.year
    m = _YEAR.search(canonical_name(str(text or "")).translate(_CN_DIGITS))
    return int(m.group()) if m else None


def read_tier_list(path: str | Path, *, tier: str | None = None, level: str | None = None,
                   year: int | None = None, registers: Registers | None = None) -> TierList:
    """Read and check a tier list (see the module doc). ``tier``/``level``/``year`` are the
    values the person importing states for the whole list."""
    regs = registers or load_registers()
    p = Path(path)
    this_year = dt.date.today().year
    default_tier = default_level = None
    if tier is not None:
        try:
            default_tier = regs.tier(tier)
        except KeyError as err:
            raise InputError(p, err.args[0]) from err
    if level is not None:
        default_level = regs.level_of(level)
        if default_level is None:
            raise InputError(p, f"层级 {level!r} 无法识别（国家级、省级或市级）")
    if year is not None and not 1990 <= year <= this_year + 1:
        raise InputError(p, f"年份 {year} 不合理")
    titles: list[str] = []
    cols: list[str | None] | None = None
    header_line, header_cells = 0, []
    records = []
    for line, cells, problem in table_records(p):
        if cols is None:
            if cells is None:
                raise InputError(p, f"表头无法读取: {problem}", line=line)
            cols = _header(cells)
            if cols is None:
                titles.append("".join(str(c) for c in cells if c not in (None, "")))
                if len(titles) > 5:
                    raise InputError(p, "前 6 行中没有企业名称列（企业名称/名称/name）", line=1)
            else:
                header_line, header_cells = line, cells
            continue
        records.append((line, cells, problem))
    if cols is None:
        raise InputError(p, "没有表头行（需要企业名称列）")
    title = "".join(titles) or p.stem
    title_tier = regs.tier_of(title) or regs.tier_of(p.stem)
    title_year = _year(title) or _year(p.stem)
    title_level = regs.level_of(title)
    file_tier = default_tier or title_tier
    file_year = year or title_year
    problems: list[RowProblem] = []
    warnings: list[RowProblem] = []
    if file_tier is None and "tier" not in cols:
        problems.append(RowProblem(None, "无法确定称号：标题、文件名中没有，也没有称号列"
                                         "（用 --tier 说明，如 --tier 小巨人）"))
    if file_year is None and "year" not in cols:
        problems.append(RowProblem(None, "无法确定年份：标题、文件名中没有，也没有年度列"
                                         "（用 --year 说明）"))
    resolver = region_resolver()
    rows: list[TierListRow] = []
    seen: dict[tuple[str, str, int], int] = {}
    codes: dict[str, int] = {}
    for line, cells, problem in records:
        if cells is None:
            problems.append(RowProblem(line, problem or "无法读取"))
            continue
        if len(cells) > len(cols) and any(str(c or "").strip() for c in cells[len(cols):]):
            problems.append(RowProblem(line, f"字段数 {len(cells)} 多于表头的 {len(cols)} 列"))
            continue
        rec: dict[str, Any] = {}
        for key, value in zip(cols, cells):
            if key is not None and key not in rec and str(value or "").strip():
                rec[key] = value.strip() if isinstance(value, str) else value
        name = canonical_name(str(rec.get("name") or ""))
        if not name:
            problems.append(RowProblem(line, "缺少企业名称"))
            continue
        row_tier = file_tier
        word = None
        if rec.get("tier") is not None:
            word = canonical_name(str(rec["tier"]))
            row_tier = regs.tier_of(word)
            if row_tier is None:
                problems.append(RowProblem(line, f"{name}: 称号“{word}”无法识别"))
                continue
        if row_tier is None:
            problems.append(RowProblem(line, f"{name}: 缺少称号"))
            continue
        row_year = file_year
        if rec.get("year") is not None:
            row_year = _year(rec["year"])
            if row_year is None:
                problems.append(RowProblem(line, f"{name}: 年份“{rec['year']}”无法识别"))
                continue
        if row_year is None:
            problems.append(RowProblem(line, f"{name}: 缺少年份"))
            continue
        if not 1990 <= row_year <= this_year + 1:
            problems.append(RowProblem(line, f"{name}: 年份 {row_year} 不合理"))
            continue
        stated = None
        if rec.get("level") is not None:
            stated = regs.level_of(str(rec["level"]))
            if stated is None:
                problems.append(RowProblem(line, f"{name}: 层级“{rec['level']}”无法识别"))
                continue
        stated = stated or (regs.level_of(word) if word else None) or default_level
        if row_tier.level_fixed and stated and stated != row_tier.level:
            problems.append(RowProblem(line, f"{name}: {row_tier.name}只有{row_tier.level}，"
                                             f"与所给层级“{stated}”不符"))
            continue
        row_level = row_tier.level_given(stated, title_level)
        if row_level is None and row_tier.issued:
            problems.append(RowProblem(line, f"{name}: 无法确定认定层级（用 --level 说明）"))
            continue
        code = str(rec["credit_code"]).strip().upper() if rec.get("credit_code") else None
        if code:
            bad = check_credit_code(code)
            if bad:
                problems.append(RowProblem(line, f"{name}: {bad}"))
                continue
            if code in codes:
                problems.append(RowProblem(line, f"{name}: 统一社会信用代码 {code} 与第 "
                                                 f"{codes[code]} 行重复"))
                continue
            codes[code] = line
        ident = (name, row_tier.id, row_year)
        if ident in seen:
            problems.append(RowProblem(line, f"{name}: 与第 {seen[ident]} 行重复"))
            continue
        seen[ident] = line
        city = canonical_name(str(rec["city"])) if rec.get("city") else None
        county = canonical_name(str(rec["county"])) if rec.get("county") else None
        for place in (city, county):
            if place and resolver.find(place) is None:
                warnings.append(RowProblem(line, f"{name}: 地区“{place}”不在地区表中，按未定位存入"))
        rows.append(TierListRow(line=line, name=name, tier=row_tier.id, level=row_level,
                                year=row_year, credit_code=code, city=city, county=county,
                                word=word or (file_tier.name if file_tier else None)))
    if not rows and not problems:
        problems.append(RowProblem(header_line or None, "表头之后没有企业"))
    notes = []
    unused = [str(c) for c, k in zip(header_cells, cols) if k is None and c]
    if unused:
        notes.append(f"未使用的列：{'、'.join(unused)}")
    return TierList(path=str(p), title=title, rows=tuple(rows), problems=tuple(problems),
                    warnings=tuple(warnings), notes=tuple(notes))


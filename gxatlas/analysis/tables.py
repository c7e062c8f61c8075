"""Reading and validating long region × industry tables (地区—产业长表).

A table is CSV (UTF-8 or GB18030) or XLSX with one row per region, industry (and year):

    地区/region, 产业/行业/industry, 数值/产值/value, [年份/year], [单位/unit]

`read_table(path)` checks every row and returns the good rows plus one :class:`RowProblem`
per bad row (line numbers as a spreadsheet shows them: the header is line 1):

- unknown region (names are resolved through ``gxatlas.data.load_regions()``: full name,
  short name or alias → the full name, e.g. 南宁 → 南宁市);
- missing, non-numeric or negative value; bad year;
- unknown unit: money is converted to 万元 (元, 千元, 万元, 亿元), counts to 人 (人, 万人);
  other units (e.g. 万美元) are rejected, as is a unit of another kind than the table's;
- duplicate region × industry (× year), after names are resolved.

Industry names are resolved to the canonical taxonomy (``load_industries()``) where possible;
names it does not know are kept as written and listed in ``TableImport.unknown_industries``.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gxatlas.errors import InputError, RowProblem
from gxatlas.names import canonical_name

HEADERS: dict[str, tuple[str, ...]] = {
    "region": ("region", "地区", "区域", "城市", "地市"),
    "industry": ("industry", "产业", "行业", "产业名称", "行业名称"),
    "value": ("value", "数值", "产值", "值", "金额"),
    "year": ("year", "年份", "年度", "年"),
    "unit": ("unit", "单位"),
}
# unit -> (kind, factor to the kind's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "元": ("金额", 1e-4), "千元": ("金额", 1e-1), "万元": ("金额", 1.0), "亿元": ("金额", 1e4),
    "人": ("人数", 1.0), "万人": ("人数", 1e4),
}
BASE_UNIT = {"金额": "万元", "人数": "人"}

Resolver = Callable[[str], str | None]




@dataclass(frozen=True)
class TableImport:
    """Good rows (region, industry, value[, year], unit) and the problems of the bad ones."""

    source: str
    rows: pd.DataFrame
    problems: tuple[RowProblem, ...] = ()
    unknown_industries: tuple[str, ...] = ()
    unit: str | None = None
    total_rows: int = 0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "total_rows": self.total_rows,
            "good_rows": len(self.rows),
            "unit": self.unit,
            "problems": [{"line": p.line, "problem": p.problem} for p in self.problems],
            "unknown_industries": list(self.unknown_industries),
            "notes": list(self.notes),
        }


def region_resolver() -> Resolver:
    """Region name → canonical full name through the bundled regions, else a country by its
    ISO 3166-1 code or English or Chinese name (``CHN``, ``VNM``, ``Viet Nam`` → 越南);
    None when unknown."""
    from gxatlas.data import load_regions
    from gxatlas.data.countries import find_country

    regions = load_regions()

    def resolve(name: str) -> str | None:
        rec = regions.find(name)
        if rec is not None:
            return rec.name
        country = find_country(name)
        if country is None:
            return None
        known = regions.by_code.get(country.alpha2)
        return known.name if known is not None else country.name_zh

    return resolve


def lenient_region_resolver() -> Resolver:
    """For measures that need no link to the KB (complexity over countries × products, or
    any codes): a known region or country gets its canonical name, any other name is kept
    as written (NFKC, trimmed) instead of being refused."""
    known = region_resolver()

    def resolve(name: str) -> str | None:
        return known(name) or unicodedata.normalize("NFKC", name).strip() or None

    return resolve


def problem_lines(problems: tuple[RowProblem, ...] | list[RowProblem], *,
                  limit: int = 3) -> list[str]:
    """Problems for people: one line each (``第 3 行：未知地区：火星市``), except that a kind of
    problem met on more than ``limit`` rows (未知地区 on 168 rows) is one summary line with a
    few examples."""
    kinds: dict[str, list[RowProblem]] = {}
    for p in problems:
        kinds.setdefault(p.problem.split("：", 1)[0], []).append(p)
    out = []
    for kind, items in kinds.items():
        if len(items) <= limit:
            out.extend(str(p) for p in items)
            continue
        examples = "、".join(dict.fromkeys(p.problem.split("：", 1)[-1] for p in items[:5]))
        out.append(f"{len(items)} 行{kind}（如 {examples}；自第 {items[0].line} 行起）")
    return out


def industry_resolver() -> Resolver:
    """Industry name or synonym → canonical taxonomy name (None when unknown)."""
    from gxatlas.data import load_industries

    industries = load_industries()

    def resolve(name: str) -> str | None:
        rec = industries.find(name)
        return rec.name if rec else None

    return resolve


def _header_map(columns: list[str], *, source: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for col in columns:
        key = unicodedata.normalize("NFKC", str(col)).strip().lower()
        for field_name, names in HEADERS.items():
            if key in names and field_name not in found:
                found[field_name] = col
    missing = [f for f in ("region", "industry", "value") if f not in found]
    if missing:
        wanted = "；".join("/".join(HEADERS[f][1:3] + HEADERS[f][:1]) for f in missing)
        raise InputError(source, f"缺少列：{wanted}", line=1)
    return found


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def validate_table(
    frame: pd.DataFrame,
    *,
    source: str,
    regions: Resolver | None = None,
    industries: Resolver | None = None,
    first_line: int = 2,
) -> TableImport:
    """Check a raw table row by row (see the module docstring); ``frame`` holds text cells.

    ``regions``/``industries`` resolve names (default: the bundled data); ``first_line`` is the
    line number of the first data row.
    """
    cols = _header_map(list(frame.columns), source=source)
    resolve_region = regions or region_resolver()
    resolve_industry = industries or industry_resolver()
    problems: list[RowProblem] = []
    good: list[dict[str, object]] = []
    seen: dict[tuple[str, str, object], int] = {}
    unknown_inds: dict[str, None] = {}
    table_kind: str | None = None

    for offset, row in enumerate(frame.itertuples(index=False, name=None)):
        line = first_line + offset
        cell = dict(zip(frame.columns, row))
        raw_region = _text(cell[cols["region"]])
        raw_industry = _text(cell[cols["industry"]])
        raw_value = _text(cell[cols["value"]])
        if not (raw_region or raw_industry or raw_value):
            continue
        if not raw_region:
            problems.append(RowProblem(line, "地区为空"))
            continue
        region = resolve_region(raw_region)
        if region is None:
            problems.append(RowProblem(line, f"未知地区：{raw_region}"))
            continue
        if not raw_industry:
            problems.append(RowProblem(line, "产业为空"))
            continue
        industry = resolve_industry(raw_industry)
        if industry is None:
            industry = canonical_name(raw_industry)
            unknown_inds[industry] = None
        value = _number(raw_value)
        if value is None:
            problems.append(RowProblem(line, f"数值不是数字：{raw_value or '（空）'}"))
            continue
        if value < 0:
            problems.append(RowProblem(line, f"数值为负：{raw_value}"))
            continue
        year: int | None = None
        if "year" in cols:
            raw_year = _text(cell[cols["year"]]).removesuffix("年")
            number = _number(raw_year) if raw_year else None
            if raw_year and (number is None or number != int(number) or not 1900 <= number <= 2100):
                problems.append(RowProblem(line, f"年份无效：{raw_year}"))
                continue
            year = int(number) if number is not None else None
        unit_text = _text(cell[cols["unit"]]) if "unit" in cols else ""
        if unit_text:
            if unit_text not in UNITS:
                known = "、".join(UNITS)
                problems.append(RowProblem(line, f"不支持的单位：{unit_text}（可用：{known}）"))
                continue
            kind, factor = UNITS[unit_text]
            if table_kind is None:
                table_kind = kind
            elif kind != table_kind:
                problems.append(RowProblem(
                    line, f"单位 {unit_text} 与本表其他行（{BASE_UNIT[table_kind]}）不是同一种量"))
                continue
            value *= factor
        key = (region, industry, year)
        if key in seen:
            where = f"{region}，{industry}" + (f"，{year} 年" if year is not None else "")
            problems.append(RowProblem(line, f"与第 {seen[key]} 行重复：{where}"))
            continue
        seen[key] = line
        good.append({"region": region, "industry": industry, "value": value, "year": year,
                     "line": line})

    rows = pd.DataFrame(good, columns=["region", "industry", "value", "year", "line"])
    if "year" not in cols or rows["year"].isna().all():
        rows = rows.drop(columns=["year"])
    else:
        rows["year"] = rows["year"].astype("Int64")
    notes: list[str] = []
    unit = BASE_UNIT[table_kind] if table_kind else None
    if unit:
        notes.append(f"数值已统一为 {unit}")
    if unknown_inds:
        notes.append(f"{len(unknown_inds)} 个产业名不在规范产业表中，按原名保留")
    return TableImport(source=source, rows=rows.reset_index(drop=True), problems=tuple(problems),
                       unknown_industries=tuple(unknown_inds), unit=unit,
                       total_rows=len(frame), notes=tuple(notes))


def _read_csv(path: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding,
                               skip_blank_lines=False)
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserError as err:
            raise InputError(str(path), f"CSV 格式错误：{str(err).splitlines()[0]}") from err
        except pd.errors.EmptyDataError as err:
            raise InputError(str(path), "文件为空") from err
    raise InputError(str(path), "无法识别文件编码（需要 UTF-8 或 GB18030）")


def read_table(
    path: str | Path,
    *,
    regions: Resolver | None = None,
    industries: Resolver | None = None,
) -> TableImport:
    """Read and validate a CSV/XLSX long table (first sheet of a workbook). ``regions``
    resolves region names (default: the bundled regions and countries, unknown names refused;
    ``lenient_region_resolver()`` keeps unknown names as written)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "文件不存在")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame = _read_csv(p)
    elif suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(p, dtype=object, sheet_name=0, engine="openpyxl")
        except (ValueError, OSError, KeyError, zipfile.BadZipFile) as err:
            raise InputError(str(p), f"无法读取 Excel 文件：{err}") from err
    else:
        raise InputError(str(p), f"不支持的文件类型：{p.suffix or '（无扩展名）'}（可用 .csv、.xlsx）")
    return validate_table(frame, source=str(p), regions=regions, industries=industries)

"""Import of actual values (CSV or Excel) for target monitoring.

Two layouts are read:

* **long**: one observation a row, columns ``indicator, region, year, value, unit`` (or
  ``指标, 地区, 年份, 数值, 单位``; ``region`` and ``unit`` may be absent);
* **wide**: ``indicator, region, unit`` and one column per year (``2016``, ``2017年`` ...).

Rows are validated one by one and a bad row never stops the import: unknown indicator names
are matched through the names and aliases the caller knows (or reported, with the closest
known name), units are converted where the conversion is exact (元/千元/万元/亿元/万亿元, 万人/人
...), a change in 个百分点 is never taken for a level in %, and years missing inside a series
are reported. The result holds the good rows and one ``RowProblem`` per problem.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gxatlas.errors import InputError, RowProblem
from gxatlas.names import name_key
from gxatlas.units import PERCENT, convert, normalize_unit

COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "指标", "指标名称", "指标名"),
    "region": ("region", "地区", "区域", "行政区", "地区名称"),
    "year": ("year", "年份", "年度", "年"),
    "value": ("value", "数值", "值", "实际值", "数据"),
    "unit": ("unit", "单位", "计量单位"),
}

_YEAR = re.compile(r"^((?:19|20)\d\d)(?:\.0+)?\s*年?$")


@dataclass(frozen=True)
class IndicatorSpec:
    """A known indicator: its name, unit and the other names it goes by."""

    name: str
    unit: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actual:
    """One observation, in the unit of its indicator."""

    indicator: str
    region: str
    year: int
    value: float
    unit: str
    source: str  # "file:line"
    line: int
    original_name: str = ""
    original_unit: str = ""




@dataclass(frozen=True)
class ActualsImport:
    """What an import read: the good rows and every problem found."""

    path: str
    layout: str  # "long" or "wide"
    rows: tuple[Actual, ...]
    problems: tuple[RowProblem, ...]


class _Matcher:
    """Finds the known indicator a written name means (exact key or alias key)."""

    def __init__(self, specs: Iterable[IndicatorSpec]) -> None:
        self.by_key: dict[str, IndicatorSpec] = {}
        for spec in specs:
            for n in (spec.name, *spec.aliases):
                self.by_key.setdefault(name_key(n), spec)

    def find(self, name: str) -> IndicatorSpec | None:
        return self.by_key.get(name_key(name))

    def suggest(self, name: str) -> str | None:
        names = {s.name for s in self.by_key.values()}
        close = difflib.get_close_matches(name_key(name), sorted(names), n=1, cutoff=0.5)
        return close[0] if close else None


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return unicodedata.normalize("NFKC", str(v)).strip()


def _read_table(path: Path) -> list[tuple[int, list[str]]]:
    """(line, cells) of the first non-empty sheet or of the CSV, empty rows dropped."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
            raise InputError(str(path), f"无法读取 Excel 文件：{err}") from err
        try:
            for ws in wb.worksheets:
                rows = [(i, [_cell(c) for c in row])
                        for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
                rows = [(i, r) for i, r in rows if any(r)]
                if rows:
                    return rows
        finally:
            wb.close()
        return []
    if suffix not in (".csv", ".txt", ".tsv"):
        raise InputError(str(path), f"不支持的文件类型“{suffix}”：请用 CSV 或 XLSX")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(str(path), "无法识别文件编码（请用 UTF-8 或 GB18030）")
    dialect = "excel-tab" if suffix == ".tsv" or ("\t" in text.split("\n", 1)[0]) else "excel"
    rows = [(i, [_cell(c) for c in r])
            for i, r in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1)]
    return [(i, r) for i, r in rows if any(r)]


def _header(cells: Sequence[str]) -> tuple[dict[str, int], dict[int, int]]:
    """Column index of each known field, and of each year column (wide layout)."""
    fields: dict[str, int] = {}
    years: dict[int, int] = {}
    for idx, cell in enumerate(cells):
        key = cell.strip().lower()
        m = _YEAR.match(key)
        if m:
            years[int(m.group(1))] = idx
            continue
        for field_name, names in COLUMNS.items():
            if key in names and field_name not in fields:
                fields[field_name] = idx
    return fields, years


def _number(text: str) -> float | None:
    """A cell's number: Arabic (``4,000``, ``12.5%``) or Chinese (``三千五百``, ``3.5万``)."""
    t = text.replace(",", "").replace("，", "").strip().rstrip("%")
    try:
        return float(t)
    except ValueError:
        from gxatlas.extract.numbers import parse_number

        return parse_number(t) if t else None


def read_actuals(path: str | Path, *, indicators: Sequence[IndicatorSpec] | None = None,
                 regions: Mapping[str, str] | None = None,
                 years: Sequence[int] | None = None) -> ActualsImport:
    """Read actual values from ``path`` (CSV or XLSX, long or wide layout).

    ``indicators``: the known indicators (names, aliases, units); when given, rows naming
    another indicator are reported and skipped, and values are converted to the known unit.
    ``regions``: written name -> canonical region name; when given, unknown regions are
    reported. ``years``: the years each series should cover (e.g. the plan period); missing
    ones are reported. Raises ``InputError`` only when the file itself cannot be read.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "文件不存在")
    table = _read_table(p)
    if not table:
        raise InputError(str(p), "文件中没有数据")
    head_line, head = table[0]
    fields, year_cols = _header(head)
    if "indicator" not in fields:
        raise InputError(str(p), "缺少“指标”（indicator）列", line=head_line)
    layout = "long" if "year" in fields and "value" in fields else "wide" if year_cols else ""
    if not layout:
        raise InputError(str(p), "缺少“年份”和“数值”列，也没有按年份排列的列", line=head_line)
    matcher = _Matcher(indicators) if indicators is not None else None
    region_keys = {name_key(k): v for k, v in (regions or {}).items()}
    problems: list[RowProblem] = []
    rows: list[Actual] = []
    seen: dict[tuple[str, str, int], int] = {}

    def get(cells: Sequence[str], name: str) -> str:
        i = fields.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def series(*, line: int, name: str, region: str, unit: str
               ) -> tuple[IndicatorSpec, str] | None:
        """The indicator and region of a row, or None (its one problem recorded)."""
        if not name:
            problems.append(RowProblem(line, "指标名称为空"))
            return None
        spec = matcher.find(name) if matcher else IndicatorSpec(name=name, unit=unit)
        if spec is None:
            hint = matcher.suggest(name) if matcher else None
            problems.append(RowProblem(line, f"未知指标“{name}”" + (
                f"（是否为“{hint}”？）" if hint else "") + "，未导入"))
            return None
        if region_keys:
            canon = region_keys.get(name_key(region)) if region else None
            if canon is None:
                problems.append(RowProblem(line, f"未知地区“{region}”，未导入"))
                return None
            region = canon
        return spec, region

    def add(*, line: int, name: str, spec: IndicatorSpec, region: str, year_text: str,
            value_text: str, unit: str) -> None:
        m = _YEAR.match(year_text)
        if not m:
            problems.append(RowProblem(line, f"年份“{year_text}”无效，未导入"))
            return
        year = int(m.group(1))
        value = _number(value_text)
        if value is None:
            problems.append(RowProblem(line, f"数值“{value_text}”不是数字，未导入" if value_text
                                       else f"{year}年数值为空，未导入"))
            return
        if value_text.strip().endswith("%") and not unit:
            unit = PERCENT
        target_unit = spec.unit or unit
        converted, why = convert(value=value, unit=unit, to=target_unit)
        if converted is None:
            problems.append(RowProblem(line, f"指标“{spec.name}”{year}年：{why}，未导入"))
            return
        key = (spec.name, region, year)
        if key in seen:
            problems.append(RowProblem(line, f"指标“{spec.name}”（{region or '未注明地区'}）{year}年"
                                             f"重复，保留第{seen[key]}行的值"))
            return
        seen[key] = line
        rows.append(Actual(indicator=spec.name, region=region, year=year, value=converted,
                           unit=normalize_unit(target_unit), source=f"{p.name}:{line}",
                           line=line, original_name=name, original_unit=normalize_unit(unit)))

    for line, cells in table[1:]:
        name, region, unit = get(cells, "indicator"), get(cells, "region"), get(cells, "unit")
        unit = normalize_unit(unit)
        found = series(line=line, name=name, region=region, unit=unit)
        if found is None:  # one report per row, however many year columns it has
            continue
        spec, region = found
        if layout == "long":
            add(line=line, name=name, spec=spec, region=region, year_text=get(cells, "year"),
                value_text=get(cells, "value"), unit=unit)
            continue
        for year, idx in sorted(year_cols.items()):
            text = cells[idx].strip() if idx < len(cells) else ""
            if text:  # an empty cell is a missing year, reported below
                add(line=line, name=name, spec=spec, region=region, year_text=str(year),
                    value_text=text, unit=unit)
    if years is None and layout == "wide":
        years = sorted(year_cols)  # every series should fill every year column
    problems.extend(missing_years(rows, years=years))
    return ActualsImport(path=str(p), layout=layout, rows=tuple(rows), problems=tuple(problems))


def actuals_digest(rows: Iterable[Actual]) -> str:
    """SHA-256 of the data of an import (indicator, region, year, value, unit; in any order,
    from either layout): two files with the same digest hold the same actuals."""
    import hashlib

    digest = hashlib.sha256()
    for key in sorted((r.indicator, r.region, r.year, repr(r.value), r.unit) for r in rows):
        digest.update(repr(key).encode("utf-8"))
    return digest.hexdigest()


def missing_years(rows: Iterable[Actual], *, years: Sequence[int] | None = None
                  ) -> list[RowProblem]:
    """One problem per series with years missing between its first and last year (or, when
    ``years`` is given, from those years)."""
    series: dict[tuple[str, str], set[int]] = {}
    for r in rows:
        series.setdefault((r.indicator, r.region), set()).add(r.year)
    out = []
    for (name, region), have in sorted(series.items()):
        want = set(years) if years else set(range(min(have), max(have) + 1))
        gap = sorted(want - have)
        if gap:
            out.append(RowProblem(None, f"指标“{name}”（{region or '未注明地区'}）缺少年份："
                                        + "、".join(map(str, gap))))
    return out

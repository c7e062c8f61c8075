"""Enterprise registry import: CSV or XLSX, streamed, validated row by row.

A registry file has one enterprise per row with a header row; headers may be Chinese
(企业名称, 统一社会信用代码, 住所, 所属地区, 注册资本, 成立日期, 经营范围, 营业收入, 标签) or English
(name/company_name, credit_code/uscc, address, region/city, registered_capital, founded,
business_scope/scope, revenue, tags), with the usual synonyms (``HEADER_SYNONYMS``); every
column that is not used gets a warning on the header line. ``iter_registry(path)`` yields a ``RegistryRow`` for every row that can be
imported and a ``RegistryProblem`` (with the file's line number) for every problem found:

* errors skip the row: missing name, bytes that are not text in the file's encoding, broken
  quotes, more fields than the header, a unified social credit code that fails
  GB 32100-2015 (length, characters or check digit);
* warnings keep the row: a repeated code, an unreadable capital, date or revenue, a region
  that cannot be resolved.

The region is resolved from the region column, else from the address (the deepest place
name found, checked against its parents), else from the administrative-division digits of the
credit code. Nothing is held beyond the current row, so files of millions of rows stream.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import itertools
import operator
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Iterator, Sequence

import ahocorasick
from charset_normalizer import from_bytes
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from gxatlas.data import RegionRec, Regions, load_regions
from gxatlas.errors import GxatlasError, InputError
from gxatlas.names import canonical_name

FIELDS = ("name", "credit_code", "region", "address", "registered_capital", "founded", "scope",
          "revenue", "tags")
# Header synonyms, Chinese and English. English headers are compared lower-case with spaces,
# hyphens and dots read as underscores (``Business Scope`` = ``business_scope``).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "企业名称", "名称", "公司名称", "单位名称", "企业名", "企业", "公司", "市场主体名称",
             "company", "company_name", "enterprise", "enterprise_name", "firm", "firm_name",
             "entity_name", "corporate_name", "business_name"),
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码", "社会信用代码", "统一代码",
                    "uscc", "usci", "uscc_code", "unified_social_credit_code",
                    "social_credit_code", "credit_no", "registration_code"),
    "region": ("region", "所属地区", "地区", "所在地区", "行政区划", "所属区域", "城市", "区县",
               "所属城市", "所在城市", "所属区县", "city", "district", "county", "prefecture",
               "province", "area", "location", "administrative_division"),
    "address": ("address", "住所", "地址", "注册地址", "企业地址", "经营场所", "住所/经营场所",
                "经营地址", "通信地址", "registered_address", "business_address",
                "company_address", "addr", "domicile"),
    "registered_capital": ("registered_capital", "注册资本", "注册资金", "注册资本(万元)",
                           "注册资本（万元）", "capital", "reg_capital", "registered_capital_10k"),
    "founded": ("founded", "成立日期", "成立时间", "注册日期", "成立年份", "核准日期",
                "founding_date", "founded_date", "date_founded", "established",
                "establishment_date", "date_established", "incorporation_date",
                "registration_date", "founded_on", "start_date"),
    "scope": ("scope", "经营范围", "主营业务", "业务范围", "主营产品", "经营项目", "business_scope",
              "scope_of_business", "operating_scope", "business_range", "main_business",
              "main_products", "activities", "business_activities", "description"),
    "revenue": ("revenue", "营业收入", "营收", "营业收入（万元）", "营业收入(万元)", "年营业收入",
                "主营业务收入", "operating_revenue", "annual_revenue", "sales", "turnover",
                "income"),
    "tags": ("tags", "标签", "企业标签", "资质", "企业资质", "labels", "label", "qualifications"),
}
HEADER_ALIASES: dict[str, str] = {h: f for f, names in HEADER_SYNONYMS.items() for h in names}
_HEADER_SEPARATORS = re.compile(r"[\s\-.·/]+")
_TAG_SPLIT = re.compile("[;；,，、|/ ]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*$")
_CURRENCIES = ("人民币", "美元", "港元", "港币", "欧元", "日元", "新台币", "英镑", "新加坡元")


@dataclass(frozen=True)
class RegistryRow:
    """One validated enterprise of a registry file."""

    line: int
    name: str
    credit_code: str | None = None
    region: str | None = None  # prefecture-level city (南宁市), or the province/county found
    address: str | None = None
    registered_capital: float | None = None  # 万 (in ``currency``)
    founded: dt.date | None = None
    scope: str = ""
    revenue: float | None = None  # 万元
    tags: tuple[str, ...] = ()
    county: str | None = None  # district/county when the address names one (青秀区)
    region_code: str | None = None  # GB/T 2260 code of the deepest region resolved
    currency: str = "人民币"


@dataclass(frozen=True)
class RegistryProblem:
    """A problem of one line; ``severity`` is "error" (row skipped) or "warning" (row kept)."""

    line: int
    problem: str
    severity: str = "error"
    field: str | None = None

    def message(self, source: str) -> str:
        kind = "跳过" if self.severity == "error" else "警告"
        return f"{source}:{self.line}: {kind}: {self.problem}"


@dataclass(frozen=True)
class RegistrySummary:
    rows: int
    errors: int
    warnings: int
    regions: dict[str, int]


# --- single-field checks ---------------------------------------------------------------------

# the form of a valid code as python-stdnum checks it (8 digits, then 10 characters of the
# code's alphabet, which has no I, O, S, V or Z); a code of this form needs only the check digit
_USCC_FORM = re.compile("[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}")


# python-stdnum's alphabet and weights of the check digit (``uscc.calc_check_digit``)
_USCC_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHJKLMNPQRTUWXY")}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_check_digit(code: str) -> str:
    """``uscc.calc_check_digit`` of a code of ``_USCC_FORM``, without its per-call setup."""
    total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, code[:17]), _USCC_WEIGHTS))
    return "0123456789ABCDEFGHJKLMNPQRTUWXY"[(31 - total) % 31]


def check_credit_code(code: str) -> str | None:
    """The problem of a unified social credit code (GB 32100-2015), or None when valid."""
    if _USCC_FORM.fullmatch(code) and _uscc_check_digit(code) == code[-1]:
        return None  # the common case, at a fifth of ``uscc.validate``'s cost
    try:
        uscc.validate(code)
    except InvalidLength:
        return f"统一社会信用代码 {code} 应为 18 位（实为 {len(uscc.compact(code))} 位）"
    except InvalidChecksum:
        return (f"统一社会信用代码 {code} 校验位错误"
                f"（按 GB 32100-2015 应为 {uscc.calc_check_digit(uscc.compact(code))}）")
    except ValidationError:
        return f"统一社会信用代码 {code} 含不允许的字符（不用 I、O、Z、S、V）"
    return None


def parse_capital(value: Any) -> tuple[float, str] | None:
    """``(amount in 万, currency)`` of a registered capital such as 5000万元人民币, 1.2亿元, 300万美元
    or a bare number (taken as 万元); None when it cannot be read."""
    if isinstance(value, str):
        return _parse_capital_text(value)  # a registry repeats a few hundred spellings
    return _parse_capital(value)


@functools.lru_cache(maxsize=4096)
def _parse_capital_text(value: str) -> tuple[float, str] | None:
    return _parse_capital(value)


def _parse_capital(value: Any) -> tuple[float, str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), "人民币"
    text = canonical_name(str(value)).replace(",", "")
    m = _NUMBER.search(text)
    if not m:
        return None
    amount = float(m.group())
    rest = text[m.end():]
    if rest.startswith("亿"):
        amount *= 10000
    elif not rest.startswith("万"):
        if rest.startswith("元") or (not rest and amount >= 1e6):
            amount /= 10000  # given in yuan
    currency = next((c for c in _CURRENCIES if c in text), "人民币")
    return amount, {"港币": "港元"}.get(currency, currency)


def parse_date(value: Any) -> dt.date | None:
    """A date written 2019-03-01, 2019/3/1, 2019年3月1日 or a bare year (1 January)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or value == "":
        return None
    text = str(value)
    try:
        if m := _DATE.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _YEAR.match(text):
            return dt.date(int(m.group(1)), 1, 1)
    except ValueError:
        return None
    return None


def parse_amount(value: Any) -> float | None:
    """A revenue in 万元 (``亿`` converted); None when it cannot be read."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if value is None or str(value).strip() == "":
        return None
    text = canonical_name(str(value)).replace(",", "")
    m = _NUMBER.search(text)
    if not m:
        return None
    return float(m.group()) * (10000 if text[m.end():].startswith("亿") else 1)


# --- regions ---------------------------------------------------------------------------------

_LEVEL_DEPTH = {"province": 1, "prefecture": 2, "city": 2, "county": 3}
_CHOSEN_MAX = 100_000  # choices a resolver remembers


class RegionResolver:
    """Finds the region of a Chinese address with one Aho–Corasick pass over place names."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        self._auto = ahocorasick.Automaton()
        names: dict[str, list[tuple[RegionRec, bool]]] = {}
        for rec in regions.records:
            if rec.country != "CN" or rec.level not in _LEVEL_DEPTH:
                continue
            for n in {rec.name, *rec.aliases}:
                names.setdefault(n, []).append((rec, True))
            # short names only for provinces and prefectures (南宁, 柳州): county short names
            # (江南, 青秀) are too often ordinary words of a street address
            if rec.level in ("province", "prefecture") and len(rec.short_name) >= 2:
                names.setdefault(rec.short_name, []).append((rec, False))
        for n, recs in names.items():
            self._auto.add_word(n, (n, tuple(recs)))
        if names:
            self._auto.make_automaton()
        self._empty = not names
        self._names = {n: tuple(recs) for n, recs in names.items()}
        self._chosen: dict[tuple[tuple[int, str], ...], RegionRec | None] = {}

    def _ancestors(self, rec: RegionRec) -> set[str]:
        out, cur = set(), rec
        while cur.parent and cur.parent in self.regions.by_code:
            cur = self.regions.by_code[cur.parent]
            out.add(cur.code)
        return out

    def find(self, text: str | None) -> RegionRec | None:
        """The deepest region named in ``text`` whose named parents agree with it."""
        if not text or self._empty:
            return None
        # the choice depends only on the names found and where: addresses repeat a few
        # thousand such sequences (province, city, county) across a registry
        matches = tuple([(end, word) for end, (word, _) in self._auto.iter(text)])
        if matches not in self._chosen:
            if len(self._chosen) >= _CHOSEN_MAX:
                self._chosen.clear()
            self._chosen[matches] = self._choose(matches)
        return self._chosen[matches]

    def _choose(self, matches: tuple[tuple[int, str], ...]) -> RegionRec | None:
        found: dict[str, tuple[RegionRec, bool, int]] = {}
        for end, word in matches:
            for rec, full in self._names[word]:
                prev = found.get(rec.code)
                if prev is None or (full and not prev[1]):
                    found[rec.code] = (rec, full, end - len(word) + 1)
        if not found:
            return None

        def rank(item: tuple[RegionRec, bool, int]) -> tuple[int, int, int, int]:
            rec, full, pos = item
            anc = self._ancestors(rec)
            agree = sum(1 for c in found if c in anc)
            clash = any(other.level == "prefecture" and other.code not in anc
                        and rec.level == "county" for other, _, _ in found.values())
            return (0 if clash else 1, agree + _LEVEL_DEPTH[rec.level], int(full), -pos)

        return max(found.values(), key=rank)[0]

    def from_code(self, credit_code: str | None) -> RegionRec | None:
        """The region of the division digits (3–8) of a credit code, or of its prefecture."""
        if not credit_code or len(credit_code) != 18 or not credit_code[2:8].isdigit():
            return None
        code = credit_code[2:8]
        for candidate in (code, code[:4] + "00", code[:2] + "0000"):
            rec = self.regions.by_code.get(candidate)
            if rec is not None:
                return rec
        return None

    def prefecture(self, rec: RegionRec) -> RegionRec:
        return self.regions.prefecture_of(rec)


@functools.lru_cache(maxsize=2)
def region_resolver(regions: Regions | None = None) -> RegionResolver:
    return RegionResolver(regions or load_regions())


# --- reading rows ----------------------------------------------------------------------------

def _detect_encoding(sample: bytes) -> str:
    """UTF-8 when the sample is UTF-8 but for a few bad bytes (those lines are reported),
    else what charset-normalizer finds (GBK family read as GB 18030)."""
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode(sample, final=False)
    if text.count("\ufffd") <= max(8, len(text) // 200):
        return "utf-8-sig"
    best = from_bytes(sample).best()
    enc = (best.encoding if best else "gb18030").lower()
    return "gb18030" if enc in ("gb2312", "gbk", "gb18030", "cp936", "hz") else enc


@dataclass(frozen=True)
class Chunk:
    """A part of a CSV registry that starts at a record boundary (for parallel reading, e.g.
    on Spark): bytes [start, end) of the file, the file line number of its first line, the
    file's header cells and encoding. ``index`` 0 is the part after the header."""

    path: str
    index: int
    start: int
    end: int | None
    first_line: int
    header: tuple[str, ...]
    encoding: str


def _text_lines(fh: IO[bytes], encoding: str, *, first_line: int = 1,
                end: int | None = None) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, decoded cleanly) of each physical line (up to byte ``end``)."""
    pos = fh.tell()
    for lineno, raw in enumerate(fh, start=first_line):
        if end is not None and pos >= end:
            return
        pos += len(raw)
        if lineno == 1 and encoding == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            yield lineno, raw.decode(encoding), True
        except UnicodeDecodeError:
            yield lineno, raw.decode(encoding, errors="replace"), False


_QUIET_LINES = 21  # lines with balanced quotes after which the reader holds no open record


def _open_bytes(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as err:
        raise InputError(path, f"无法打开: {err.strerror}") from err


def _sniff_encoding(fh: BinaryIO) -> str:
    """The encoding of an open file, read from its start; the file is left at its start."""
    encoding = _detect_encoding(fh.read(65536))
    fh.seek(0)
    return encoding


def registry_chunks(path: str | Path, *, parts: int) -> list[Chunk]:
    """Split a CSV registry into about ``parts`` chunks of similar size, each starting where
    ``iter_registry`` starts a record whatever came before: after more than 20 lines whose
    quotes balance (an open quote is closed by then, see ``_csv_records``). Reading the chunks
    in order gives exactly the records of reading the whole file."""
    p = Path(path)
    with _open_bytes(p) as fh:
        encoding = _sniff_encoding(fh)
        size = p.stat().st_size
        first = fh.readline()
        try:
            head = first.decode(encoding).lstrip("\ufeff").rstrip("\r\n")
        except UnicodeDecodeError as err:
            raise InputError(p, "表头无法按文件编码读取", line=1) from err
        header = _fields(head)
        if header is None or first.count(b'"') % 2:
            raise InputError(p, "表头无法读取（引号格式错误）", line=1)
        starts = [(fh.tell(), 2)]
        step = max(1, size // max(1, parts))
        quiet, pos, line = 0, fh.tell(), 2
        for raw in fh:
            if quiet >= _QUIET_LINES and pos - starts[-1][0] >= step:
                starts.append((pos, line))
            quiet = quiet + 1 if raw.count(b'"') % 2 == 0 else 0
            pos += len(raw)
            line += 1
    ends = [s for s, _ in starts[1:]] + [None]
    return [Chunk(path=str(p), index=i, start=s, end=e, first_line=n, header=tuple(header),
                  encoding=encoding) for i, ((s, n), e) in enumerate(zip(starts, ends))]


def _fields(text: str) -> list[str] | None:
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error:
        return None


def _line_blocks(fh: IO[bytes], *, first_line: int, end: int | None
                 ) -> Iterator[tuple[int, bytes]]:
    """(number of the first line, bytes) of about 1 MiB of whole lines at a time, up to byte
    ``end``."""
    lineno = first_line
    pos = fh.tell()
    while end is None or pos < end:
        data = fh.read(_BLOCK if end is None else min(_BLOCK, end - pos))
        if not data:
            return
        if not data.endswith(b"\n") and (end is None or pos + len(data) < end):
            data += fh.readline()  # the rest of the last line (chunk ends are line starts)
        pos += len(data)
        yield lineno, data
        lineno += data.count(b"\n")


_BLOCK = 1 << 20
# encodings in which b"\n" is only ever a line end, so that a block decodes as its lines do
_BLOCK_ENCODINGS = {"utf-8-sig": "utf-8", "gb18030": "gb18030"}


def _block_records(data: bytes, encoding: str, first_line: int
                   ) -> list[tuple[int, list[str] | None, str | None]] | None:
    """The records of a block of whole lines read in bulk by the csv module, when every line
    is a record of its own (its quotes balance, it parses alone); else None, and the block is
    read line by line. The records are the ones the line-by-line reader gives."""
    codec = _BLOCK_ENCODINGS.get(encoding)
    if codec is None:
        return None
    if first_line == 1 and encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    if "\ufeff" in text and encoding == "utf-8-sig":
        return None  # utf-8-sig drops a BOM that starts a line
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if '"' in text and any(line.count('"') % 2 for line in lines):
        return None
    reader = csv.reader(lines, strict=True)
    try:
        rows = list(reader)
    except csv.Error:
        return None
    if len(rows) != len(lines) or reader.line_num != len(lines):
        return None  # a record spans lines
    numbers = range(first_line, first_line + len(lines))
    if rows and min(map(len, rows)) > 1:  # no line is blank (a blank line has one field)
        return list(zip(numbers, rows, itertools.repeat(None)))
    return [(n, row, None) for n, row, line in zip(numbers, rows, lines) if line.strip()]


def _csv_records(path: Path, *, width: int | None = None, max_lines: int = 20,
                 chunk: Chunk | None = None
                 ) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line, fields or None, problem) of each record of a CSV file.

    Records may span lines inside quotes. A quote left open is a broken record when the next
    line reads as a complete record on its own (or after ``max_lines`` lines); the broken
    record is reported and reading resumes at that next line. Blocks of lines that are each a
    record of their own are read in bulk (``_block_records``), the others line by line.
    """
    with _open_bytes(path) as fh:
        if chunk is None:
            encoding = _sniff_encoding(fh)
            first_line, end = 1, None
        else:
            encoding, first_line, end = chunk.encoding, chunk.first_line, chunk.end
            fh.seek(chunk.start)
        buf: list[str] = []
        start, clean = 0, True
        for block_line, data in _line_blocks(fh, first_line=first_line, end=end):
            if not buf:
                records = _block_records(data, encoding, block_line)
                if records is not None:
                    if width is None and records:
                        width = len(records[0][1])
                    yield from records
                    continue
            for lineno, text, ok in _text_lines(io.BytesIO(data), encoding,
                                                first_line=block_line):
                if buf:
                    alone = text.rstrip("\r\n")
                    fresh = _fields(alone) if alone.count('"') % 2 == 0 else None
                    if (fresh is not None and width is not None and len(fresh) == width) \
                            or len(buf) >= max_lines:
                        yield start, None, "引号不配对（该行字段未闭合）"
                        buf = []
                if not buf:
                    start, clean = lineno, True
                buf.append(text)
                clean = clean and ok
                joined = "".join(buf)
                if joined.count('"') % 2:
                    continue
                buf = []
                if not clean:
                    yield start, None, f"含无法按 {encoding} 解码的字节（编码错误）"
                    continue
                body = joined.rstrip("\r\n")
                if not body.strip():
                    continue
                fields = _fields(body)
                if fields is None:
                    yield start, None, "引号格式错误"
                else:
                    yield start, fields, None
                    if width is None:
                        width = len(fields)
        if buf:
            yield start, None, "引号不配对（到文件末尾仍未闭合）"


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[Any] | None, str | None]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise InputError(path, f"不是可读的 XLSX 文件: {err}") from err
    try:
        ws = wb.worksheets[0]
        for lineno, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield lineno, list(values), None
    finally:
        wb.close()


def header_field(cell: Any) -> str | None:
    """The registry field a header cell names (Chinese or English synonym), or None."""
    raw = unicodedata.normalize("NFKC", str(cell or "")).strip().lower()
    key = canonical_name(raw).lower()
    return (HEADER_ALIASES.get(key) or HEADER_ALIASES.get(key.replace(" ", ""))
            or HEADER_ALIASES.get(_HEADER_SEPARATORS.sub("_", raw).strip("_")))


def _header(path: Path, line: int, cells: Sequence[Any], *, need_scope: bool = False
            ) -> tuple[list[str | None], list[RegistryProblem]]:
    """The field of each column, and one warning for every column that is not used (not a
    known header, or a second column for a field already given)."""
    cols: list[str | None] = []
    unused: list[RegistryProblem] = []
    for i, c in enumerate(cells, start=1):
        field = header_field(c)
        label = str(c).strip() if c is not None and str(c).strip() else f"第 {i} 列（无表头）"
        if field is not None and field in cols:
            unused.append(RegistryProblem(line, f"列“{label}”与前面的列同为 {field}，未使用",
                                          "warning", "header"))
            field = None
        elif field is None and (c is not None and str(c).strip()):
            unused.append(RegistryProblem(line, f"列“{label}”不是已知的表头，未使用", "warning",
                                          "header"))
        cols.append(field)
    if "name" not in cols:
        raise InputError(path, "表头中没有企业名称列（企业名称/名称/name/company_name）", line=line)
    if need_scope and "scope" not in cols:
        raise InputError(path, "表头中没有经营范围列（经营范围/主营业务/business_scope/scope），"
                               "只凭名称无法可靠分类", line=line)
    return cols, unused


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def registry_digest(path: str | Path) -> str:
    """SHA-256 of a registry's content, whatever its file name or encoding: the decoded text
    of a CSV (BOM dropped, line ends as ``\\n``), or the cell values of an XLSX sheet. Two files
    with the same digest hold the same registry."""
    import hashlib

    p = Path(path)
    digest = hashlib.sha256()
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        for _, cells, _ in _xlsx_records(p):
            digest.update(repr([_cell(c) for c in cells or ()]).encode("utf-8"))
        return digest.hexdigest()
    with _open_bytes(p) as fh:
        encoding = _sniff_encoding(fh)
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        carry = ""
        while chunk := fh.read(1 << 20):
            text = carry + decoder.decode(chunk)
            carry = "\r" if text.endswith("\r") else ""  # its \n may come in the next chunk
            text = text[:-1] if carry else text
            digest.update(text.replace("\r\n", "\n").encode("utf-8"))
        text = carry + decoder.decode(b"", final=True)
        digest.update(text.replace("\r\n", "\n").encode("utf-8"))
    return digest.hexdigest()


def registry_records(path: str | Path, *, need_scope: bool = False,
                     chunk: Chunk | None = None, fields: Sequence[str] | None = None
                     ) -> Iterator[tuple[int, Any] | RegistryProblem]:
    """The records of a registry file (or of one ``chunk`` of a CSV) as ``(line, {field:
    cell})`` in file order, with a ``RegistryProblem`` for each unreadable row and each unused
    column of the header (reported with the first chunk only). ``need_scope``: a file
    without a scope column is an error (classification). With ``fields``, a record is
    ``(line, [cell of each of these fields])`` instead (None where the file has none)."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, "文件不存在")
    is_xlsx = p.suffix.lower() in (".xlsx", ".xlsm")
    if chunk is not None and is_xlsx:
        raise InputError(p, "XLSX 文件不能分块读取")
    records = _xlsx_records(p) if is_xlsx else _csv_records(
        p, chunk=chunk, width=len(chunk.header) if chunk else None)
    cols: list[str | None] | None = None
    at: list[int | None] = []  # with ``fields``: the column of each

    def header(line: int, cells: Sequence[Any]) -> list[RegistryProblem]:
        nonlocal cols, at
        cols, unused = _header(p, line, cells, need_scope=need_scope)
        at = [cols.index(f) if f in cols else None for f in fields or ()]
        return unused

    if chunk is not None:
        unused = header(1, chunk.header)
        if chunk.index == 0:
            yield from unused
    for line, cells, problem in records:
        if cols is None:
            if cells is None:
                raise InputError(p, f"表头无法读取: {problem}", line=line)
            yield from header(line, cells)
            continue
        if cells is None:
            yield RegistryProblem(line, problem or "无法读取")
            continue
        if len(cells) > len(cols) and any(_cell(c) is not None for c in cells[len(cols):]):
            yield RegistryProblem(line, f"字段数 {len(cells)} 多于表头的 {len(cols)} 列"
                                        "（可能是经营范围中有未加引号的逗号）")
            continue
        if fields is not None:
            yield line, [_cell(cells[i]) if i is not None and i < len(cells) else None
                         for i in at]
            continue
        rec: dict[str, Any] = {}
        for key, value in zip(cols, cells):
            if key is not None and key not in rec:
                rec[key] = _cell(value)
        yield line, rec


def _named(line: int, name: Any, scope: Any) -> tuple[int, str, str] | RegistryProblem:
    """(line, name, scope) of a record's name and scope cells, or its missing-name error."""
    name = str(name or "").strip()
    if name:
        return line, name, str(scope or "")
    return RegistryProblem(line, "缺少企业名称", field="name")


def name_row(line: int, rec: dict[str, Any]) -> RegistryRow | RegistryProblem:
    """Name and scope of a record, for classification (no field checks)."""
    named = _named(line, rec.get("name"), rec.get("scope"))
    if isinstance(named, RegistryProblem):
        return named
    return RegistryRow(line=line, name=named[1], scope=named[2])


def registry_names(path: str | Path, *, chunk: Chunk | None = None
                   ) -> Iterator[tuple[int, str, str] | RegistryProblem]:
    """``(line, name, scope)`` of each named record of a registry file (or ``chunk``) and the
    problems, in file order: ``iter_registry(path, names_only=True)`` without building its
    rows (the classifier's reader)."""
    for item in registry_records(path, need_scope=True, chunk=chunk, fields=("name", "scope")):
        yield item if isinstance(item, RegistryProblem) else _named(item[0], *item[1])


def iter_registry(path: str | Path, *, resolve_regions: bool = True, regions: Regions | None = None,
                  names_only: bool = False, chunk: Chunk | None = None
                  ) -> Iterator[RegistryRow | RegistryProblem]:
    """Validated rows and problems of a registry file (CSV or XLSX; or one ``chunk`` of a
    CSV), in file order.

    ``names_only`` reads just name and scope (for classification): the unreadable-row errors
    are still reported, the field checks and region resolution are skipped, and a file
    without a scope column is an error.
    """
    if names_only:
        for named in registry_names(path, chunk=chunk):
            yield named if isinstance(named, RegistryProblem) else RegistryRow(
                line=named[0], name=named[1], scope=named[2])
        return
    resolver = region_resolver(regions) if resolve_regions else None
    seen_codes: dict[str, int] = {}
    for item in registry_records(path, chunk=chunk):
        if isinstance(item, RegistryProblem):
            yield item
        else:
            yield from validate_record(*item, resolver=resolver, seen_codes=seen_codes)


def iter_registry_in_child(path: str | Path, *, prepare: Callable[[RegistryRow], Any] | None
                           = None) -> Iterator[Any]:
    """``iter_registry(path)`` computed by a child process while the caller stores the rows
    already given: the same items in the same order (one reader of the whole file, so
    repeated credit codes are found as in one process), passed back in lists of
    ``_HANDOFF`` items (a full pipe holds the child back, so memory stays bounded).
    With ``prepare``, each row is given as ``prepare(row)``, computed by the child too.
    An ``InputError`` of the child is raised here. For `enterprises import`: the checks run
    on the second core beside the KB writes."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")  # no re-import; the child touches no KB
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_validate_into, args=(send, str(path), prepare), daemon=True)
    child.start()
    send.close()
    try:
        while True:
            try:
                msg = recv.recv()
            except EOFError:
                raise RuntimeError(f"the process checking {path} ended without its result "
                                   "(its traceback is above)") from None
            if msg is None:
                break
            if isinstance(msg, BaseException):
                raise msg
            yield from msg
    finally:
        recv.close()
        if child.is_alive():
            child.terminate()
        child.join()


_HANDOFF = 2000
#: lists of ``_HANDOFF`` items the child may have ready beyond what the pipe holds: it checks
#: ahead while the parent resolves and writes (bounded memory: ~10 MB a list)
_AHEAD = 8
#: the checking child's niceness: it only has to keep ahead of the parent, so when the
#: cores are contended the parent and the database it writes to go first
_CHILD_NICE = 10


def _validate_into(conn: Any, path: str, prepare: Callable[[RegistryRow], Any] | None) -> None:
    """The child's work: the items of ``iter_registry(path)`` (``prepare``d) in lists, then
    None (or the error); a sender thread writes them to the pipe while the rows after them
    are checked, up to ``_AHEAD`` lists ahead of what the parent has read."""
    import os
    import queue
    import threading
    from multiprocessing.reduction import ForkingPickler

    from gxatlas.gcpause import fewer_collections

    os.nice(_CHILD_NICE)
    ready: queue.Queue[Any] = queue.Queue(maxsize=_AHEAD)
    gone = threading.Event()  # the parent stopped reading (an error of its own)

    def send() -> None:  # pickled by the checking thread: this one holds no GIL to write
        while (msg := ready.get()) is not _END:
            if not gone.is_set():
                try:
                    conn.send_bytes(msg)
                except BrokenPipeError:
                    gone.set()  # nothing to report: the rest is dropped
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        buf: list[Any] = []
        with fewer_collections():
            for item in iter_registry(path):
                buf.append(prepare(item) if prepare is not None
                           and isinstance(item, RegistryRow) else item)
                if len(buf) >= _HANDOFF:
                    if gone.is_set():
                        return
                    ready.put(ForkingPickler.dumps(buf))
                    buf = []
        ready.put(ForkingPickler.dumps(buf))
        ready.put(ForkingPickler.dumps(None))
    except (GxatlasError, OSError) as err:  # reported by the parent as its own
        ready.put(ForkingPickler.dumps(err))
    finally:
        ready.put(_END)
        sender.join()
        conn.close()


_END = object()  # the sender's stop: after the last message


def validate_record(line: int, rec: dict[str, Any], *, resolver: RegionResolver | None,
                    seen_codes: dict[str, int]) -> Iterator[RegistryRow | RegistryProblem]:
    """The checks of one record: its warnings, then the row; or its one error."""
    name = canonical_name(str(rec.get("name") or ""))
    if not name:
        yield RegistryProblem(line, "缺少企业名称", field="name")
        return
    warn: list[RegistryProblem] = []
    code = str(rec["credit_code"]).strip().upper() if rec.get("credit_code") else None
    if code:
        problem = check_credit_code(code)
        if problem:
            # a wrong code is a wrong record: the row is refused, not stored without its code
            yield RegistryProblem(line, f"{name}: {problem}", "error", "credit_code")
            return
        if code in seen_codes:
            warn.append(RegistryProblem(
                line, f"{name}: 统一社会信用代码 {code} 与第 {seen_codes[code]} 行重复",
                "warning", "credit_code"))
        else:
            seen_codes[code] = line
    capital = parse_capital(rec.get("registered_capital"))
    if rec.get("registered_capital") is not None and capital is None:
        warn.append(RegistryProblem(line, f"{name}: 注册资本 {rec['registered_capital']!r} 无法识别",
                                    "warning", "registered_capital"))
    founded = parse_date(rec.get("founded"))
    if rec.get("founded") is not None and founded is None:
        warn.append(RegistryProblem(line, f"{name}: 成立日期 {rec['founded']!r} 无法识别",
                                    "warning", "founded"))
    elif founded and founded > dt.date.today():
        warn.append(RegistryProblem(line, f"{name}: 成立日期 {founded} 晚于今天", "warning",
                                    "founded"))
    revenue = parse_amount(rec.get("revenue"))
    if rec.get("revenue") is not None and revenue is None:
        warn.append(RegistryProblem(line, f"{name}: 营业收入 {rec['revenue']!r} 无法识别",
                                    "warning", "revenue"))
    address = canonical_name(str(rec["address"])) if rec.get("address") else None
    region_text = canonical_name(str(rec["region"])) if rec.get("region") else None
    region, county, region_code = region_text, None, None
    if resolver is not None:
        found = (resolver.find(region_text) or resolver.find(address)
                 or resolver.from_code(code))
        if found is not None:
            pref = resolver.prefecture(found)
            region, region_code = pref.name, found.code
            county = found.name if found.level == "county" else None
        elif region_text or address:
            warn.append(RegistryProblem(line, f"{name}: 无法从地区或地址确定所属地区", "warning",
                                        "region"))
    tags = tuple(t for t in _TAG_SPLIT.split(str(rec.get("tags") or "")) if t)
    yield from warn
    yield RegistryRow(line=line, name=name, credit_code=code, region=region, address=address,
                      registered_capital=capital[0] if capital else None,
                      founded=founded, scope=str(rec.get("scope") or ""), revenue=revenue,
                      tags=tags, county=county, region_code=region_code,
                      currency=capital[1] if capital else "人民币")


class RegistryTally:
    """Counts rows, errors, warnings and rows per region of a stream while passing the good
    rows on (``rows(items)``), calling ``on_problem`` for each problem; nothing is kept."""

    def __init__(self, on_problem=None) -> None:
        self.on_problem = on_problem
        self.count = self.errors = self.warnings = 0
        self.regions: dict[str, int] = {}

    def rows(self, items: Iterator[RegistryRow | RegistryProblem]) -> Iterator[RegistryRow]:
        for item in items:
            if isinstance(item, RegistryProblem):
                if item.severity == "error":
                    self.errors += 1
                else:
                    self.warnings += 1
                if self.on_problem is not None:
                    self.on_problem(item)
            else:
                self.count += 1
                key = item.region or "（未知）"
                self.regions[key] = self.regions.get(key, 0) + 1
                yield item

    def summary(self) -> RegistrySummary:
        return RegistrySummary(rows=self.count, errors=self.errors, warnings=self.warnings,
                               regions=dict(sorted(self.regions.items(), key=lambda kv: -kv[1])))


def summarize(items: Iterator[RegistryRow | RegistryProblem], *, on_problem=None
              ) -> RegistrySummary:
    """Count rows, errors, warnings and rows per region of a stream, calling ``on_problem``
    for each problem (e.g. to print it) without keeping the rows."""
    tally = RegistryTally(on_problem)
    for _ in tally.rows(items):
        pass
    return tally.summary()


def table_records(path: str | Path) -> Iterator[tuple[int, list[Any] | None, str | None]]:
    """(line, cells or None, problem) of each non-empty record of a CSV or XLSX file (first
    sheet): the reading, encoding detection and quote repair registry imports use, for other
    lists (tier lists) to share."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, "文件不存在")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_records(p)
    return _csv_records(p)

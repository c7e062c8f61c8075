"""Policies: document numbers (`桂政发〔2019〕53号`), titles in 《》 and titled plans in prose.

A policy is keyed by its document number where one is given, by its title otherwise. Titles
come from book-title marks (newspapers and books excluded), from plan-like phrases in prose
(`…三年行动计划`), and from policy tables flattened one cell per line, row- or
column-wise (a column of numbers, a column of titles, a column of dates of the same length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from gxatlas.data.lexicon import lexicon
from gxatlas.extract.facts import Fact
from gxatlas.extract.mentions import display_name, evidence, pos_cut
from gxatlas.extract.pipeline import component
from gxatlas.ingest.document import Document

DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,8}?)\s*[〔\[【(（]\s*((?:19|20)\d{2})\s*[〕\]】)）]\s*(?:第\s*)?(\d{1,4})\s*号"
    r"|([一二三四五六七八九十]{1,4}届[\u4e00-\u9fff]{0,6}?第\s*\d{1,4}\s*号)")
_TITLE = re.compile(r"《([^《》\n]{2,80})》")
# 《…》 that are not policies: newspapers, journals, books, songs, films, websites
_NOT_POLICY = re.compile(r"(日报|晚报|时报|早报|周报|商报|报|杂志|期刊|学报|年鉴|网|书|记|传|集|歌|曲|剧|片|志)$")
_POLICY_END = (r"(实施方案|行动方案|工作方案|总体方案|行动计划|合作计划|发展规划|规划纲要|专项规划|若干措施|政策措施|若干意见"
               r"|实施意见|指导意见|管理办法|实施细则|暂行办法|条例|政府工作报告|三年行动(?![计方实]))")
_PROSE_TITLE = re.compile(r"([\u4e00-\u9fffA-Za-z0-9“”\"()（）—\-]{4,40}?" + _POLICY_END + r")")
_PROSE_BREAK = re.compile(r"实施|出台|印发|制定|发布|落实|执行|贯彻|推出|编制|依据|根据|按照|和|及|与|的|是|为|了|在")
_DATE = re.compile(r"^((?:19|20)\d{2})[-./年](\d{1,2})[-./月](\d{1,2})日?$")
_ISSUER = re.compile(r"(国务院|国家发展改革委|国家发改委|自治区人民政府|自治区人大常委会|商务部|财政部|工业和信息化部|[\u4e00-\u9fff]{2,8}(?:人民政府|委员会|办公厅))"
                     r"(?:印发|发布|出台|制定|批复|颁布)")


@dataclass(frozen=True)
class _Policy:
    start: int
    end: int
    title: str | None
    doc_number: str | None
    date: str | None = None
    alignment: str = "exact"


# First characters of issuer abbreviations: provinces, the state, ministries, cities.
_ABBR_HEAD = set("桂国粤滇黔湘琼川渝苏浙闽赣鲁豫鄂冀晋辽吉黑皖陕甘青宁新藏蒙京津沪中财商工发人署办教科农水交"
                 "南柳钦北防玉崇贵梧百贺河来")
_ABBR_TAIL = re.compile(r"[发函规电字令文通告办复批号]$")


def _clean_number(s: str) -> str:
    s = re.sub(r"\s+", "", s)
    m = re.match(r"([\u4e00-\u9fff]+)(?=[〔\[【(（])", s)
    if m and "届" not in s:
        prefix = m.group(1)
        lead = re.match(r".*(?:印发|转发|根据|按照|依据|执行|落实|贯彻|参照|见|和|及|与|、)", prefix)
        if lead and lead.end() < len(prefix):
            s, prefix = s[lead.end():], prefix[lead.end():]
        if len(prefix) > 4 or not _ABBR_TAIL.search(prefix):
            # an issuer's abbreviation is short: `象政发`, `桂政办发`; a longer run holds prose
            cut = next((i for i in range(len(prefix)) if prefix[i] in _ABBR_HEAD
                        and _ABBR_TAIL.search(prefix) and len(prefix) - i <= 6), max(0, len(prefix) - 4))
            s = s[cut:]
    return s.replace("[", "〔").replace("]", "〕").replace("【", "〔").replace("】", "〕") \
        .replace("(", "〔").replace(")", "〕").replace("（", "〔").replace("）", "〕")


def _date(s: str) -> str | None:
    m = _DATE.match(s.strip())
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _lines(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    pos = 0
    for line in text.split("\n"):
        s = line.strip()
        if s:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(s), s))
        pos += len(line) + 1
    return out


def _is_number_cell(s: str) -> bool:
    return DOC_NUMBER.fullmatch(s) is not None


def _title_ok(t: str) -> bool:
    t = t.strip()
    if t in lexicon().set("policy_generic_titles"):
        return False  # `《规划》`: the kind of document named before in full
    return 2 <= len(t) <= 80 and not _NOT_POLICY.search(t) and not re.fullmatch(r"[\d\s.]+", t)


def _tab_policies(text: str) -> list[_Policy]:
    """Policies of TAB-separated rows (docx/xlsx/html tables): a row with a document number
    cell; its title is the longest other text cell, its date the first date cell."""
    out: list[_Policy] = []
    for s, _, line in _lines(text):
        if "\t" not in line:
            continue
        cells: list[tuple[int, str]] = []
        pos = 0
        for part in line.split("\t"):
            body = part.strip()
            if body:
                cells.append((s + pos + part.index(body), body))
            pos += len(part) + 1
        numbers = [c for c in cells if _is_number_cell(c[1])]
        if len(numbers) != 1:
            continue
        dates = [d for _, c in cells if (d := _date(c))]
        titles = [c for c in cells if c not in numbers and not _date(c[1]) and _title_ok(c[1])
                  and not re.fullmatch(r"[\d\s.、]+", c[1]) and len(c[1]) >= 4]
        if titles:
            ts, title = max(titles, key=lambda c: len(c[1]))
            out.append(_Policy(start=ts, end=ts + len(title), title=title.strip("《》"),
                               doc_number=_clean_number(numbers[0][1]),
                               date=dates[0] if dates else None, alignment="fuzzy"))
        else:
            ns, num = numbers[0]
            out.append(_Policy(start=ns, end=ns + len(num), title=None, doc_number=_clean_number(num),
                               date=dates[0] if dates else None))
    return out


def _table_policies(text: str) -> list[_Policy]:
    """Policies of tables flattened one cell per line, column- or row-wise."""
    lines = _lines(text)
    out: list[_Policy] = []
    i = 0
    while i < len(lines):
        if not _is_number_cell(lines[i][2]):
            i += 1
            continue
        j = i
        while j < len(lines) and _is_number_cell(lines[j][2]):
            j += 1
        run = lines[i:j]
        if len(run) >= 3:
            out += _column_table(lines, i, j)
        else:
            for k in range(i, j):
                out.append(_row_cell(lines, k))
        i = j
    return out


def _column_table(lines: list[tuple[int, int, str]], i: int, j: int) -> list[_Policy]:
    n = j - i
    numbers = lines[i:j]
    titles: list[tuple[int, int, str]] = []
    k = j
    while k < len(lines) and k <= j + 2 and not titles:
        cand = lines[k + 1:k + 1 + n] if len(lines[k][2]) <= 8 else lines[k:k + n]
        if len(cand) == n and all(_title_ok(c[2]) and not _is_number_cell(c[2]) and not _date(c[2])
                                  for c in cand):
            titles = cand
        k += 1
    dates: list[str | None] = [None] * n
    lo = max(0, i - 3 * n - 6)
    for a in range(lo, i):
        block = lines[a:a + n]
        if len(block) == n and all(_date(c[2]) for c in block):
            dates = [_date(c[2]) for c in block]
            break
    if all(d is None for d in dates):
        for a in range(j, min(len(lines), j + 3 * n + 6)):
            block = lines[a:a + n]
            if len(block) == n and all(_date(c[2]) for c in block):
                dates = [_date(c[2]) for c in block]
                break
    out = []
    for idx, (s, e, cell) in enumerate(numbers):
        # the evidence is the title cell; number and date sit in other columns (fuzzy)
        start, end, title = titles[idx] if titles else (s, e, None)
        out.append(_Policy(start=start, end=end, title=title, doc_number=_clean_number(cell),
                           date=dates[idx], alignment="fuzzy" if titles else "exact"))
    return out


def _row_cell(lines: list[tuple[int, int, str]], k: int) -> _Policy:
    s, e, cell = lines[k]
    title = None
    date = None
    for d in (1, -1):
        if 0 <= k + d < len(lines):
            c = lines[k + d][2]
            if title is None and re.search(_POLICY_END + "|《", c) and _title_ok(c):
                title = c.strip("《》")
            if date is None:
                date = _date(c)
    return _Policy(start=s, end=e, title=title, doc_number=_clean_number(cell), date=date)


# `（来政发〔2023〕15号）`, `（象政发〔2023〕7号，2023年4月12日印发）` after a 《title》
_NUMBER_AFTER = re.compile(r"\s*[(（]\s*(" + DOC_NUMBER.pattern + r")\s*(?:[,，、;；]\s*"
                           r"(?P<date>(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)[^()（）]{0,6})?[)）]")
# `粤府函〔2021〕12号《…》`: a number right before a title (the document's own heading)
_NUMBER_BEFORE = re.compile(r"(" + DOC_NUMBER.pattern + r")\s*$")
# `于2023年11月20日印发《…》`: a full date right before the verb that issues the title
_DATE_BEFORE = re.compile(r"((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)[^。；;，,《》\n]{0,8}?"
                          r"(?:印发|发布|出台|颁布|公布|签发|制定|通过)了?\s*$")
# the document's own title: a plan, programme or measures named on one of its first lines,
# a period in brackets possibly wrapped onto the next line
_OWN_TITLE = re.compile(r"^(.{4,60}?(?:规划|纲要|方案|计划|措施|意见|办法|细则|条例|决定))"
                        r"((?:[(（][^()（）]{2,16}[)）])*)$")
_EDITION = re.compile(r"[(（](?:节选|摘要|摘编|全文|征求意见稿|送审稿|草案|修订稿)[)）]")
_PERIOD = re.compile(r"^[(（]\s*(?:19|20)\d{2}\s*[—–\-－~至]+\s*(?:19|20)\d{2}\s*年?\s*[)）]$")


def _date_before(text: str, start: int) -> str | None:
    m = _DATE_BEFORE.search(text, max(0, start - 40), start)
    return _date(m.group(1)) if m else None


def own_title(text: str, *, lines: int = 4) -> _Policy | None:
    """The document's own title when it names a plan or a policy (`X市Y产业发展规划（2022—
    2025年）`), from its first non-blank lines; editorial notes such as `（节选）` dropped."""
    first = _lines(text[:2000])[:lines]
    for k, (s, e, line) in enumerate(first):
        if "\t" in line or "《" in line:
            continue
        m = _OWN_TITLE.match(line)
        if not m:
            continue
        title = m.group(1) + _EDITION.sub("", m.group(2))
        end = e
        if k + 1 < len(first) and _PERIOD.match(first[k + 1][2]) and not m.group(2):
            title += first[k + 1][2]
            end = first[k + 1][1]
        if _title_ok(title) and not re.search(r"[。，,；;：:]", title):
            return _Policy(start=s, end=end, title=title, doc_number=None,
                           alignment="exact" if end == e else "fuzzy")
        return None
    return None


_MARKED = re.compile(r"三年|五年|行动|十[一二三四五六]五|20\d\d|规划纲要|条例|政府工作报告|关于")


def _unquoted(title: str) -> str:
    """Quotes around a whole title go; a pair inside it stays (`“十四五”规划`)."""
    out = title.strip("“”")
    return "“" + out if out.count("”") > out.count("“") else out


# a plan or report a text names without 《》 by its period or its kind alone
_PLAN_IN_PROSE = re.compile(r"[“\"]十[一二三四五六]五[”\"]规划(?!纲要|》)|(?<!《)政府工作报告(?!》)")
_ROUND = re.compile(r"^新一轮")  # `新一轮产业升级三年行动`: the programme, whatever its round


def _prose_title_ok(title: str) -> bool:
    """A plan named in prose without 《》 must look like one: long enough, not starting with a
    verb or a pronoun, and carrying a period, a programme word or a place."""
    if len(title) < 6 or (re.match(_POLICY_END, title) and title != "政府工作报告"):
        return False
    words = pos_cut(title)
    if words and (words[0][1].startswith(("v", "r", "d", "a", "c", "p", "u", "m", "q"))
                  and words[0][1] != "vn"):
        return False
    return bool(_MARKED.search(title))


def find_policies(text: str) -> list[_Policy]:
    """Policy mentions in ``text``: titles, numbers in prose and in tables."""
    out: list[_Policy] = []
    taken: list[tuple[int, int]] = []
    tab = _tab_policies(text)
    tab_numbers = {p.doc_number for p in tab}
    for p in tab + [p for p in _table_policies(text) if p.doc_number not in tab_numbers]:
        out.append(p)
        taken.append((p.start, p.end))
    own = own_title(text)
    if own:
        out.append(own)
        taken.append((own.start, own.end))
    for m in _TITLE.finditer(text):
        title = m.group(1)
        if not _title_ok(title) or any(a <= m.start() < b for a, b in taken):
            continue
        num = None
        start, end = m.start(), m.end()
        date = _date_before(text, m.start())
        before = _NUMBER_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if before:  # `粤府函〔2021〕12号《…的批复》`: the number, then the title
            num, start = _clean_number(before.group(1)), before.start(1)
        after = _NUMBER_AFTER.match(text, m.end(), m.end() + 60)
        if after:
            num = _clean_number(after.group(1))
            end = after.end()
            if after.group("date"):
                date = _date(after.group("date"))
        out.append(_Policy(start=start, end=end, title=title, doc_number=num, date=date))
        taken.append((start, end))
    for m in _PLAN_IN_PROSE.finditer(text):
        # `实现“十四五”规划目标`, `某市政府工作报告要求`: the plan or report named in prose
        if not any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
            out.append(_Policy(start=m.start(), end=m.end(), title=m.group(), doc_number=None))
            taken.append((m.start(), m.end()))
    for m in _PROSE_TITLE.finditer(text):
        if any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
            continue
        raw = m.group(1)
        tail = re.search(_POLICY_END + "$", raw)
        cut = 0
        for b in _PROSE_BREAK.finditer(raw, 0, len(raw) - len(tail.group()) if tail else len(raw)):
            cut = b.end()
        title = _ROUND.sub("", raw[cut:])
        if not _prose_title_ok(title):
            continue
        s = m.start() + cut
        out.append(_Policy(start=s, end=m.end(), title=title, doc_number=None))
        taken.append((s, m.end()))
    for m in DOC_NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        out.append(_Policy(start=m.start(), end=m.end(), title=None, doc_number=_clean_number(m.group())))
    return out


def extract_policies(doc: Document, *, signed: str | None = None) -> list[Fact]:
    """Policy facts of ``doc``, one per document number or (without a number) per title;
    ``signed``: the date the document is signed (its profile), the date of its own number."""
    by_key: dict[str, _Policy] = {}
    order: list[str] = []
    aliases: dict[str, list[str]] = {}
    for p in find_policies(doc.text):
        title = _unquoted(display_name(p.title)) if p.title else None
        key = p.doc_number or (_title_key(title) if title else "")
        if not key:
            continue
        old = by_key.get(key)
        if old is None:
            by_key[key] = _Policy(p.start, p.end, title, p.doc_number, p.date, p.alignment)
            order.append(key)
        elif old.doc_number is None and title and old.title and title != old.title:
            # one plan named with the region's full and short name: the longer form is the name
            keep, other = (title, old.title) if len(title) > len(old.title) else (old.title, title)
            aliases.setdefault(key, []).append(other)
            by_key[key] = _Policy(old.start, old.end, keep, None, old.date or p.date, old.alignment)
        elif (old.title is None and title) or (old.date is None and p.date):
            by_key[key] = _Policy(old.start, old.end, old.title or title, old.doc_number,
                                  old.date or p.date, old.alignment)
    for abbr, full, start in agreements_named(doc.text):
        key = _title_key(full)
        if key in by_key:
            aliases.setdefault(key, []).append(abbr)
        else:
            by_key[key] = _Policy(start, start + len(abbr), full, None, None, "exact")
            order.append(key)
            aliases[key] = [abbr]
    facts: list[Fact] = []
    own = _own_number(doc.text)
    for key in order:
        p = by_key[key]
        issuer = _issuer_near(doc.text, p.start)
        date = p.date or (signed if own is not None and p.doc_number == own else None)
        values: dict[str, object] = {"doc_number": p.doc_number, "title": p.title, "date": date}
        if issuer:
            values["issuer"] = issuer
        reason = "assembled from a table flattened one cell per line" if p.alignment == "fuzzy" else None
        facts.append(Fact(type="policy", name=p.title or p.doc_number or key,
                          evidence=evidence(doc, p.start, p.end, alignment=p.alignment, reason=reason),
                          values=values, aliases=tuple(a for a in aliases.get(key, ()) if a != p.title)))
    return facts


# International trade agreements that writing names by their Latin abbreviation alone
# (reference data, as a gazetteer is: the agreement's official Chinese title)
AGREEMENTS = {
    "RCEP": "区域全面经济伙伴关系协定",
    "CPTPP": "全面与进步跨太平洋伙伴关系协定",
    "DEPA": "数字经济伙伴关系协定",
    "CAFTA": "中国—东盟自由贸易协定",
}
_AGREEMENT_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(AGREEMENTS) + r")(?![A-Za-z])")


def agreements_named(text: str) -> list[tuple[str, str, int]]:
    """(abbreviation, official title, first offset) of each agreement the text names by its
    abbreviation (`RCEP`), once each; the title in 《》 is found as any policy title is."""
    seen: dict[str, int] = {}
    for m in _AGREEMENT_RE.finditer(text):
        seen.setdefault(m.group(1), m.start())
    return [(a, AGREEMENTS[a], i) for a, i in seen.items()]


def _title_key(title: str) -> str:
    """A title with a leading region named by its short name (`广西壮族自治区X规划` and
    `广西X规划` are one plan), quotes dropped."""
    from gxatlas.extract import region_names

    t = re.sub(r"[“”\"‘’「」]", "", title)
    names = region_names()
    for n in range(min(len(t), 12), 1, -1):
        short = names.get(t[:n])
        if short:
            return short + t[n:]
    return t


def _own_number(text: str) -> str | None:
    """The document's own number: a 文号 on one of its first lines (its heading)."""
    for _, _, line in _lines(text[:1500])[:6]:
        m = DOC_NUMBER.match(line)
        if m:
            return _clean_number(m.group())
    return None


def _issuer_near(text: str, start: int) -> str | None:
    m = _ISSUER.search(text, max(0, start - 30), start + 1)
    return m.group(1) if m else None


@component("policy", needs=("lines", "profile"), provides=("policy",))
def policy_facts(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """Policies keyed by 文号, else by title, with the date of issue where given."""
    prof = ad.profile
    signed = prof.written if prof.current_source == "signature" and prof.written and len(prof.written) == 10 else None
    return extract_policies(ad.doc, signed=signed)

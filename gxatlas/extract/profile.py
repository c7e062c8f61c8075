"""The document profile: what a document is, when it was written, what it is about.

Every component reads its defaults from here instead of guessing from fixed windows: the
year of an undated current figure, the target year of a plan, the region a figure is about
when its sentence names none, the park a figure of `园区` belongs to.

- ``genre``: plan, work report, statistical bulletin, news, notice (policy documents and
  official replies), park introduction; from cues of the lexicon (``genres.yaml``), the title
  weighing most.
- ``written``: the date the text was written or issued: a line that is only a date (a
  signature), a page's metadata line (`发布时间:2024-09-30`), a date opening the text.
- ``current_year``: the year "今年" means: the year written, else the first or last year of a
  plan period the text calls 开局之年 / 收官之年, else the latest year the text states as past
  or present (not a target, not a year compared with).
- ``about_year``: the one year a bulletin or a report is about (its title's year).
- ``plan_period``: the five-year plan or the year span the document is about.
- ``region``: the region the document is about (the title and the clauses' subjects weigh
  most), with its province.
- ``park``: the park or zone the document is about, when its title or opening names one.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gxatlas.extract.gazetteer import Place

if TYPE_CHECKING:
    from gxatlas.extract.annotate import AnnotatedDoc

__all__ = ["Genre", "Profile", "build_profile", "document_profile"]


class Genre(enum.StrEnum):
    PLAN = "plan"
    WORK_REPORT = "work_report"
    BULLETIN = "bulletin"
    NEWS = "news"
    NOTICE = "notice"
    PARK_INTRO = "park_intro"
    OTHER = "other"


@dataclass(frozen=True)
class Profile:
    genre: Genre
    title: str
    written: str | None  # YYYY-MM-DD, YYYY-MM or YYYY
    current_year: int | None
    about_year: int | None
    plan_period: tuple[int, int] | None
    region: str | None  # short name of the main region (`南宁`, `广西`, `北部湾经济区`)
    province: str | None
    park: str | None
    reasons: tuple[str, ...] = ()
    # where ``region`` comes from: "title", "dateline" or "mentions"
    region_source: str | None = None
    # where ``current_year`` comes from: "signature" (a date line of the text), "page" (a web
    # page's metadata), "plan" (今年 named as a plan's first or last year), "stated" (the
    # latest year the text states), "named" (a year inside a name)
    current_source: str | None = None

    @property
    def year_from_text(self) -> int | None:
        """The current year when the text itself gives it (SCHEMA.md: an undated current
        figure gets a year only then), not a web page's date."""
        return self.current_year if self.current_source not in (None, "page") else None

    @property
    def written_year(self) -> int | None:
        return int(self.written[:4]) if self.written else None

    def to_dict(self) -> dict[str, object]:
        return {"genre": self.genre.value, "title": self.title, "written": self.written,
                "current_year": self.current_year, "about_year": self.about_year,
                "plan_period": list(self.plan_period) if self.plan_period else None,
                "region": self.region, "province": self.province, "park": self.park,
                "reasons": list(self.reasons)}


_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-./](\d{1,2})[-./](\d{1,2}))")
_DATE_ONLY_LINE = re.compile(r"^\s*(?:(?:发布|印发|成文)?日期[:：]?)?\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?![\d.])\s*年?")
_PERIOD_SPAN = re.compile(r"((?:19|20)\d{2})\s*年?\s*[—–\-－~至到]+\s*((?:19|20)\d{2})\s*年")
_FIRST_YEAR = re.compile(r"开局之年|开局年|起步之年|第一年|首年")
_LAST_YEAR = re.compile(r"收官之年|收官年|最后一年|决胜之年")
_TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*[—–\-－~至到]\s*(?:19|20)?\d{2})")


def _date(y: str, m: str | None, d: str | None) -> str | None:
    year = int(y)
    if m is None:
        return f"{year:04d}"
    mo, day = int(m), int(d or 1)
    if not (1 <= mo <= 12 and 1 <= day <= 31):
        return f"{year:04d}"
    return f"{year:04d}-{mo:02d}-{day:02d}"


def _written(ad: AnnotatedDoc) -> tuple[str | None, str | None]:
    """(date, source): a signature line ("signature"), a page's metadata line or a date
    opening the text ("page")."""
    from gxatlas.extract.annotate import BlockKind

    text = ad.text
    lines = ad.lines
    for b in (*lines[-6:], *lines[:6]):
        m = _DATE_ONLY_LINE.match(text[b.start:b.end])
        if m:
            return _date(m.group(1), m.group(2), m.group(3)), "signature"
    for b in lines[:8]:
        line = text[b.start:b.end]
        m = _FULL_DATE.search(line)
        if m and (b.kind is BlockKind.META or m.start() < 4 or "|" in line):
            return _date(m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)), "page"
    return None, None


_SOURCE_REASON = {"signature": "落款日期", "page": "页面日期", "plan": "今年为规划首末年",
                  "stated": "文中最近的年份", "named": "文中名称里的年份"}


def _plan_period(ad: AnnotatedDoc, title: str) -> tuple[int, int] | None:
    """The plan period of the title (`（2021—2025年）`, `“十四五”`), else the plan named most."""
    cal = ad.lexicon.map("plan_calendar")
    m = _PERIOD_SPAN.search(title)
    if m and int(m.group(1)) < int(m.group(2)):
        return int(m.group(1)), int(m.group(2))
    for name, (first, last) in cal.items():
        if name + "五" not in title and re.search(rf"{name}(?:规划|时期|期间)", title):
            return int(first), int(last)
    counts: Counter[tuple[int, int]] = Counter()
    for name, (first, last) in cal.items():
        n = len(re.findall(rf"[“\"]?{name}[”\"]?(?:规划|时期|期间|期末|末|初)", ad.text))
        if n:
            counts[(int(first), int(last))] += n
    if counts:
        (period, n), = counts.most_common(1)
        if n >= 2:
            return period
    return None


# a news dateline: `本报某地讯`, `某社某市3月8日电`, `某新闻网某市11月2日讯`, `某市日报讯`
_DATELINE = re.compile(r"[^\n]{0,16}?(?:\d{1,2}月\d{1,2}日)?(?:讯|电)\s*[(（]")


def _dateline(ad: AnnotatedDoc) -> tuple[int, int] | None:
    """The span of the news dateline opening the body (the first two lines), if any."""
    for b in ad.lines[:3]:
        m = _DATELINE.match(ad.text, b.start, b.end)
        if m:
            return b.start, m.end()
    return None


def _genre(ad: AnnotatedDoc, title: str) -> tuple[Genre, str]:
    lex = ad.lexicon
    score: Counter[str] = Counter()
    if _dateline(ad) is not None:
        score["news"] += 8
    for g, cues in lex.map("genre_title_cues").items():
        score[g] += 4 * sum(1 for c in cues if c in title)
    head = ad.text[:4000]
    for g, cues in lex.map("genre_body_cues").items():
        score[g] += sum(min(head.count(c), 3) for c in cues)
    if not score or max(score.values()) == 0:
        return Genre.OTHER, "无体裁线索"
    top = max(score.values())
    # on a tie a plan is the last guess: most texts that name a plan only refer to it
    order = ("news", "notice", "bulletin", "work_report", "park_intro", "plan")
    g = next(x for x in order if score[x] == top)
    return Genre(g), f"体裁线索:{g}"


def _title(ad: AnnotatedDoc) -> str:
    """The first line that is not metadata, when it reads as a title (short, no full stop);
    else none (a text that opens with its body has no title)."""
    from gxatlas.extract.annotate import BlockKind

    for b in ad.lines[:4]:
        if b.kind is BlockKind.META:
            continue
        line = ad.text[b.start:b.end]
        if len(line) <= 60 and "。" not in line and sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff") >= 4:
            return line
        return ""
    return ""


def _current_year(ad: AnnotatedDoc, written: int | None, written_source: str | None
                  ) -> tuple[int | None, str | None]:
    if written is not None and written_source == "signature":
        return written, "signature"
    text = ad.text
    cal = ad.lexicon.map("plan_calendar")
    for m in re.finditer(r"今年", text):
        near = text[m.start():m.start() + 30]
        for name, (first, last) in cal.items():
            if name in near and not near.startswith(name + "五", near.find(name)):
                if _FIRST_YEAR.search(near):
                    return int(first), "plan"
                if _LAST_YEAR.search(near):
                    return int(last), "plan"
    body = ad.lines[1].start if len(ad.lines) > 1 and written_source == "page" else 0
    past = [t.year for t in ad.times if t.start >= body and not t.target and not t.reference
            and not _in_span(text, t.start)]
    if past and (written is None or max(past) >= written):
        return max(past), "stated"
    if past:
        return written, "page"  # a page dated after every year its text states: undated
    named = [int(m.group(1)) for m in _NAMED_YEAR.finditer(text)]
    if named:
        return max(named), "named"
    if written is not None:
        return written, "page"
    return None, None


# a year opening a name (`“2021某某论坛”`): no quantity, no date, no span
_NAMED_YEAR = re.compile(r"[“\"《]((?:19|20)\d{2})(?=[\u4e00-\u9fff])(?![\d年])")


def _in_span(text: str, pos: int) -> bool:
    """A year inside a span of years (`2021-2025年`, `2026-2030年`): a period, not a date."""
    return bool(_PERIOD_SPAN.match(text, pos) or _PERIOD_SPAN.search(text, max(0, pos - 6), pos + 6))


def _about_year(ad: AnnotatedDoc, title: str, genre: Genre) -> int | None:
    if genre not in (Genre.BULLETIN, Genre.WORK_REPORT):
        return None
    years = {int(y) for y in _TITLE_YEAR.findall(title)}
    return years.pop() if len(years) == 1 else None


def _main_region(ad: AnnotatedDoc, title: str) -> tuple[Place | None, str | None]:
    """(place, source: "title", "dateline" or "mentions")."""
    """The region named in the title, else the one weighed most over the text: a mention
    opening a clause or a line counts twice, groups and countries count only when nothing
    else is named."""
    title_at = ad.text.find(title) if title else -1
    in_title = [pm.place for pm in ad.places_in(title_at, title_at + len(title))] if title_at >= 0 else []
    specific = [p for p in in_title if p.level in ("prefecture", "county", "city")]
    if specific:
        return specific[0], "title"
    dateline = _dateline(ad)
    if dateline is not None:
        dated = [pm.place for pm in ad.places_in(*dateline) if pm.place.level in ("prefecture", "county")
                 and not ad.lexicon.pattern("media_suffixes").match(ad.text, pm.end, pm.end + 4)]
        if dated:
            return dated[-1], "dateline"
    if in_title:
        return in_title[0], "title"  # a title that names only the province: a province-wide text
    weights: Counter[str] = Counter()
    places: dict[str, Place] = {}
    text = ad.text
    media = ad.lexicon.pattern("media_suffixes")
    dateline = _dateline(ad)
    for pm in ad.places:
        p = pm.place
        in_dateline = dateline is not None and dateline[0] <= pm.start < dateline[1]
        if media.match(text, pm.end, pm.end + 4) and not (in_dateline and p.level != "province"):
            continue  # `玉林新闻网`: a medium's name, not what the text is about (a city's
            # own paper in a dateline, `来宾日报讯`, places the news)
        if in_dateline and p.level in ("prefecture", "county", "city"):
            weights[p.short_name] += 3
        w = 1.0
        if pm.start == 0 or text[pm.start - 1] in "\n,，。;；:：":
            w = 2.0
        if p.level in ("country", "group"):
            w *= 0.1
        weights[p.short_name] += w
        places.setdefault(p.short_name, p)
    for p in in_title:
        weights[p.short_name] += 4
        places.setdefault(p.short_name, p)
    if not weights:
        return None, None
    (name, top), = weights.most_common(1)
    best = places[name]
    if best.level in ("province", "country", "group"):
        # a text about a city names its province too: the city, when it is named nearly as
        # much (and the province is not the title's subject)
        inner = [(w, n) for n, w in weights.items() if places[n].level in ("prefecture", "county")
                 and places[n].province == best.short_name and w >= 0.5 * top]
        if inner and (best not in in_title or dateline is not None):
            best = places[max(inner)[1]]
    if best in in_title:
        return best, "title"
    if dateline is not None and any(pm.place is best for pm in ad.places_in(*dateline)):
        return best, "dateline"
    return best, "mentions"


def _main_park(ad: AnnotatedDoc, title: str) -> str | None:
    from gxatlas.extract.parks import find_park_mentions

    ms = find_park_mentions(title, gaz=ad.gazetteer)
    return ms[0].name if ms else None


def build_profile(ad: AnnotatedDoc) -> Profile:
    """The profile of an annotated document (see the module docstring)."""
    title = _title(ad)
    reasons: list[str] = []
    genre, why = _genre(ad, title)
    reasons.append(why)
    written, written_source = _written(ad)
    if written_source:
        reasons.append(_SOURCE_REASON[written_source])
    plan = _plan_period(ad, title)
    if plan and genre not in (Genre.PLAN,) and re.search("规划|纲要|方案", title):
        genre = Genre.PLAN
    current, current_source = _current_year(ad, int(written[:4]) if written else None, written_source)
    if current_source and current_source != written_source:
        reasons.append(_SOURCE_REASON[current_source])
    region, region_source = _main_region(ad, title)
    if region_source:
        reasons.append({"title": "标题地名", "dateline": "电头地名", "mentions": "最常作主语的地名"}[region_source])
    return Profile(genre=genre, title=title, written=written, current_year=current,
                   about_year=_about_year(ad, title, genre), plan_period=plan,
                   region=region.short_name if region else None,
                   province=(region.province or (region.short_name if region.level == "province" else None))
                   if region else None,
                   park=_main_park(ad, title), reasons=tuple(reasons),
                   region_source=region_source, current_source=current_source)


def document_profile(doc: object, *, gazetteer: object = None) -> Profile:
    """The profile of a :class:`~gxatlas.ingest.document.Document`."""
    from gxatlas.extract.annotate import annotate

    return annotate(doc, gazetteer=gazetteer).profile  # type: ignore[arg-type]

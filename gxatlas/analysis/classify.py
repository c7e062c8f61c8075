"""Enterprise classification onto industrial-chain links.

An enterprise is read from its name and its business scope (经营范围). Every keyword of every
link of every chain template goes into one Aho–Corasick automaton (``ahocorasick-rs``), so one
pass over the text finds all candidate words. A keyword is dropped when a negative keyword
of the same link covers it (``隔膜泵`` cancels ``隔膜``), or when a longer keyword covers it
(``锂电池隔膜`` is the separator, not the cell; ``甘蔗种植`` does not also count ``蔗种``).

Each surviving word earns a weight for where it stands:

* in the name: 1.5, or 0.5 when the name says the firm trades (贸易、商贸、经营部 …);
* in a scope item (items are split at ；，。 and the permit headers): 1.0 when the item makes
  something (制造、生产、加工 …), 0.25 when it only sells (销售、批发、零售、进出口 … and no
  making verb), 0.5 when it is research or technical service only, 0.8 otherwise; items lose
  5% per place after the first (to at most −40%), since registries list the main business first.

A word counts once per link, with its best scope weight plus its name weight. A link is a hit
when its raw sum reaches ``MIN_RAW`` (1.0: one making item, or the name plus some scope
support); ``score = raw / (raw + 1)`` in (0, 1), rounded to two places.

A registry is classified a batch at a time (``Classifier.scored_many``): the batch's names, and
then its scopes, are normalized and matched as one text, and only the enterprises with a match
are weighed; the CLI writes each as JSON or a text line from strings made once per link.
"""

from __future__ import annotations

import functools
import json
import operator
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

import ahocorasick_rs

from gxatlas.data.chains import Chain, load_chains

MIN_RAW = 0.8
NAME_WEIGHT = 1.5
TRADE_NAME_WEIGHT = 0.5
MAKE_WEIGHT = 1.0
TRADE_WEIGHT = 0.25
RESEARCH_WEIGHT = 0.5
OTHER_WEIGHT = 0.8
DECAY_PER_ITEM = 0.05
MAX_DECAY = 0.2
DOMINANCE = 0.35  # a weak link (raw < WEAK_RAW) under this share of the best link is dropped
WEAK_RAW = 1.5

_MAKE = re.compile("制造|生产|加工|冶炼|提炼|开采|采选|选矿|种植|培育|育苗|建造|组装|装配|铸造|锻造|"
                   "压延|轧制|回收|利用|修理|维修|改装|研制|精炼|提取|屠宰|酿造|印刷|养殖|拆解")
_TRADE = re.compile("销售|批发|零售|进出口|代理|经销|采购|贸易|经营|租赁|配送|仓储|培训|教育|咨询|"
                    "施工|安装|中介|经纪")
_RESEARCH = re.compile("研发|研究|技术开发|技术服务|技术咨询|技术推广|技术转让|技术交流|设计|检测")
_TRADE_NAME = re.compile("贸易|商贸|经贸|商行|经营部|门市|商店|超市|销售|经销|供应链|进出口|"
                         "物资|商务|电子商务|百货|租赁|检测|检验|咨询|培训|教育|学校|协会|"
                         "(?:工程|装饰|安装|维修|服务)(?:有限公司|有限责任公司|部|中心|店)?$")
_ITEM_SPLIT = re.compile("[；;，,。\n]|一般项目[:：]|许可项目[:：]|一般经营项目[:：]|许可经营项目[:：]")
_SPACE = re.compile(r"\s")  # what str.strip() strips
# boilerplate parentheses of registry scopes: （除依法须经批准的项目外…）（依法须经批准的项目…）
_BOILERPLATE = re.compile(r"[（(][^（）()]*(?:依法|批准|许可证|凭营业执照)[^（）()]*[）)]")


@dataclass(frozen=True)
class LinkHit:
    """One chain link an enterprise sits on, with the words that decided it."""

    chain: str
    chain_name: str
    link: str
    link_name: str
    score: float
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "chain_name": self.chain_name, "link": self.link,
                "link_name": self.link_name, "score": self.score,
                "evidence": list(self.evidence)}


class Classified:
    """One enterprise and its links (empty when it is on no chain): ``scored`` holds
    ``Classifier.scored``'s triples, and ``links`` the ``LinkHit`` objects made from them."""

    __slots__ = ("name", "scored", "_clf")

    def __init__(self, name: str, scored: Sequence[tuple[int, float, tuple[str, ...]]],
                 clf: Classifier) -> None:
        self.name, self.scored, self._clf = name, scored, clf

    @property
    def links(self) -> tuple[LinkHit, ...]:
        return tuple(self._clf.hit(*s) for s in self.scored)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "links": [h.to_dict() for h in self.links]}

    def json(self) -> str:
        """``to_dict()`` as compact JSON, the bytes of ``json.dumps(…, ensure_ascii=False,
        separators=(",", ":"))``."""
        return '{"name":' + _json_str(self.name) + ',"links":' \
            + self._clf.links_json(self.scored) + "}"

    def text(self) -> str:
        """One line: the name, a tab, 链/环节 score（words）；… (or —)."""
        return f"{self.name}\t{self._clf.links_text(self.scored)}"


# NFKC's own mapping of the full-width forms and the ideographic space, which is nearly all
# that NFKC changes in registry text: the five that every scope has (；，：（）) replaced, the
# rest mapped with str.translate when one is left, and full NFKC run only when something else
# is left to normalize, so the result is always NFKC's.
_FULLWIDTH = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = " "
_FULLWIDTH_COMMON = tuple((chr(cp), _FULLWIDTH[cp]) for cp in (0xFF1B, 0xFF0C, 0xFF1A, 0xFF08,
                                                                0xFF09))
_FULLWIDTH_ANY = re.compile("[\uff01-\uff5e\u3000]")


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) and upper-case Latin letters."""
    t = text or ""
    if _FULLWIDTH_ANY.search(t) is not None:
        for wide, narrow in _FULLWIDTH_COMMON:
            t = t.replace(wide, narrow)
        if _FULLWIDTH_ANY.search(t) is not None:
            t = t.translate(_FULLWIDTH)
    if not unicodedata.is_normalized("NFKC", t):
        t = unicodedata.normalize("NFKC", t)
    return t.upper()


_BY_END_LONGEST_FIRST = operator.itemgetter(2, 1)  # of (pattern, start, end)
_ROW_SEP = "\x00"  # joins the texts of a batch (``Classifier._match_many``)
_INERT = "\x01"  # stands for a NUL of a text there


def _json_str(text: str) -> str:
    """A string as ``json.dumps(text, ensure_ascii=False)`` writes it."""
    return json.encoder.encode_basestring(text)


def _clean_scope(scope: str) -> str:
    if "批准" not in scope and "依法" not in scope and "许可证" not in scope \
            and "凭营业执照" not in scope:
        return scope
    return _BOILERPLATE.sub("", scope)


def _item_weight(item: str, index: int) -> float:
    return _item_base(item) * (1.0 - min(MAX_DECAY, DECAY_PER_ITEM * index))


@functools.lru_cache(maxsize=1 << 16)
def _item_base(item: str) -> float:
    """The weight of a scope item for what it says (registries repeat their standard items)."""
    if _MAKE.search(item):
        return MAKE_WEIGHT
    if _TRADE.search(item):
        return TRADE_WEIGHT
    if _RESEARCH.search(item):
        return RESEARCH_WEIGHT
    return OTHER_WEIGHT


class Classifier:
    """A compiled classifier for a set of chain templates (build once, call many times)."""

    def __init__(self, chains: Sequence[Chain]) -> None:
        self.chains = tuple(chains)
        # link index -> (chain id, chain name, link id, link name)
        self._links: list[tuple[str, str, str, str]] = []
        # keyword -> (link indexes it counts for, link indexes it cancels), in template order
        entries: dict[str, tuple[list[int], list[int]]] = {}
        for ch in self.chains:
            for lk in ch.links:
                idx = len(self._links)
                self._links.append((ch.id, ch.name, lk.id, lk.name))
                for kw in lk.keywords:
                    counts = entries.setdefault(normalize(kw), ([], []))[0]
                    if idx not in counts:
                        counts.append(idx)
                for neg in lk.negative_keywords:
                    cancels = entries.setdefault(normalize(neg), ([], []))[1]
                    if idx not in cancels:
                        cancels.append(idx)
        # one automaton (ahocorasick-rs: all overlapping matches of a text in one call); a
        # word's value holds all a match needs: (word, the links it counts for, the links it
        # cancels, the links it counts for when it is the text's only match)
        words = list(entries)
        if any(_ROW_SEP in w or _INERT in w for w in words):
            raise ValueError("a chain keyword holds a control character (\\x00 or \\x01)")
        self._ac = ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MatchKind.Standard)
        self._values = [(w, tuple(counts), frozenset(cancels),
                         tuple(i for i in counts if i not in cancels))
                        for w, (counts, cancels) in entries.items()]
        # a link's place in the best-first order of equal scores: (chain id, link id)
        order = sorted(range(len(self._links)), key=lambda i: self._links[i][::2])
        self._rank = [0] * len(self._links)
        for pos, idx in enumerate(order):
            self._rank[idx] = pos
        # the JSON of a link up to its score, and a word's JSON string (the bytes json.dumps
        # gives with ensure_ascii=False), for ``links_json``
        self._json_head = [
            '{"chain":' + _json_str(c) + ',"chain_name":' + _json_str(cn) + ',"link":'
            + _json_str(lk) + ',"link_name":' + _json_str(ln) + ',"score":'
            for c, cn, lk, ln in self._links]
        self._json_words = {w: _json_str(w) for w in entries}
        # industry id (industries.yaml) -> the "chain/link" keys it stands for
        self._by_industry: dict[str, list[str]] = {}
        for ch in self.chains:
            for lk in ch.links:
                for ind in lk.industries:
                    self._by_industry.setdefault(ind, []).append(f"{ch.id}/{lk.id}")

    def _match_many(self, texts: Sequence[str]
                    ) -> tuple[list[str], list[list[tuple[int, str, int]] | None]]:
        """Each text normalized, and its surviving keyword occurrences (start, word, link
        index) by end, the longest first (None when there are none). The texts are
        normalized and matched as one text joined by NUL: NFKC and upper-casing leave NUL
        alone and never reach across it, and no keyword holds one (a NUL of a text is read
        as another character that is in no keyword, pattern or normal form)."""
        if not texts:
            return [], []
        joined = _ROW_SEP.join(texts)
        if joined.count(_ROW_SEP) != len(texts) - 1:
            joined = _ROW_SEP.join(t.replace(_ROW_SEP, _INERT) for t in texts)
        joined = normalize(joined)
        normalized = joined.split(_ROW_SEP)
        kept: list[list[tuple[int, str, int]] | None] = [None] * len(normalized)
        hits = self._ac.find_matches_as_indexes(joined, overlapping=True)
        if hits:
            hits.sort(key=_BY_END_LONGEST_FIRST)
            row, start, end = 0, 0, len(normalized[0])
            group: list[tuple[int, int, int]] = []
            for hit in hits:
                if hit[2] > end:  # in a later text
                    kept[row] = self._kept(group, start)
                    group = []
                    while hit[2] > end:
                        row += 1
                        start = end + 1
                        end = start + len(normalized[row])
                group.append(hit)
            kept[row] = self._kept(group, start)
        return normalized, kept

    def _kept(self, hits: list[tuple[int, int, int]], offset: int
              ) -> list[tuple[int, str, int]]:
        """The surviving occurrences (start - ``offset``, word, link index) of one text's
        (pattern, start, end) hits, sorted by end, the longest first."""
        values = self._values
        if len(hits) == 1:
            p, s, _ = hits[0]
            word, _, _, alone = values[p]
            return [(s - offset, word, idx) for idx in alone]
        found = [(s, e, values[p]) for p, s, e in hits if values[p][1]]
        negatives = [(s, e, values[p][2]) for p, s, e in hits if values[p][2]]
        # a strictly longer keyword (of any link) covers a keyword: in (start, longest
        # first) order, a span ending no later than one before it
        covered = set()
        last_end = -1
        for s, neg_e in sorted((s, -e) for s, e, _ in found):
            if -neg_e <= last_end:
                covered.add((s, -neg_e))
            else:
                last_end = -neg_e
        kept = []
        for s, e, (word, counts, _, _) in found:
            if covered and (s, e) in covered:
                continue
            for idx in counts:
                # a negative keyword of the same link covers it
                if negatives and any(ns <= s and e <= ne and idx in links
                                     for ns, ne, links in negatives):
                    continue
                kept.append((s - offset, word, idx))
        return kept

    def scored_many(self, names: Sequence[str], scopes: Sequence[str]
                    ) -> list[list[tuple[int, float, tuple[str, ...]]]]:
        """The links of each enterprise as (link index, score, evidence), best first: what
        ``classify`` gives, without building its objects, for a batch at a time."""
        names, name_matches = self._match_many([n or "" for n in names])
        scopes, scope_matches = self._match_many([_clean_scope(s) if s else "" for s in scopes])
        weigh = self._weigh
        return [weigh(n, nm, s, sm) if nm or sm else []
                for n, nm, s, sm in zip(names, name_matches, scopes, scope_matches)]

    def scored(self, name: str, scope: str) -> list[tuple[int, float, tuple[str, ...]]]:
        """``scored_many`` of one enterprise."""
        return self.scored_many([name], [scope])[0]

    def _weigh(self, n: str, name_matches: list[tuple[int, str, int]] | None, s: str,
               matches: list[tuple[int, str, int]] | None
               ) -> list[tuple[int, float, tuple[str, ...]]]:
        """The scored links of one enterprise from the matches of its normalized name ``n``
        and scope ``s``."""
        named: dict[int, dict[str, float]] | None = None  # link -> word -> name weight
        if name_matches:
            w_name = TRADE_NAME_WEIGHT if _TRADE_NAME.search(n) else NAME_WEIGHT
            named = {}
            for _, word, idx in name_matches:
                words = named.get(idx)
                if words is None:
                    named[idx] = {word: w_name}
                else:
                    words[word] = w_name
        best: dict[int, dict[str, float]] | None = None  # link -> word -> best scope weight
        if matches:
            # the scope's items; a match is in the item after the separators before it, and
            # weighs what that item does
            items = _ITEM_SPLIT.split(s)
            spaced = _SPACE.search(s) is not None  # else blank items are empty ones
            weights: dict[int, float] = {}
            best = {}
            for start, word, idx in matches:
                k = len(_ITEM_SPLIT.findall(s, 0, start)) if len(items) > 1 else 0
                w = weights.get(k)
                if w is None:
                    item = items[k]
                    # the item's place among the non-blank items
                    if not k or not item.strip():
                        rank = 0
                    elif spaced:
                        rank = k - sum(1 for i in range(k) if not items[i].strip())
                    else:
                        rank = k - items[:k].count("")
                    w = weights[k] = _item_weight(item, rank)
                words = best.get(idx)
                if words is None:
                    best[idx] = {word: w}
                elif w > words.get(word, 0.0):
                    words[word] = w
        if best is None:
            if named is None:
                return []
            links = named.keys()
        elif named is None:
            if len(best) == 1:  # one link, from the scope alone: no other link to dominate it
                (idx, scope_words), = best.items()
                raw = sum(scope_words.values())
                if raw < MIN_RAW:
                    return []
                if len(scope_words) == 1:
                    return [(idx, round(raw / (raw + 1.0), 2), tuple(scope_words))]
            links = best.keys()
        else:
            links = best.keys() | named.keys()
        # the raw sum of a link: its scope words' best weights (in the order first found),
        # then its name words' (adding 0 where one side has none changes no float)
        raws = []
        for idx in links:
            scope_words = best.get(idx) if best is not None else None
            name_words = named.get(idx) if named is not None else None
            if name_words is None:
                raws.append((idx, sum(scope_words.values()), scope_words, None))
            elif scope_words is None:
                raws.append((idx, sum(name_words.values()), None, name_words))
            else:
                raws.append((idx, sum(scope_words.values()) + sum(name_words.values()),
                             scope_words, name_words))
        top = max(r[1] for r in raws) if len(raws) > 1 else raws[0][1]
        out = []
        for idx, raw, scope_words, name_words in raws:
            if raw < MIN_RAW or (raw < WEAK_RAW and raw < DOMINANCE * top):
                continue
            if name_words is None and len(scope_words) == 1:
                evidence = tuple(scope_words)
            elif scope_words is None and len(name_words) == 1:
                evidence = tuple(name_words)
            else:
                sw, nw = scope_words or {}, name_words or {}
                evidence = tuple(sorted(sw.keys() | nw.keys(), key=lambda w: (
                    -(sw.get(w, 0) + nw.get(w, 0)), -len(w), w)))
            out.append((idx, round(raw / (raw + 1.0), 2), evidence))
        if len(out) > 1:
            rank = self._rank
            out.sort(key=lambda h: (-h[1], rank[h[0]]))
        return out

    def classify(self, name: str, scope: str) -> list[LinkHit]:
        """The links of one enterprise, best first."""
        return [self.hit(*scored) for scored in self.scored(name, scope)]

    def hit(self, idx: int, score: float, evidence: tuple[str, ...]) -> LinkHit:
        """The ``LinkHit`` of one ``scored`` triple."""
        chain_id, chain_name, link_id, link_name = self._links[idx]
        return LinkHit(chain=chain_id, chain_name=chain_name, link=link_id,
                       link_name=link_name, score=score, evidence=evidence)

    def links_json(self, scored: Sequence[tuple[int, float, tuple[str, ...]]]) -> str:
        """The compact JSON list of ``[h.to_dict() for h in hits]`` for ``scored`` triples,
        byte for byte what ``json.dumps(…, ensure_ascii=False, separators=(",", ":"))``
        writes."""
        if not scored:
            return "[]"
        head, words = self._json_head, self._json_words
        return "[" + ",".join(
            head[idx] + repr(score) + ',"evidence":[' + ",".join(words[w] for w in evidence)
            + "]}" for idx, score, evidence in scored) + "]"

    def links_text(self, scored: Sequence[tuple[int, float, tuple[str, ...]]]) -> str:
        """One line of text for ``scored`` triples: 链/环节 score（words）；… or —."""
        links = self._links
        return "；".join(f"{links[idx][1]}/{links[idx][3]} {score:.2f}（{'、'.join(evidence)}）"
                        for idx, score, evidence in scored) or "—"

    def industry_links(self, industries: Iterable[str], *, placed: Iterable[str] = ()
                       ) -> dict[str, tuple[str, ...]]:
        """``chain/link`` → the industry names that stand for it (the templates' link
        ``industries``), for industry names as the KB records them (canonical or synonym),
        in the chains none of the ``placed`` ``chain/link`` keys (what the entity's own words
        gave) is in: words say more than a recorded industry."""
        if not self._by_industry:
            return {}
        done = {k.split("/", 1)[0] for k in placed}
        from gxatlas.data import load_industries

        table = load_industries()
        out: dict[str, list[str]] = {}
        for name in industries:
            rec = table.find(name)
            for key in self._by_industry.get(rec.id, ()) if rec is not None else ():
                if key.split("/", 1)[0] not in done:
                    out.setdefault(key, []).append(name)
        return {k: tuple(v) for k, v in out.items()}

    def mentions(self, text: str) -> dict[str, tuple[str, ...]]:
        """``chain/link`` → words, for every link a free text (a plan statement, a project
        name) mentions at all: no weights, no threshold, negatives still apply."""
        out: dict[str, set[str]] = {}
        _, (matches,) = self._match_many([text or ""])
        for _, word, idx in matches or ():
            chain_id, _, link_id, _ = self._links[idx]
            out.setdefault(f"{chain_id}/{link_id}", set()).add(word)
        return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.lru_cache(maxsize=8)
def _classifier(chains: tuple[Chain, ...] | None) -> Classifier:
    return Classifier(chains if chains is not None else load_chains())


def classifier(*, chains: Iterable[Chain] | None = None) -> Classifier:
    """The (cached) classifier of these chains, or of the bundled templates."""
    return _classifier(tuple(chains) if chains is not None else None)


def classify(name: str, scope: str, *, chains: Iterable[Chain] | None = None) -> list[LinkHit]:
    """The chain links of one enterprise from its name and business scope, best first."""
    return classifier(chains=chains).classify(name, scope)


def _name_scope(row: Any) -> tuple[str, str]:
    if isinstance(row, Mapping):
        return str(row.get("name") or ""), str(row.get("scope") or "")
    if isinstance(row, (tuple, list)):
        return str(row[0] or ""), str(row[1] if len(row) > 1 and row[1] else "")
    return str(getattr(row, "name", "") or ""), str(getattr(row, "scope", "") or "")


_BATCH = 2048  # enterprises classified together (``Classifier.scored_many``)


def _batches(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[list[str], list[str]]]:
    """(names, scopes) of ``_BATCH`` (name, scope) pairs at a time."""
    names: list[str] = []
    scopes: list[str] = []
    for name, scope in pairs:
        names.append(name)
        scopes.append(scope)
        if len(names) >= _BATCH:
            yield names, scopes
            names, scopes = [], []
    if names:
        yield names, scopes


def classify_rows(rows: Iterable[Any], *, chains: Iterable[Chain] | None = None
                  ) -> Iterator[Classified]:
    """Classify a stream of enterprises (nothing is held beyond a batch of ``_BATCH`` rows).

    A row is a ``RegistryRow`` (or any object with ``name`` and ``scope``), a mapping with
    those keys, or a ``(name, scope)`` pair.
    """
    clf = classifier(chains=chains)
    for names, scopes in _batches(map(_name_scope, rows)):
        for name, scored in zip(names, clf.scored_many(names, scopes)):
            yield Classified(name, scored, clf)


def _classify_names(path: str, chunk: Any, clf: Classifier, on_problem
                    ) -> Iterator[tuple[str, list[tuple[int, float, tuple[str, ...]]]]]:
    """(name, scored) of every named row of a registry file or chunk, in file order."""
    from gxatlas.analysis.registry import registry_names

    def pairs() -> Iterator[tuple[str, str]]:
        for item in registry_names(path, chunk=chunk):
            if type(item) is tuple:
                yield item[1], item[2]
            elif on_problem is not None:
                on_problem(item)

    for names, scopes in _batches(pairs()):
        yield from zip(names, clf.scored_many(names, scopes))


def _classify_chunk(args: tuple[Any, tuple[Chain, ...] | None]
                    ) -> tuple[list[tuple[str, Any]], list[Any]]:
    """Classify one chunk of a registry (in a worker process): its (name, scored) pairs and
    its problems."""
    chunk, chains = args
    problems: list[Any] = []
    out = list(_classify_names(chunk.path, chunk, classifier(chains=chains), problems.append))
    return out, problems


def classify_file(path: str, *, chains: Iterable[Chain] | None = None, jobs: int = 1,
                  on_problem=None) -> Iterator[Classified]:
    """Classify every named row of a registry file, in file order, calling ``on_problem``
    for each problem. With ``jobs`` > 1 a CSV is cut at record boundaries
    (``registry_chunks``) and classified in that many processes; the output is the same."""
    from gxatlas.analysis.registry import registry_chunks

    chains = tuple(chains) if chains is not None else None
    clf = classifier(chains=chains)
    if jobs <= 1 or path.lower().endswith((".xlsx", ".xlsm")):
        for name, scored in _classify_names(path, None, clf, on_problem):
            yield Classified(name, scored, clf)
        return
    import multiprocessing

    chunks = registry_chunks(path, parts=jobs * 8)
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for results, problems in pool.imap(_classify_chunk, [(c, chains) for c in chunks]):
            for p in problems:
                if on_problem is not None:
                    on_problem(p)
            for name, scored in results:
                yield Classified(name, scored, clf)


def enterprises_from_kb(*, db_url: str | None) -> Iterable[tuple[str, str]]:
    """``(name, scope)`` of every enterprise in the knowledge base, streamed. The KB is opened
    at once, so a missing KB is an error before any output is written."""
    from gxatlas.analysis.kbdata import enterprise_rows
    from gxatlas.kb.store import open_kb

    kb = open_kb(db_url)

    def rows() -> Iterable[tuple[str, str]]:
        with kb.session(write=False) as s:
            yield from enterprise_rows(s)

    return rows()

"""``kb.bulk``'s array parameters and COPY encoding keep every value as it is (issue 16):
names with quotes, backslashes, commas, braces, blanks, tabs and newlines are found and
stored exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gxatlas.kb import bulk
from gxatlas.kb.models import Alias
from gxatlas.kb.store import open_kb

AWKWARD = ['a"b', "c\\d", "", "NULL", "中文 名", " lead", "trail ", "{x}", "a,b", "it's",
           '\\"', "tab\there", "nl\nx", "cr\rx", "\\N", "unit\x1fsep", "南宁市青秀区"]


def _check(url: str) -> None:
    kb = open_kb(url, create=True)
    rows = [{"entity_type": "enterprise", "entity_id": i + 1, "alias": v, "key": f"k{i}:{v}",
             "loose": v} for i, v in enumerate(AWKWARD)]
    with kb.session() as s:
        bulk.insert_rows(s, Alias, rows)
    with kb.session() as s:
        stored = [tuple(r) for r in s.execute(select(Alias.alias, Alias.key, Alias.loose)
                                              .where(Alias.entity_type == "enterprise")
                                              .order_by(Alias.entity_id))]
        assert stored == [(r["alias"], r["key"], r["loose"]) for r in rows]
        found = sorted(loose for _, loose in bulk.rows_where_in(
            s, (Alias.entity_id, Alias.loose), Alias.loose, AWKWARD[::-1] + ["absent"],
            Alias.entity_type == "enterprise"))
        assert found == sorted(AWKWARD)
        plain = [v for v in AWKWARD if v.isalnum()]  # a list no value of which needs escaping
        assert sorted(loose for _, loose in bulk.rows_where_in(
            s, (Alias.entity_id, Alias.loose), Alias.loose, plain,
            Alias.entity_type == "enterprise")) == sorted(plain)
        ids = sorted(eid for (eid,) in bulk.rows_where_in(
            s, (Alias.entity_id,), Alias.entity_id, [3, 1, 99], Alias.entity_type == "enterprise"))
        assert ids == [1, 3]


def test_awkward_values_on_sqlite(tmp_path) -> None:
    _check(f"sqlite:///{tmp_path / 'kb.sqlite'}")


@pytest.mark.postgres
def test_awkward_values_on_postgresql(fresh_pg) -> None:
    _check(fresh_pg())

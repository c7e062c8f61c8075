"""Rebuild gxatlas/data/countries.csv: the ISO 3166-1 countries with their codes and names.

Source: the iso-codes database (Debian's ISO 3166-1 list and its zh_CN translation) as shipped
by the ``pycountry`` package; run with pycountry installed (it is not a dependency of gxatlas):

    pip install pycountry && python scripts/build_countries.py

Columns: alpha2, alpha3, numeric, name_en, name_zh. Used to resolve the regions of a region ×
industry table written with ISO codes or English/Chinese country names (``gxatlas.data.countries``).
"""

from __future__ import annotations

import csv
import gettext
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parents[1] / "gxatlas" / "data" / "countries.csv"
# shorter Chinese names in common use, where iso-codes gives the long form
COMMON_ZH = {"TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门", "KR": "韩国",
             "KP": "朝鲜", "LA": "老挝", "VN": "越南", "RU": "俄罗斯", "US": "美国",
             "GB": "英国", "IR": "伊朗", "SY": "叙利亚", "BO": "玻利维亚", "VE": "委内瑞拉",
             "TZ": "坦桑尼亚", "MD": "摩尔多瓦", "BN": "文莱"}


def main() -> None:
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        name_zh = COMMON_ZH.get(c.alpha_2) or zh.gettext(c.name)
        rows.append((c.alpha_2, c.alpha_3, c.numeric, c.name, name_zh))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["alpha2", "alpha3", "numeric", "name_en", "name_zh"])
        w.writerows(rows)
    print(f"wrote {len(rows)} countries to {OUT}")


if __name__ == "__main__":
    main()

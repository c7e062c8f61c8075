"""Throughput and peak memory of `gxatlas enterprises classify FILE --format json`.

    .venv/bin/python bench/classify_bench.py [--sizes 100000,1000000] [--dir /tmp/gxbench]

Generates synthetic registries (CSV: name, unified social credit code with a valid check digit,
address, capital, date founded, business scope) with realistic Chinese company names and
registry-style scopes: about 40% manufacturers on some chain (battery materials, auto parts,
aluminium, sugar, paper, medicine …) and 60% firms off every chain (餐饮, 咨询, 物业, 贸易,
建筑, 物流 …), each scope 3–12 items with the permit headers and boilerplate of real records.
Each size is classified end to end by the CLI in a fresh process (reading CSV, validating,
classifying, writing JSON to /dev/null); rows/s and the child's peak RSS (wait4) are reported.
Target: 1,000,000 rows in under 5 minutes and under 2 GB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from stdnum.cn import uscc

PLACES = {
    "南宁市": ["青秀区", "兴宁区", "江南区", "西乡塘区", "良庆区", "邕宁区", "武鸣区", "横州市", "宾阳县"],
    "柳州市": ["城中区", "鱼峰区", "柳南区", "柳北区", "柳江区"],
    "桂林市": ["秀峰区", "七星区", "象山区", "临桂区"],
    "梧州市": ["万秀区", "长洲区", "龙圩区", "藤县"],
    "北海市": ["海城区", "银海区", "铁山港区", "合浦县"],
    "防城港市": ["港口区", "防城区", "东兴市"],
    "钦州市": ["钦南区", "钦北区", "灵山县", "浦北县"],
    "贵港市": ["港北区", "港南区", "覃塘区", "桂平市"],
    "玉林市": ["玉州区", "福绵区", "北流市", "容县"],
    "百色市": ["右江区", "田阳区", "平果市"],
    "贺州市": ["八步区", "平桂区", "钟山县"],
    "河池市": ["金城江区", "宜州区", "南丹县"],
    "来宾市": ["兴宾区", "象州县", "合山市"],
    "崇左市": ["江州区", "扶绥县", "凭祥市"],
}
ZIHAO = list("华盛鑫恒泰源达通宏兴瑞丰鼎嘉隆远博联创腾桂邕柳南海金银山川江河东西中新福安康和佳美")
STREETS = ["民族大道", "友谊路", "东葛路", "科园大道", "航鹰大道", "解放路", "工业大道", "滨江路",
           "新兴路", "长江路", "北部湾大道", "园区一路", "创业路", "金桥路"]
SUFFIX = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "厂", "经营部"]
HEAD = ["一般项目：", "一般项目：", "许可项目：", ""]
TAIL = ["（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
        "（依法须经批准的项目，经相关部门批准后方可开展经营活动）", ""]
# (name word, core items): on-chain manufacturers
MAKERS = [
    ("新能源材料", ["锂离子电池正极材料生产", "磷酸铁锂研发、生产", "电子专用材料制造", "碳酸锂加工"]),
    ("电池科技", ["电池制造", "锂离子电池组装", "储能系统集成", "电池零配件生产"]),
    ("汽车零部件", ["汽车零部件及配件制造", "汽车座椅生产", "模具制造", "冲压件加工"]),
    ("铝业", ["铝型材挤压加工", "铝板带箔生产", "有色金属压延加工", "铝合金门窗制造"]),
    ("糖业", ["白砂糖生产", "甘蔗种植", "糖蜜综合利用", "食品生产"]),
    ("纸业", ["机制纸及纸板制造", "纸浆制造", "生活用纸生产", "纸箱制造"]),
    ("药业", ["中药饮片加工", "中成药生产", "药品生产", "中药材种植"]),
    ("船舶", ["钢质船舶制造", "船舶修理", "船舶配套设备制造"]),
    ("机械", ["矿山机械制造", "破碎设备生产", "工程机械零部件加工", "液压件制造"]),
    ("电子", ["电子元器件制造", "印制电路板生产", "显示模组生产", "电子产品销售"]),
    ("化工", ["专用化学产品制造（不含危险化学品）", "涂料制造", "塑料制品制造", "化工产品销售"]),
    ("钙业", ["重质碳酸钙粉生产", "非金属矿物制品制造", "石灰石开采"]),
    ("钢铁", ["钢压延加工", "冷轧薄板生产", "钢结构制造", "金属材料销售"]),
]
# off every chain
OTHERS = [
    ("餐饮管理", ["餐饮服务", "餐饮管理", "食品销售", "外卖递送服务"]),
    ("企业管理咨询", ["企业管理咨询", "商务信息咨询", "市场调查", "会议及展览服务"]),
    ("物业服务", ["物业管理", "保洁服务", "停车场服务", "园林绿化工程施工"]),
    ("商贸", ["日用百货销售", "五金产品零售", "电子产品销售", "服装服饰批发", "电池销售"]),
    ("建筑工程", ["建设工程施工", "市政设施管理", "装饰装修", "土石方工程施工"]),
    ("物流", ["普通货物仓储服务", "道路货物运输", "装卸搬运", "国内货物运输代理"]),
    ("文化传媒", ["广告设计、代理", "广告制作", "组织文化艺术交流活动", "摄影扩印服务"]),
    ("房地产开发", ["房地产开发经营", "住房租赁", "物业管理"]),
    ("农业开发", ["水稻种植", "蔬菜种植", "家禽饲养", "农产品的生产、销售、加工、运输"]),
    ("教育科技", ["教育咨询服务", "非学历职业技能培训", "软件开发", "技术服务、技术开发"]),
    ("汽车销售服务", ["汽车新车销售", "二手车经纪", "机动车修理和维护", "汽车装饰用品销售"]),
    ("酒店管理", ["住宿服务", "餐饮服务", "酒店管理", "洗烫服务"]),
]
FILLER = ["技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "货物进出口", "技术进出口",
          "信息咨询服务（不含许可类信息咨询服务）", "办公用品销售", "机械设备租赁", "劳务服务",
          "日用品销售", "建筑材料销售", "金属材料销售", "五金产品批发", "互联网销售（除销售需要许可的商品）",
          "专业设计服务", "普通机械设备安装服务", "包装服务", "家用电器销售"]


def _credit_code(rng: random.Random, county_code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "92" if rng.random() < 0.2 else "91"
    body += county_code + "MA" + "".join(rng.choice(alphabet) for _ in range(7))
    return body + uscc.calc_check_digit(body)


# words a real registry puts before its products (``diverse``)
QUALIFIERS = ["高纯", "新型", "精密", "智能", "环保", "节能", "特种", "复合", "功能性", "改性",
              "再生", "绿色", "生物基", "有机", "数控", "自动化", "轻量化", "微型", "大型", "中小型",
              "工业用", "民用", "医用", "食品级", "电子级", "光伏", "风电", "储能", "船用", "车用",
              "建筑用", "农用", "家用", "高端", "高性能", "低碳", "可降解", "纳米", "超细", "耐高温"]


def generate(path: Path, rows: int, *, seed: int = 42, diverse: bool = False) -> None:
    """A synthetic registry of ``rows`` enterprises. Its scopes are drawn from ~110 phrases,
    so nearly every scope item repeats; ``diverse`` puts a qualifier and two random
    characters before each item, so that items rarely repeat (the same rows otherwise)."""
    rng = random.Random(seed)
    vary = random.Random(seed + 1)
    prefectures = list(PLACES)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["企业名称", "统一社会信用代码", "住所", "注册资本", "成立日期", "经营范围"])
        for i in range(rows):
            pref = rng.choice(prefectures)
            county = rng.choice(PLACES[pref])
            maker = rng.random() < 0.4
            word, core = rng.choice(MAKERS if maker else OTHERS)
            name = (("广西" if rng.random() < 0.3 else pref[:-1]) + rng.choice(ZIHAO)
                    + rng.choice(ZIHAO) + word + rng.choice(SUFFIX))
            items = rng.sample(core, k=rng.randint(1, len(core)))
            items += rng.sample(FILLER, k=rng.randint(2, 8))
            if rng.random() < 0.3:
                items.reverse()
            if diverse:
                items = [vary.choice(QUALIFIERS) + chr(vary.randint(0x4E00, 0x9FA5))
                         + chr(vary.randint(0x4E00, 0x9FA5)) + item for item in items]
            scope = rng.choice(HEAD) + "；".join(items) + rng.choice(TAIL)
            address = (f"广西壮族自治区{pref}{county}{rng.choice(STREETS)}{rng.randint(1, 999)}号")
            code = _credit_code(rng, "4501%02d" % rng.randint(0, 99))
            w.writerow([name, code, address, f"{rng.choice([10, 50, 100, 500, 1000, 5000])}万元人民币",
                        dt.date(rng.randint(1995, 2025), rng.randint(1, 12),
                                rng.randint(1, 28)).isoformat(),
                        scope])


def run(path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in bytes) of the CLI classifying ``path`` in a
    child process (CPU time is what the box's other load cannot inflate)."""
    cmd = [sys.executable, "-m", "gxatlas.cli", "enterprises", "classify", str(path),
           "--format", "json"]
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"classify failed: {err[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--dir", default="/tmp/gxatlas-classify-bench")
    args = ap.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU")
    for n in (int(s) for s in args.sizes.split(",")):
        path = out / f"registry_{n}.csv"
        if not path.exists():
            t = time.perf_counter()
            generate(path, n)
            print(f"generated {n:,} rows ({path.stat().st_size / 1e6:.0f} MB) "
                  f"in {time.perf_counter() - t:.0f} s")
        secs, cpu, rss = run(path)
        print(f"{n:>9,} rows: {secs:7.1f} s wall ({n / secs:8,.0f} rows/s), {cpu:7.1f} s CPU "
              f"({n / cpu:8,.0f} rows/s), peak RSS {rss / 2**20:5.0f} MiB"
              f"  [target for 1M: < 300 s, < 2048 MiB]")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

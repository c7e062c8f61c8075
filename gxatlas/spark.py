"""The pipeline on Apache Spark: the CLI's own functions applied per partition, Parquet out.

For registries and archives that outgrow one machine (`gxatlas spark classify|extract`):

* **classify**: a CSV registry is cut into chunks that start at record boundaries
  (``analysis.registry.registry_chunks``); each task reads its chunks with the CLI's reader
  (``registry_records``), classifies every named record as `gxatlas enterprises classify`
  does (``analysis.classify``) and validates it as `gxatlas enterprises import` does
  (``validate_record``). One Parquet row per record: ``source, line, name, links`` (the
  CLI's JSON, as a string), ``valid`` and the validated fields, and ``problems``.
  XLSX files and directories of files are one task per file.
* **extract**: one task per document: ``ingest.read`` then ``extract.extract`` (with the
  KB's names when ``--db`` is given, as `gxatlas ingest` does; without, as `gxatlas
  extract`). One Parquet row per document: ``path, doc, records`` (the exchange-format
  records `gxatlas extract` prints, as JSON strings), ``error`` and ``payload`` (the
  document and its facts, pickled, for `gxatlas ingest --from-parquet`).

`gxatlas enterprises import --from-parquet` and `gxatlas ingest --from-parquet` load the
results into the KB with the bulk paths (``kb.bulk``). The payload is read back by the
same gxatlas version only. Input paths must be readable at the same path on every worker
(a shared mount); PySpark is an optional dependency (``pip install gxatlas[spark]``).
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from gxatlas.errors import GxatlasError, InputError

REGISTRY_FIELDS = ("credit_code", "region", "address", "registered_capital", "founded", "scope",
                   "revenue", "tags", "county", "region_code", "currency")


def spark_session(master: str | None = None, *, app: str = "gxatlas"):
    """A SparkSession: ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``) or, when
    None, whatever ``spark-submit`` or the environment configured (local[*] otherwise)."""
    try:
        with warnings.catch_warnings():  # "PySpark does not yet fully support pandas >= 3"
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession
    except ImportError as err:
        raise GxatlasError("未安装 PySpark：pip install 'gxatlas[spark]' (PySpark is not "
                           "installed; it needs a Java 17+ runtime too)") from err
    # workers run this interpreter (with gxatlas installed) unless told otherwise; on a
    # cluster set PYSPARK_PYTHON to the nodes' Python that has gxatlas (see README)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # PySpark warns about pandas 3 on every DataFrame built; the jobs use no pandas API
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    builder = (SparkSession.builder.appName(app).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", str(sys.stderr.isatty()).lower()))
    if master:
        builder = builder.master(master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# --- classify ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Task:
    """One unit of work: a chunk of a CSV, or a whole file."""

    path: str
    chunk: Any = None  # analysis.registry.Chunk


def registry_tasks(paths: Sequence[str], *, parts: int) -> list[_Task]:
    """The tasks of a registry (a file or a directory of CSV/XLSX files): CSV files cut into
    about ``parts`` chunks in all, other files whole."""
    from gxatlas.analysis.registry import registry_chunks

    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*")
                                if f.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(str(p), "文件不存在")
    if not files:
        raise GxatlasError("没有可读的名录文件 (no registry files)")
    total = sum(f.stat().st_size for f in files) or 1
    tasks: list[_Task] = []
    for f in files:
        if f.suffix.lower() in (".xlsx", ".xlsm"):
            tasks.append(_Task(str(f)))
            continue
        n = max(1, round(parts * f.stat().st_size / total))
        tasks.extend(_Task(str(f), c) for c in registry_chunks(f, parts=n))
    return tasks


def _problem_dicts(items: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"severity": p.severity, "field": p.field, "problem": p.problem} for p in items]


def classify_task(task: _Task, *, chain_ids: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """The Parquet rows of one task (see the module doc): the CLI's reader, classifier and
    checks, record by record."""
    from gxatlas.analysis.classify import classifier
    from gxatlas.analysis.registry import (RegistryProblem, RegistryRow, name_row,
                                           region_resolver, registry_records, validate_record)
    from gxatlas.data.chains import find_chain

    clf = classifier(chains=tuple(find_chain(c) for c in chain_ids) or None)
    resolver = region_resolver()
    seen_codes: dict[str, int] = {}
    for item in registry_records(task.path, need_scope=True, chunk=task.chunk):
        if isinstance(item, RegistryProblem):  # an unreadable row, or an unused column
            yield _record(task.path, item.line, problems=[item])
            continue
        line, rec = item
        named = name_row(line, rec)
        if isinstance(named, RegistryProblem):
            yield _record(task.path, line, problems=[named])
            continue
        links = [h.to_dict() for h in clf.classify(named.name, named.scope)]
        checked = list(validate_record(line, rec, resolver=resolver, seen_codes=seen_codes))
        row = next((x for x in checked if isinstance(x, RegistryRow)), None)
        yield _record(task.path, line, name=named.name, links=links, row=row,
                      problems=[x for x in checked if isinstance(x, RegistryProblem)])


def _record(source: str, line: int, *, name: str | None = None,
            links: list[dict[str, Any]] | None = None, row: Any = None,
            problems: Sequence[Any] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": source, "line": line, "name": name,
        "links": json.dumps(links, ensure_ascii=False, separators=(",", ":"))
        if links is not None else None,
        "chain_links": [f"{h['chain']}/{h['link']}" for h in links or ()],
        "valid": row is not None, "problems": _problem_dicts(problems),
        "full_name": row.name if row is not None else None}
    for f in REGISTRY_FIELDS:
        v = getattr(row, f) if row is not None else None
        if f == "founded" and v is not None:
            v = v.isoformat()
        if f == "tags":
            v = list(v) if v else []
        out[f] = v
    return out


def _classify_schema():
    from pyspark.sql.types import (ArrayType, BooleanType, DoubleType, IntegerType, StringType,
                                   StructField, StructType)

    problem = StructType([StructField("severity", StringType()), StructField("field", StringType()),
                          StructField("problem", StringType())])
    fields = [StructField("source", StringType()), StructField("line", IntegerType()),
              StructField("name", StringType()), StructField("links", StringType()),
              StructField("chain_links", ArrayType(StringType())),
              StructField("valid", BooleanType()), StructField("problems", ArrayType(problem)),
              StructField("full_name", StringType())]
    types = {"registered_capital": DoubleType(), "revenue": DoubleType(),
             "tags": ArrayType(StringType())}
    fields += [StructField(f, types.get(f, StringType())) for f in REGISTRY_FIELDS]
    return StructType(fields)


def spark_classify(spark: Any, paths: Sequence[str], *, out: str,
                   chain_ids: Sequence[str] = (), parts: int | None = None) -> int:
    """Classify and validate a registry on Spark; write Parquet to ``out``. Returns the
    number of records written."""
    from gxatlas.data.chains import find_chain

    for c in chain_ids:
        find_chain(c)  # an unknown chain is an error before any work
    sc = spark.sparkContext
    tasks = registry_tasks(paths, parts=parts or max(2, sc.defaultParallelism * 2))
    chains = tuple(chain_ids)
    rdd = sc.parallelize(tasks, len(tasks)).flatMap(
        lambda t: classify_task(t, chain_ids=chains))
    fields = _classify_schema().fieldNames()
    frame = spark.createDataFrame(rdd.map(lambda r: tuple(r[f] for f in fields)),
                                  _classify_schema())
    frame.write.mode("overwrite").parquet(out)
    return spark.read.parquet(out).count()


# --- extract -------------------------------------------------------------------------------

def extract_task(path: str, *, gazetteer: Any = None) -> dict[str, Any]:
    """The Parquet row of one document: `gxatlas extract`'s read and extract, within the
    same resource limits (``pipeline.read_and_extract``; limits from GXATLAS_LIMIT_*)."""
    from gxatlas.pipeline import read_and_extract

    try:
        doc, facts, _ = read_and_extract(path, gazetteer=gazetteer, fork=True)
    except GxatlasError as err:
        return {"path": path, "doc": None, "sha256": None, "facts": 0, "records": [],
                "error": str(err), "payload": None}
    records = [json.dumps(f.to_record(), ensure_ascii=False) for f in facts]
    return {"path": path, "doc": doc.name, "sha256": doc.sha256, "facts": len(facts),
            "records": records, "error": None,
            "payload": pickle.dumps((doc, facts), protocol=pickle.HIGHEST_PROTOCOL)}


def _extract_schema():
    from pyspark.sql.types import (ArrayType, BinaryType, IntegerType, StringType,
                                   StructField, StructType)

    return StructType([StructField("path", StringType()), StructField("doc", StringType()),
                       StructField("sha256", StringType()), StructField("facts", IntegerType()),
                       StructField("records", ArrayType(StringType())),
                       StructField("error", StringType()), StructField("payload", BinaryType())])


def spark_extract(spark: Any, paths: Sequence[str], *, out: str, gazetteer: Any = None) -> int:
    """Extract the facts of every document under ``paths`` on Spark (one task per file);
    write Parquet to ``out``. Returns the number of documents."""
    from gxatlas.ingest import iter_files

    files = [str(f) for f in iter_files(list(paths))]
    if not files:
        raise GxatlasError("没有可读取的文档 (no supported documents)")
    sc = spark.sparkContext
    names = sc.broadcast(gazetteer) if gazetteer is not None else None
    rdd = sc.parallelize(files, min(len(files), max(1, sc.defaultParallelism * 4))).map(
        lambda p: extract_task(p, gazetteer=names.value if names is not None else None))
    fields = _extract_schema().fieldNames()
    frame = spark.createDataFrame(rdd.map(lambda r: tuple(r[f] for f in fields)),
                                  _extract_schema())
    frame.write.mode("overwrite").parquet(out)
    return len(files)


# --- reading the results back (no Spark needed) --------------------------------------------

def read_parquet(path: str | Path, *, columns: Sequence[str] | None = None,
                 batch_rows: int = 20_000) -> Iterator[dict[str, Any]]:
    """The rows of a Parquet file or directory written by these jobs, in the order they
    were written (part files in name order), a batch at a time."""
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "不存在 (no such Parquet file or directory)")
    files = sorted(p.glob("*.parquet")) if p.is_dir() else [p]
    if not files:
        raise InputError(str(p), "目录中没有 Parquet 文件 (no .parquet files)")
    for f in files:
        try:
            pf = pq.ParquetFile(f)
        except (OSError, ValueError) as err:
            raise InputError(str(f), f"不是可读的 Parquet 文件: {err}") from err
        for batch in pf.iter_batches(batch_size=batch_rows, columns=list(columns) if columns
                                     else None):
            yield from batch.to_pylist()


def registry_items(path: str | Path) -> Iterator[Any]:
    """RegistryRow and RegistryProblem items of a `spark classify` result, in file order:
    what ``iter_registry`` gives for the same registry."""
    import datetime as dt

    from gxatlas.analysis.registry import RegistryProblem, RegistryRow

    for rec in read_parquet(path):
        for p in rec["problems"] or ():
            yield RegistryProblem(rec["line"], p["problem"], p["severity"], p["field"])
        if rec["valid"]:
            values = {f: rec[f] for f in REGISTRY_FIELDS}
            values["tags"] = tuple(values["tags"] or ())
            values["founded"] = dt.date.fromisoformat(values["founded"]) \
                if values["founded"] else None
            values["scope"] = values["scope"] or ""
            yield RegistryRow(line=rec["line"], name=rec["full_name"], **values)


def parquet_digest(path: str | Path) -> str:
    """SHA-256 of a `spark classify` result's valid rows (its content, whatever the files)."""
    import hashlib

    from gxatlas.analysis.registry import RegistryRow

    digest = hashlib.sha256()
    for item in registry_items(path):
        if isinstance(item, RegistryRow):
            digest.update(repr(item).encode("utf-8"))
    return digest.hexdigest()


def documents(path: str | Path) -> Iterator[tuple[str, Any, list[Any] | None, str | None]]:
    """(path, Document, facts, error) of each document of a `spark extract` result."""
    for rec in read_parquet(path, columns=("path", "error", "payload"), batch_rows=64):
        if rec["error"] is not None:
            yield rec["path"], None, None, rec["error"]
            continue
        doc, facts = pickle.loads(rec["payload"])
        yield rec["path"], doc, facts, None

"""Issue 14, row 2: a DOCX of under 1 MB whose document.xml inflates to 900 MB is refused by
its declared sizes before any part is inflated, with one line naming the file and the limit;
the batch goes on, and the API refuses the upload on arrival while the server answers."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main
from gxatlas.errors import InputError
from gxatlas.ingest import read
from gxatlas.ingest.limits import Limits
from hostile_inputs import docx_bomb, docx_lying_sizes

_spec = importlib.util.spec_from_file_location(
    "ingest_fixtures", Path(__file__).parent / "fixtures" / "ingest" / "make_fixtures.py")
assert _spec is not None and _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "a_bomb.docx"
    path.write_bytes(docx_bomb(fx.docx(), 900 << 20))
    assert path.stat().st_size < 2 << 20
    return path


def test_bomb_is_refused_by_declared_size(bomb: Path) -> None:
    with pytest.raises(InputError) as info:
        read(bomb)
    message = str(info.value)
    assert message.startswith(f"{bomb}: ") and "\n" not in message
    assert "word/document.xml expands to 900.0 MB" in message and "max_part_mb = 64" in message


def test_total_and_entry_limits(bomb: Path) -> None:
    with pytest.raises(InputError, match="max_unzipped_mb"):
        read(bomb, limits=Limits(max_part_mb=1000, max_unzipped_mb=500))
    with pytest.raises(InputError, match="max_zip_entries"):
        read(bomb, limits=Limits(max_zip_entries=3))


def test_a_part_that_inflates_past_its_declared_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "liar.docx"
    path.write_bytes(docx_lying_sizes(fx.docx(), real=64 << 20, declared=1000))
    with pytest.raises(InputError, match="not a valid .docx"):
        read(path)


def test_batch_goes_on_past_the_bomb(bomb: Path, atlas_url: str, tmp_path: Path) -> None:
    good = tmp_path / "b_plan.docx"
    good.write_bytes(fx.docx())
    r = CliRunner().invoke(main, ["--db", atlas_url, "ingest", str(bomb), str(good), "--json",
                                  "--limit", "max_memory_mb=400"])
    assert r.exit_code == 1
    assert [x["status"] for x in json.loads(r.stdout)] == ["added"]
    assert "max_part_mb" in r.stderr and str(bomb) in r.stderr


def test_api_upload_of_the_bomb_is_refused(bomb: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from gxatlas.api.app import create_app
    from gxatlas.api.auth import add_user
    from gxatlas.kb.store import open_kb

    kb = open_kb(f"sqlite:///{tmp_path / 'kb.sqlite'}", create=True)
    with kb.session() as s:
        _user, token = add_user(s, name="w", role="write")
    client = TestClient(create_app(kb=kb))
    headers = {"Authorization": f"Bearer {token}"}
    res = client.post("/api/documents", headers=headers,
                      files={"file": ("bomb.docx", io.BytesIO(bomb.read_bytes()))})
    assert res.status_code == 413  # refused on arrival: no job, nothing inflated
    assert res.json()["detail"].startswith("bomb.docx: ") and "max_part_mb" in res.text
    assert client.get("/api/health").status_code == 200
    kb.dispose()

"""Issue 14, row 6: a copy-protected PDF (owner password only, as government PDFs often are)
is read, including one whose writer left the CID font's character collection unencrypted
(its text came out as `(cid:N)` and the file was refused as having no readable text)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gxatlas.ingest import read
from gxatlas.ingest.pdfguard import collection_of_cmap

TEXT = "示例市到2025年工业总产值达到500亿元。"


def _reportlab_protected(strength: int) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=1, canCopy=0,
                                        canModify=0, canAnnotate=0, strength=strength)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=enc)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 760, TEXT)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("strength", [40, 128])
def test_owner_password_only_pdf_is_read(tmp_path: Path, strength: int) -> None:
    path = tmp_path / f"protected-{strength}.pdf"
    path.write_bytes(_reportlab_protected(strength))
    assert TEXT in read(path).text


@pytest.mark.parametrize("algorithm", ["RC4-40", "RC4-128", "AES-128", "AES-256"])
def test_owner_password_only_pdf_of_other_writers(tmp_path: Path, algorithm: str) -> None:
    import pypdf
    from pypdf.constants import UserAccessPermissions

    source = tmp_path / "plain.pdf"
    source.write_bytes(_reportlab_plain())
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(source))
    writer.encrypt(user_password="", owner_password="owner", algorithm=algorithm,
                   permissions_flag=UserAccessPermissions.PRINT)
    path = tmp_path / "protected.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert TEXT in read(path).text


def _reportlab_plain() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 760, TEXT)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_collections_of_predefined_cmaps() -> None:
    assert collection_of_cmap("UniGB-UCS2-H") == (b"Adobe", b"GB1")
    assert collection_of_cmap("GBK-EUC-H") == (b"Adobe", b"GB1")
    assert collection_of_cmap("UniCNS-UTF16-H") == (b"Adobe", b"CNS1")
    assert collection_of_cmap("ETen-B5-H") == (b"Adobe", b"CNS1")
    assert collection_of_cmap("UniJIS-UCS2-H") == (b"Adobe", b"Japan1")
    assert collection_of_cmap("KSCms-UHC-H") == (b"Adobe", b"Korea1")
    assert collection_of_cmap("Identity-H") is None

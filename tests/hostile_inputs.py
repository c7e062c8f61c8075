"""Hostile inputs made on the fly, small on disk and quick to make (issue 14's table).

Nothing here is committed as a file: a "bomb" is built from a deflate block of zeros that is
repeated (each block ends with a full flush, so every block compresses to the same bytes),
which makes a 900 MB part or a 1 GB stream in well under a second.
`bench/hostile_inputs.py` measures time and memory on the same inputs.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

_CHUNK = 4 << 20
_FILLER = b" " * _CHUNK


def _deflate_repeated(total: int) -> tuple[bytes, int, int]:
    """Raw deflate data of ``total`` spaces (a multiple of 4 MB), with its CRC-32 and size."""
    assert total % _CHUNK == 0
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(_FILLER) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(_FILLER) + comp.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a full flush should make every block the same"
    n = total // _CHUNK
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(_FILLER, crc)
    return block * n + comp.flush(), crc, total


def _adler32_of_repeated(total: int) -> int:
    value = 1
    for _ in range(total // _CHUNK):
        value = zlib.adler32(_FILLER, value)
    return value


def flate_bomb(total: int) -> bytes:
    """A zlib (FlateDecode) stream that inflates to ``total`` bytes of spaces."""
    raw, _crc, _size = _deflate_repeated(total)
    return b"\x78\xda" + raw + struct.pack(">I", _adler32_of_repeated(total))


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A ZIP archive of (name, deflated data, crc, compressed size, size) members."""
    out = io.BytesIO()
    central = []
    for name, data, crc, csize, size in members:
        offset = out.tell()
        raw_name = name.encode("utf-8")
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, size,
                              len(raw_name), 0))
        out.write(raw_name)
        out.write(data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                   crc, csize, size, len(raw_name), 0, 0, 0, 0, 0, offset)
                       + raw_name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    return out.getvalue()


def docx_bomb(template: bytes, inflated: int = 900 << 20) -> bytes:
    """``template`` (a real .docx) with word/document.xml replaced by ``inflated`` bytes."""
    members = []
    with zipfile.ZipFile(io.BytesIO(template)) as zf:
        for info in zf.infolist():
            if info.filename == "word/document.xml":
                raw, crc, size = _deflate_repeated(inflated)
                members.append((info.filename, raw, crc, len(raw), size))
                continue
            data = zf.read(info.filename)
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            raw = comp.compress(data) + comp.flush()
            members.append((info.filename, raw, zlib.crc32(data), len(raw), len(data)))
    return _zip(members)


def docx_lying_sizes(template: bytes, real: int = 64 << 20, declared: int = 1000) -> bytes:
    """A .docx whose document.xml declares ``declared`` bytes but inflates to ``real``."""
    members = []
    with zipfile.ZipFile(io.BytesIO(template)) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            raw = comp.compress(data) + comp.flush()
            crc, size = zlib.crc32(data), len(data)
            if info.filename == "word/document.xml":
                raw, crc, _size = _deflate_repeated(real)
                size = declared
            members.append((info.filename, raw, crc, len(raw), size))
    return _zip(members)


def pdf_with_stream(stream: bytes, *, flate: bool = True, pages: int = 1) -> bytes:
    """A minimal PDF whose page(s) draw the content ``stream`` (FlateDecode when ``flate``)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    filt = b" /Filter /FlateDecode" if flate else b""
    objects.append(b"<< /Length " + str(len(stream)).encode() + filt + b" >>\nstream\n"
                   + stream + b"\nendstream")
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                       b"/Resources << >> >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def pdf_bomb(inflated: int = 1 << 30) -> bytes:
    """A PDF of about 1 MB whose content stream inflates to ``inflated`` bytes."""
    return pdf_with_stream(flate_bomb(inflated))

"""Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK and Big5.

Chinese text files come in three families of encodings. UTF-8 is tried first, strictly. When
it fails, both GB18030 (a superset of GB2312 and GBK) and the Big5 family can often decode
the same bytes without error, so the winner is the decoding whose Chinese characters are the
common ones (GB2312 level-1 characters, after converting traditional to simplified): the
wrong decoding of a Chinese text gives a scatter of rare characters. charset-normalizer was
tried for this choice and is unreliable on short texts (a two-character GBK file comes out as
Big5), so the choice is made here, deterministically.

Binary content is refused before any decoding: NUL bytes (without a UTF-16 BOM), known binary
magic numbers, or more than 1% control characters in the decoded text.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass

from gxatlas.errors import InputError
from gxatlas.names import to_simplified

__all__ = ["Decoded", "decode", "binary_kind", "TRIED"]

# What the error message says was tried, in the order tried.
TRIED = "UTF-8, GB18030/GBK, Big5"
_BIG5_CODECS = ("big5", "cp950", "big5hkscs")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Magic numbers of binary files that people misname; the name goes into the message.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2/legacy Office file"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"SQLite format 3\x00", "SQLite database"),
)
_SAMPLE = 64 * 1024  # characters scored when GB18030 and Big5 both decode
_TEXT_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a\x1b")  # \x1a: DOS end of file, \x1b: ANSI escapes
_COMMON_PUNCT = frozenset("，。、；：？！“”‘’（）《》【】—…·％")


@dataclass(frozen=True)
class Decoded:
    """Decoded text and the name of the codec that decoded it (``utf-8``, ``gb18030``...)."""

    text: str
    encoding: str


def binary_kind(data: bytes) -> str | None:
    """The kind of binary file ``data`` starts like (``"PDF"``, ``"PNG image"``...), else None.

    Text with a byte-order mark is never binary; other text with a NUL byte in its first 8 KB
    is ``"binary data"``.
    """
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if magic == b"MZ" and b"\x00" not in data[:512]:
                continue  # a text file that happens to start with "MZ"
            return kind
    if b"\x00" in data[:8192]:
        return "binary data"
    return None


def decode(data: bytes, *, source: str, declared: str | None = None) -> Decoded:
    """Decode the bytes of a text file, or raise :class:`InputError` naming ``source``.

    ``declared`` is the charset the file states (an HTML ``<meta charset>``): it is used when
    it names a known codec that decodes the bytes strictly and they are not valid UTF-8
    (valid UTF-8 is strong evidence, and mislabelled pages are common); GB2312 and GBK are read as their
    superset GB18030. Raises for binary content (magic number, NUL bytes, control characters)
    and for bytes that none of UTF-8, GB18030 or Big5 decodes.
    """
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(source, f"二进制内容，不是文本 (binary content: {kind}, not text)")
    decoded = _decode_text(data, source=source, declared=declared)
    if _too_many_controls(decoded.text):
        raise InputError(source, "二进制内容，不是文本 (binary content: control characters, not text)")
    return decoded


def _decode_declared(data: bytes, declared: str | None) -> Decoded | None:
    if not declared:
        return None
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        return None
    if codec in ("gb2312", "gbk", "euc_cn"):
        codec = "gb18030"
    elif "utf_16" in codec or "utf_32" in codec:
        return None  # a wrong guess: NUL-free text that claims to be UTF-16
    try:
        return Decoded(data.decode(codec), codec.replace("_", "-"))
    except UnicodeDecodeError:
        return None


def _decode_text(data: bytes, *, source: str, declared: str | None) -> Decoded:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(codec.replace("-sig", "")), codec)
            except UnicodeDecodeError as err:
                raise InputError(
                    source, f"无法解码 (undecodable bytes: invalid {codec} at byte "
                            f"{err.start + len(bom)})") from None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err.start
    by_declaration = _decode_declared(data, declared)
    if by_declaration is not None:
        return by_declaration
    if _mostly_utf8(data):
        raise InputError(source, f"无法解码 (undecodable bytes: invalid UTF-8 at byte {utf8_error})")
    gb, gb_error = _try(data, ("gb18030",))
    big5, big5_error = _try(data, _BIG5_CODECS)
    if gb is not None and big5 is not None:
        big5_score = _commonness(big5.text, traditional=True)
        return big5 if big5_score > _commonness(gb.text, traditional=False) else gb
    found = gb or big5
    if found is None:
        raise InputError(
            source, f"无法解码 (undecodable bytes: tried {TRIED}; invalid at byte {utf8_error} "
                    f"as UTF-8, {gb_error} as GB18030, {big5_error} as Big5)")
    return found


def _try(data: bytes, codecs_: tuple[str, ...]) -> tuple[Decoded | None, int]:
    """The first of ``codecs_`` that decodes ``data`` strictly, else the furthest error offset."""
    furthest = 0
    for codec in codecs_:
        try:
            return Decoded(data.decode(codec), codec), -1
        except UnicodeDecodeError as err:
            furthest = max(furthest, err.start)
    return None, furthest


def _mostly_utf8(data: bytes) -> bool:
    """True when ``data`` is UTF-8 text with a few broken bytes (not a legacy encoding).

    In GBK or Big5 text, character pairs form valid UTF-8 sequences only by accident (roughly
    one in ten); in damaged UTF-8 almost all non-ASCII sequences are valid.
    """
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    good = len(loose) - len(loose.encode("ascii", errors="ignore")) - bad
    return good >= 8 and bad * 20 <= good


@functools.lru_cache(maxsize=65536)
def _is_common(ch: str, *, traditional: bool) -> bool:
    """A GB2312 level-1 character (the 3755 most used) or common Chinese punctuation.

    With ``traditional``, the character is first converted to simplified Chinese.
    """
    if ch in _COMMON_PUNCT:
        return True
    simple = to_simplified(ch) if traditional else ch
    try:
        encoded = simple.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


def _commonness(text: str, *, traditional: bool) -> float:
    """Share of the non-ASCII characters of ``text`` (a sample) that are common Chinese.

    A private-use character counts against: decoders produce them only for byte pairs that no
    real text uses.
    """
    sample = [ch for ch in text[:_SAMPLE] if ch > "\x7f" and not ch.isspace()]
    if not sample:
        return 0.0
    score = 0
    for ch in sample:
        if "\ue000" <= ch <= "\uf8ff":
            score -= 4
        elif _is_common(ch, traditional=traditional):
            score += 1
    return score / len(sample)


def _too_many_controls(text: str) -> bool:
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if (ch < " " or "\x7f" <= ch < "\xa0") and ch not in _TEXT_CONTROLS)
    return controls > 0 and controls * 100 > len(sample)

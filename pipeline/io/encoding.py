"""Turn the bytes of a transcript into text: detect the encoding and normalise line endings."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from pipeline.io.segments import UnreadableFile

# Single-byte encodings a Danish Windows machine writes; charset-normalizer picks among them.
_LEGACY_ENCODINGS = ["cp1252", "iso8859_15", "latin_1"]
_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_MAX_CONTROL_SHARE = 0.01


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding) with every line ending turned into "\\n".

    Raises UnreadableFile for an empty or binary file.
    """
    text, encoding = _decode(data) if data.strip() else ("", "")
    if not text.lstrip("\ufeff").strip():
        raise UnreadableFile("empty_file")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise UnreadableFile("binary_file")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableFile("bad_encoding", encoding=encoding) from error
    if b"\x00" in data:
        raise UnreadableFile("binary_file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None:
        raise UnreadableFile("binary_file")
    return str(best), best.encoding

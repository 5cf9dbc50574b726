"""Which text encoding an exported file is in, or a refusal that says how to save it as UTF-8.

UTF-8 (with or without BOM, pure ASCII included) is tried first and is certain when it decodes;
a UTF-16 BOM is certain too. Anything else goes to charset-normalizer, limited to the encodings
exports are really written in (GB18030 covering GBK and GB2312, Big5, Shift-JIS, Windows-1252
covering Latin-1), and is accepted only when one reading clearly beats every other: short samples
of CJK text are often valid in two encodings, and a guess would store mojibake (山田太郎 read as
GB18030 becomes 嶳揷懢榊) where a refusal costs a re-save.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from data_sources.errors import InvalidData, Problem
from errors import Said, either

CANDIDATES = ["gb18030", "big5", "cp932", "cp1252"]
CLOSE = 0.1  # readings whose chaos (share of odd characters) differs by less are a tie: refuse
SAMPLE = 256 * 1024  # bytes of non-ASCII lines given to the detector; enough, and fast on any file
NAMES = {"gb18030": "GB18030", "big5": "Big5", "cp932": "Shift-JIS", "cp1252": "Windows-1252 (Latin-1)"}
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")
HOW_TO_SAVE = Said("error.encoding.how_to_save")


def _unsure(file: str, why: Said) -> InvalidData:
    return InvalidData([Problem(file, None, None, Said("error.encoding.refused", why=why, how=HOW_TO_SAVE))])


def non_ascii_sample(content: bytes) -> bytes:
    """The lines that hold non-ASCII bytes (the only ones that tell encodings apart), up to SAMPLE."""
    sample = bytearray()
    for match in NON_ASCII_LINE.finditer(content):
        sample += match.group()
        if len(sample) >= SAMPLE:
            break
    return bytes(sample)


def detect(sample: bytes, *, file: str) -> str:
    """The encoding of text that is not UTF-8, from a sample of its non-ASCII lines; raises
    InvalidData naming the file when the detector has no reading or two readings are close."""
    if sample.startswith(UTF16_BOMS):
        return "utf-16"
    readings = list(from_bytes(sample, cp_isolation=CANDIDATES)) if sample else []
    if not readings:
        raise _unsure(file, Said("error.encoding.unknown"))
    best = readings[0]
    text = str(best)
    rivals = [r for r in readings[1:] if r.chaos - best.chaos < CLOSE and str(r) != text]
    if rivals:
        names = either([NAMES.get(r.encoding, r.encoding) for r in [best, *rivals]])
        raise _unsure(file, Said("error.encoding.either", names=names))
    return best.encoding


def decode(content: bytes, *, file: str) -> str:
    """Bytes of a text file as text, BOM removed; raises InvalidData when the encoding is unsure."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    encoding = detect(content if content.startswith(UTF16_BOMS) else non_ascii_sample(content), file=file)
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        named = NAMES.get(encoding, encoding)
        raise _unsure(file, Said("error.encoding.except_at", encoding=named, byte=error.start)) from error


def file_encoding(path: Path, *, chunk: int = 4 * 1024 * 1024) -> str:
    """The encoding to read a file that is not UTF-8 with, detected from its non-ASCII lines (read
    a chunk at a time, wherever in the file they are, until there are enough)."""
    with path.open("rb") as handle:
        start = handle.read(chunk)
    if start.startswith(UTF16_BOMS):
        return detect(start, file=path.name)
    return detect(file_sample(path, chunk=chunk), file=path.name)


def file_sample(path: Path, *, chunk: int = 4 * 1024 * 1024) -> bytes:
    """The file's non-ASCII lines that file_encoding detects from: up to SAMPLE bytes of them, the
    first ones. Once a file's first lines fill it, lines added at its end cannot change what is
    detected (data_sources/read_cache.py)."""
    sample, carry = b"", b""
    with path.open("rb") as handle:
        block = handle.read(chunk)
        while block and len(sample) < SAMPLE:
            whole, _, carry = (carry + block).rpartition(b"\n")  # a line cut by the chunk waits for its end
            sample += non_ascii_sample(whole + b"\n") if whole else b""
            block = handle.read(chunk)
    return sample + non_ascii_sample(carry)

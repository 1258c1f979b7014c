"""Word .docx as Teams downloads a transcript: "Name   0:03" on one paragraph, text on the next.

Also reads "Name: text" paragraphs. Locations are paragraph numbers.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError

from pipeline.io.readers.lines import read_lines
from pipeline.io.segments import ReadResult, UnreadableFile

LOCATION = "paragraph"


def read(data: bytes) -> ReadResult:
    if not data.strip():
        raise UnreadableFile("empty_file")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableFile("bad_docx", error=type(error).__name__) from error
    except Exception as error:  # python-docx raises lxml errors for broken XML parts
        raise UnreadableFile("bad_docx", error=type(error).__name__) from error
    paragraphs = [
        (number, line)
        for number, paragraph in enumerate(document.paragraphs, start=1)
        for line in paragraph.text.split("\n")
    ]
    result = read_lines(paragraphs, preamble_is_header=True)
    result.encoding = "docx"
    return result

"""Named downloads: one ``Content-Disposition`` builder for every file the app hands out.

HTTP header values are ISO-8859-1 at most, and a unit or counter name is Vietnamese ("Quầy số
1"): written as is, the header cannot be sent (a 500 under gunicorn). RFC 6266 gives the name
twice: ``filename="…"`` an ASCII fallback for old clients (diacritics dropped, đ → d, anything
unsafe in a quoted string or a file name replaced by ``_``), and ``filename*=UTF-8''…`` the real
name percent-encoded (RFC 8187), which browsers prefer. A name that is already plain ASCII gets
``filename`` only.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

#: What may stay in the ASCII fallback; everything else becomes "_".
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()+,=@-]")
#: What never belongs in a file name: control characters, path separators, quotes.
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f/\\"]')
_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})  # a letter of its own, not d + a mark


def ascii_filename(filename: str) -> str:
    """The ASCII fallback: NFKD without combining marks, đ/Đ → d/D, unsafe characters → _."""
    decomposed = unicodedata.normalize("NFKD", filename.translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UNSAFE_ASCII.sub("_", plain).strip() or "download"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="<ascii>"`` plus ``filename*=UTF-8''<encoded>`` when the name is
    not plain ASCII."""
    name = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", filename)).strip()
    fallback = ascii_filename(name)
    header = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        header += "; filename*=UTF-8''" + quote(name, safe="", errors="replace")
    return header


def download(data: bytes, mimetype: str, filename: str) -> Response:
    """A response offering ``data`` as a file named ``filename``."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response

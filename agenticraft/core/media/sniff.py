"""Media types: told from a content's first bytes (magic numbers) and from a file or URL name.

Only the formats the providers take are recognised; the bytes are never decoded beyond their
signature, so nothing here parses an image or a PDF.
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import urlsplit

__all__ = ["media_type_of_name", "sniff_media_type", "same_media_type"]

_EXTRA_NAMES = {
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}

# equivalent spellings a name, a server or a user may give for one format
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-flac": "audio/flac",
}


def normal_media_type(media_type: str) -> str:
    """``media_type`` lower-cased, without parameters, in its usual spelling."""
    base = media_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def same_media_type(a: str, b: str) -> bool:
    return normal_media_type(a) == normal_media_type(b)


def sniff_media_type(head: bytes) -> str | None:
    """The media type that ``head`` (a content's first bytes; 16 are enough) starts as, or
    ``None`` when it is none of the known binary formats.

    >>> sniff_media_type(b"\\x89PNG\\r\\n\\x1a\\n....")
    'image/png'
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1"):
        return "image/heic"
    return None


def media_type_of_name(name: str) -> str | None:
    """The media type a file name or URL says, from its extension (``None``: it says none)."""
    path = urlsplit(name).path if "://" in name else name
    ext = posixpath.splitext(path.replace("\\", "/"))[1].lower()
    if not ext:
        return None
    known = _EXTRA_NAMES.get(ext)
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(f"x{ext}", strict=False)
    return normal_media_type(guessed) if guessed else None

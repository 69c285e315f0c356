"""Content parts: the images, documents and audio a user message or a tool result carries.

One canonical part per kind of content, whatever the provider: :class:`Image`,
:class:`Document` and :class:`Audio`, each made from a path, bytes with a media type, base64
or a URL. The media type is told from the bytes (their magic number) and checked against the
name; a file is read at once, so a missing one fails at the call that names it.

A part holds its bytes once and encodes them to base64 once (cached), so a conversation that
sends the same image with every turn does the base64 work a single time, and a part read back
from memory (:func:`part_from_dict` keeps the stored base64) does none.

>>> img = Image.from_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8))
>>> img.media_type, img.size
('image/png', 16)
"""

from __future__ import annotations

import base64 as _base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable
from typing import Any, ClassVar, Literal, Self

from agenticraft.core.errors import MediaError
from agenticraft.core.media.sniff import media_type_of_name, normal_media_type, sniff_media_type

__all__ = [
    "Audio",
    "ContentPart",
    "Document",
    "Image",
    "ImageDetail",
    "MediaKind",
    "MediaPart",
    "part_from_dict",
    "part_from_path",
]

MediaKind = Literal["image", "document", "audio"]
ImageDetail = Literal["auto", "low", "high"]


_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_MEDIA_TYPE = re.compile(r"[\w.+/-]*")


def _encode(data: bytes) -> str:
    """The one place bytes become base64 (tests and the bench count the calls)."""
    return _base64.b64encode(data).decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return _base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MediaError(f"not valid base64: {exc}") from None


class MediaPart:
    """What every content part has: a media type, and its content as bytes or at a URL.

    ``name`` is the file name (a document's title); ``cache=True`` asks the provider to cache
    the prompt up to and including this part (Anthropic ``cache_control``; others ignore it).
    A part read back from an event without its bytes has neither (``has_content`` is false)
    and cannot be sent again.
    """

    kind: ClassVar[MediaKind]
    __slots__ = (
        "_b64",
        "_data",
        "_data_url",
        "_digest",
        "_json_safe",
        "_size",
        "_variants",
        "cache",
        "media_type",
        "name",
        "url",
    )

    def __init__(
        self,
        media_type: str | None,
        *,
        data: bytes | None = None,
        base64: str | None = None,
        url: str | None = None,
        name: str | None = None,
        cache: bool = False,
        digest: str | None = None,
        size: int | None = None,
    ) -> None:
        self.media_type: str | None = normal_media_type(media_type) if media_type else None
        self.url = url
        self.name = name
        self.cache = cache
        self._data = data
        self._b64 = base64
        self._data_url: str | None = None
        self._digest = digest
        self._size = size if data is None else len(data)
        self._variants: dict[int, MediaPart] = {}  # downscaled copies by byte limit
        self._json_safe: bool | None = None

    # -- constructors -----------------------------------------------------------------
    @classmethod
    def from_path(
        cls, path: str | os.PathLike[str], *, media_type: str | None = None, **options: Any
    ) -> Self:
        """The file at ``path``, read now (a missing file raises here, not at a later turn)."""
        name = os.fspath(path)
        try:
            with open(name, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"{cls.__name__}.from_path: no such file: {name!r}") from None
        except IsADirectoryError:
            raise MediaError(f"{cls.__name__}.from_path: {name!r} is a directory, not a file") from None
        checked = cls._checked_type(data[:32], media_type, os.path.basename(name), data)
        return cls(checked, data=data, name=os.path.basename(name), **options)

    @classmethod
    def from_bytes(
        cls, data: bytes, media_type: str | None = None, *, name: str | None = None, **options: Any
    ) -> Self:
        """``data`` with its media type (told from the bytes when not given)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise MediaError(f"{cls.__name__}.from_bytes takes bytes, got {type(data).__name__}")
        raw = bytes(data)
        return cls(cls._checked_type(raw[:32], media_type, name, raw), data=raw, name=name, **options)

    @classmethod
    def from_base64(
        cls, data: str, media_type: str | None = None, *, name: str | None = None, **options: Any
    ) -> Self:
        """Base64 text (or a ``data:`` URL); kept as given, so it is never encoded again."""
        text = data.strip()
        if text.startswith("data:"):
            header, _, text = text.partition(",")
            if not header.endswith(";base64"):
                raise MediaError(f"{cls.__name__}.from_base64: a data URL must be base64-encoded")
            media_type = media_type or header[5:].removesuffix(";base64") or None
        head = _decode(text[:44]) if len(text) >= 44 else _decode(text)
        checked = cls._checked_type(head, media_type, name, None)
        part = cls(checked, base64=text, name=name, **options)
        part._size = len(text) * 3 // 4 - text[-2:].count("=")
        return part

    @classmethod
    def from_url(cls, url: str, media_type: str | None = None, **options: Any) -> Self:
        """Content at ``url``; the provider fetches it (Ollama cannot: see its adapter). A
        ``data:`` URL is taken as base64 content."""
        if url.startswith("data:"):
            return cls.from_base64(url, media_type, **options)
        if not url.startswith(("http://", "https://")):
            raise MediaError(f"{cls.__name__}.from_url takes an http(s) or data URL, got {url!r}")
        guessed = media_type or media_type_of_name(url)
        if guessed is not None:
            cls._check_kind(normal_media_type(guessed), url)
        return cls(guessed, url=url, **options)

    @classmethod
    def _checked_type(cls, head: bytes, given: str | None, name: str | None, data: bytes | None) -> str:
        sniffed = sniff_media_type(head)
        if sniffed is None and data is not None and cls.kind == "document" and _is_text(data):
            sniffed = "text/plain"
        named = media_type_of_name(name) if name else None
        label = repr(name) if name else "the content"
        if given is not None:
            given = normal_media_type(given)
            if sniffed is not None and not _compatible(sniffed, given):
                raise MediaError(f"{label} was given as {given}, but its bytes are {sniffed}")
            media_type = given
        elif sniffed is not None:
            if named is not None and not _compatible(sniffed, named):
                raise MediaError(
                    f"{label} is named as {named}, but its bytes are {sniffed}; rename it or pass media_type="
                )
            media_type = named if named is not None and sniffed == "text/plain" else sniffed
        else:
            raise MediaError(
                f"cannot tell the media type of {label} from its bytes; pass media_type= "
                f"(known: PNG, JPEG, GIF, WebP, PDF, WAV, MP3, FLAC, OGG, text)"
            )
        cls._check_kind(media_type, label)
        return media_type

    @classmethod
    def _check_kind(cls, media_type: str, label: str) -> None:
        if not _KIND_CHECK[cls.kind](media_type):
            raise MediaError(
                f"{label} is {media_type}, which is not {_KIND_WORD[cls.kind]}; "
                f"use {_class_name_for(media_type)}"
            )

    # -- content ----------------------------------------------------------------------
    @property
    def has_content(self) -> bool:
        """Whether the part holds its content (bytes or base64) or a URL to it."""
        return self._data is not None or self._b64 is not None or self.url is not None

    @property
    def is_url(self) -> bool:
        return self.url is not None and self._data is None and self._b64 is None

    @property
    def data(self) -> bytes:
        """The bytes (decoded from base64 once, when the part was made from base64)."""
        if self._data is None:
            if self._b64 is None:
                raise MediaError(
                    f"{self!r} holds no bytes ({'a URL' if self.url else 'it was stored without them'})"
                )
            self._data = _decode(self._b64)
            self._size = len(self._data)
        return self._data

    @property
    def base64(self) -> str:
        """The content as base64, encoded on first use only."""
        if self._b64 is None:
            self._b64 = _encode(self.data)
        return self._b64

    @property
    def data_url(self) -> str:
        """``data:<media type>;base64,...``, built once."""
        if self._data_url is None:
            self._data_url = f"data:{self.media_type};base64,{self.base64}"
        return self._data_url

    def json_safe_strings(self) -> tuple[str, ...]:
        """The base64 and data-URL strings this part has built, when JSON can carry them
        unescaped (checked once per part): a request body may then splice them in as they
        are instead of having the encoder scan megabytes of base64 again on every turn."""
        if self._b64 is None:
            return ()
        if self._json_safe is None:
            media_type = self.media_type or ""
            self._json_safe = bool(_BASE64_TEXT.fullmatch(self._b64)) and bool(
                _MEDIA_TYPE.fullmatch(media_type)
            )
        if not self._json_safe:
            return ()
        return (self._b64,) if self._data_url is None else (self._b64, self._data_url)

    @property
    def size(self) -> int | None:
        """The content's size in bytes (``None`` for a URL)."""
        if self._size is None and (self._data is not None or self._b64 is not None):
            return len(self.data)
        return self._size

    @property
    def digest(self) -> str | None:
        """The SHA-256 of the bytes (hex), or ``None`` for a URL: what memory keys a part by."""
        if self._digest is None and (self._data is not None or self._b64 is not None):
            self._digest = hashlib.sha256(self.data).hexdigest()
        return self._digest

    @property
    def label(self) -> str:
        """How errors name the part: ``image 'chart.png' (image/png)``."""
        where = self.name or self.url or (f"{self.size:,} bytes" if self.size is not None else "")
        return f"{self.kind} {where!r} ({self.media_type or 'unknown type'})"

    # -- copies and serialization ---------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        return {}

    def fill(self, data: bytes) -> None:
        """Give a URL part its content, fetched by us (for a provider that cannot fetch URLs):
        kept, so the URL is fetched once per part, and checked against the media type."""
        sniffed = sniff_media_type(data[:32])
        if sniffed is None and self.kind == "document" and _is_text(data):
            sniffed = "text/plain"
        if sniffed is None or not _KIND_CHECK[self.kind](sniffed):
            raise MediaError(
                f"{self.url!r} did not give {_KIND_WORD[self.kind]} ({sniffed or 'unknown bytes'})"
            )
        if self.media_type is not None and not _compatible(sniffed, self.media_type):
            raise MediaError(f"{self.url!r} was named as {self.media_type}, but gave {sniffed}")
        self.media_type = self.media_type or sniffed
        self._data, self._size = data, len(data)

    def with_data(self, data: bytes, media_type: str) -> Self:
        """A copy holding other bytes (a downscaled image, say), with the same options."""
        return type(self)(media_type, data=data, name=self.name, cache=self.cache, **self._options())

    def to_dict(self, *, inline: bool = True) -> dict[str, Any]:
        """Plain JSON; the base64 content only when ``inline`` (else its size and SHA-256)."""
        out: dict[str, Any] = {"kind": self.kind, "media_type": self.media_type}
        if self.url is not None:
            out["url"] = self.url
        if self._data is not None or self._b64 is not None:
            if inline:
                out["data"] = self.base64
            out["size"] = self.size
            out["sha256"] = self.digest
        elif self._digest is not None:
            out["size"], out["sha256"] = self._size, self._digest
        if self.name is not None:
            out["name"] = self.name
        if self.cache:
            out["cache"] = True
        out.update({k: v for k, v in self._options().items() if v is not None})
        return out

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, MediaPart)
        return (self.media_type, self.url, self.digest, self.name, self.cache, self._options()) == (
            other.media_type,
            other.url,
            other.digest,
            other.name,
            other.cache,
            other._options(),
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.media_type, self.url, self.digest))

    def __repr__(self) -> str:
        bits = [f"media_type={self.media_type!r}"]
        if self.name:
            bits.append(f"name={self.name!r}")
        if self.url:
            bits.append(f"url={self.url!r}")
        elif self.size is not None:
            bits.append(f"size={self.size}")
        return f"{type(self).__name__}({', '.join(bits)})"


class Image(MediaPart):
    """An image (PNG, JPEG, GIF, WebP...). ``detail`` is OpenAI's ``low``/``high``/``auto``.

    >>> Image.from_url("https://example.com/a.jpg", detail="low")
    Image(media_type='image/jpeg', url='https://example.com/a.jpg')
    """

    kind: ClassVar[MediaKind] = "image"
    __slots__ = ("detail",)

    def __init__(self, media_type: str | None, *, detail: ImageDetail | None = None, **kwargs: Any) -> None:
        super().__init__(media_type, **kwargs)
        if detail not in (None, "auto", "low", "high"):
            raise MediaError(f"Image detail must be 'auto', 'low' or 'high', got {detail!r}")
        self.detail: ImageDetail | None = detail

    def _options(self) -> dict[str, Any]:
        return {"detail": self.detail}


class Document(MediaPart):
    """A document: a PDF, or plain text (``text/plain``, ``text/markdown``, ...).

    >>> Document.from_text("Total: 42 EUR", name="invoice.txt").text
    'Total: 42 EUR'
    """

    kind: ClassVar[MediaKind] = "document"
    __slots__ = ()

    @classmethod
    def from_text(
        cls, text: str, *, name: str | None = None, media_type: str = "text/plain", **options: Any
    ) -> Self:
        """A plain-text document (Anthropic sends it as a text source)."""
        if not media_type.startswith("text/"):
            raise MediaError(f"Document.from_text takes a text/* media type, got {media_type!r}")
        return cls(media_type, data=text.encode("utf-8"), name=name, **options)

    @property
    def is_text(self) -> bool:
        return (self.media_type or "").startswith("text/")

    @property
    def text(self) -> str:
        """A text document's content."""
        return self.data.decode("utf-8", errors="replace")


class Audio(MediaPart):
    """A sound clip (WAV, MP3, ...): OpenAI ``input_audio``."""

    kind: ClassVar[MediaKind] = "audio"
    __slots__ = ()

    @property
    def format(self) -> str:
        """The short format name OpenAI asks for: ``wav``, ``mp3``, ``flac``..."""
        sub = (self.media_type or "").partition("/")[2]
        return {"mpeg": "mp3", "x-wav": "wav"}.get(sub, sub)


_KIND_CHECK: dict[str, Callable[[str], bool]] = {
    "image": lambda t: t.startswith("image/"),
    "document": lambda t: not t.startswith(("image/", "audio/", "video/")),
    "audio": lambda t: t.startswith("audio/"),
}
_KIND_WORD = {"image": "an image", "document": "a document", "audio": "audio"}


def _class_name_for(media_type: str) -> str:
    return (
        "Image"
        if media_type.startswith("image/")
        else "Audio"
        if media_type.startswith("audio/")
        else "Document"
    )


def _compatible(sniffed: str, other: str) -> bool:
    if sniffed == other:
        return True
    return sniffed == "text/plain" and other.startswith("text/")  # markdown, csv: text all the same


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:4096]:
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= 4090  # a character cut at the 4096-byte mark
    return True


ContentPart = Image | Document | Audio
"""A content part of a user message or a tool result: one of the three kinds."""

_CLASSES: dict[str, type[ContentPart]] = {"image": Image, "document": Document, "audio": Audio}


def part_from_path(path: str | os.PathLike[str]) -> ContentPart:
    """The file at ``path`` as an :class:`Image`, :class:`Document` or :class:`Audio`, chosen
    by its content (what ``agenticraft run --attach FILE`` uses)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            head = f.read(4096)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {name!r}") from None
    media_type = (
        sniff_media_type(head) or media_type_of_name(name) or ("text/plain" if _is_text(head) else None)
    )
    if media_type is None:
        raise MediaError(
            f"cannot tell what {name!r} holds; only images, PDFs, text and audio can be attached"
        )
    cls = _CLASSES[_class_name_for(media_type).lower()]
    return cls.from_path(name)


def part_from_dict(data: dict[str, Any]) -> ContentPart:
    """The part that :meth:`MediaPart.to_dict` produced (its base64 kept as is, not re-encoded)."""
    cls = _CLASSES.get(str(data.get("kind")))
    if cls is None:
        raise ValueError(f"unknown content part kind: {data.get('kind')!r}")
    options: dict[str, Any] = {"name": data.get("name"), "cache": bool(data.get("cache"))}
    if cls is Image and data.get("detail") is not None:
        options["detail"] = data["detail"]
    part = cls(
        data.get("media_type"),
        base64=data.get("data"),
        url=data.get("url"),
        digest=data.get("sha256"),
        size=data.get("size"),
        **options,
    )
    return part

"""Content parts: made from paths, bytes, base64 and URLs; media types sniffed and checked."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from agenticraft import Audio, Document, Image, MediaError
from agenticraft.core.media import parts as media_parts
from agenticraft.core.media.parts import part_from_dict, part_from_path
from agenticraft.core.media.sniff import media_type_of_name, sniff_media_type
from agenticraft.core.messages import Message, TextPart, messages_from_json, messages_to_json

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)
JPEG = b"\xff\xd8\xff\xe0" + bytes(24)
PDF = b"%PDF-1.7\n" + bytes(24)
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(16)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (WAV, "audio/wav"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"plain words", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff_media_type(head) == expected


def test_names() -> None:
    assert media_type_of_name("a/b/Chart.PNG") == "image/png"
    assert media_type_of_name("https://example.com/a.jpg?x=1") == "image/jpeg"
    assert media_type_of_name("notes.md") == "text/markdown"
    assert media_type_of_name("README") is None


def test_from_path_reads_now_and_checks_the_name(tmp_path: Path) -> None:
    (tmp_path / "chart.png").write_bytes(PNG)
    img = Image.from_path(tmp_path / "chart.png", detail="high")
    assert (img.media_type, img.name, img.size, img.detail) == ("image/png", "chart.png", len(PNG), "high")
    assert img.data == PNG
    (tmp_path / "photo.jpg").write_bytes(PNG)
    with pytest.raises(MediaError, match=r"named as image/jpeg, but its bytes are image/png"):
        Image.from_path(tmp_path / "photo.jpg")
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        Image.from_path(tmp_path / "missing.png")
    with pytest.raises(MediaError, match="not an image; use Document"):
        (tmp_path / "doc.pdf").write_bytes(PDF)
        Image.from_path(tmp_path / "doc.pdf")


def test_documents_pdf_and_text(tmp_path: Path) -> None:
    (tmp_path / "invoice.pdf").write_bytes(PDF)
    assert Document.from_path(tmp_path / "invoice.pdf").media_type == "application/pdf"
    (tmp_path / "notes.md").write_text("# Notes\nTotal: 42", encoding="utf-8")
    notes = Document.from_path(tmp_path / "notes.md")
    assert (notes.media_type, notes.is_text, notes.text) == ("text/markdown", True, "# Notes\nTotal: 42")
    assert Document.from_text("hi").media_type == "text/plain"
    with pytest.raises(MediaError, match="cannot tell"):
        Document.from_bytes(b"\x00\x01\x02binary")


def test_from_bytes_checks_a_given_type() -> None:
    assert Image.from_bytes(JPEG).media_type == "image/jpeg"
    assert Image.from_bytes(JPEG, "image/jpg").media_type == "image/jpeg"  # alias normalised
    with pytest.raises(MediaError, match="given as image/png, but its bytes are image/jpeg"):
        Image.from_bytes(JPEG, "image/png")
    with pytest.raises(MediaError, match="takes bytes"):
        Image.from_bytes("not bytes")  # type: ignore[arg-type]
    assert Audio.from_bytes(WAV).format == "wav"


def test_base64_is_kept_and_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = media_parts._encode

    def counting(data: bytes) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(media_parts, "_encode", counting)
    img = Image.from_bytes(PNG)
    for _ in range(5):
        assert img.base64 == base64.b64encode(PNG).decode()
        assert img.data_url.startswith("data:image/png;base64,iVBOR")
    assert calls == [len(PNG)]
    given = Image.from_base64(base64.b64encode(JPEG).decode())
    assert (given.media_type, given.size) == ("image/jpeg", len(JPEG))
    assert given.base64 and calls == [len(PNG)]  # given as base64: never encoded
    assert Image.from_base64("data:image/png;base64," + img.base64) == img
    with pytest.raises(MediaError, match="base64"):
        Image.from_base64("not base64 at all!")


def test_urls() -> None:
    img = Image.from_url("https://example.com/a.jpg", detail="low")
    assert (img.media_type, img.is_url, img.size, img.digest) == ("image/jpeg", True, None, None)
    assert Image.from_url("data:image/png;base64," + base64.b64encode(PNG).decode()).data == PNG
    with pytest.raises(MediaError, match="http"):
        Image.from_url("file:///etc/passwd")
    with pytest.raises(MediaError, match="not an image"):
        Image.from_url("https://example.com/a.pdf")


def test_round_trip_inline_and_not() -> None:
    img = Image.from_bytes(PNG, name="chart.png", detail="high", cache=True)
    full = img.to_dict()
    assert full["data"] == img.base64 and full["detail"] == "high" and full["cache"] is True
    assert part_from_dict(full) == img
    slim = img.to_dict(inline=False)
    assert "data" not in slim and slim["sha256"] == img.digest and slim["size"] == len(PNG)
    stub = part_from_dict(slim)
    assert not stub.has_content and stub.digest == img.digest
    with pytest.raises(MediaError, match="holds no bytes"):
        _ = stub.data


def test_user_message_of_parts_round_trips() -> None:
    msg = Message.user(["Compare", Image.from_bytes(PNG), Document.from_text("x", name="n.txt")])
    assert isinstance(msg.parts[0], TextPart) and len(msg.media) == 2
    assert messages_from_json(messages_to_json([msg])) == [msg]
    with pytest.raises(TypeError, match="takes text, Image"):
        Message.user(["a", 3])  # type: ignore[list-item]


def test_part_from_path_picks_the_kind(tmp_path: Path) -> None:
    for name, data, cls in (("a.png", PNG, Image), ("b.pdf", PDF, Document), ("c.wav", WAV, Audio)):
        (tmp_path / name).write_bytes(data)
        assert type(part_from_path(tmp_path / name)) is cls
    (tmp_path / "d.txt").write_text("words")
    assert isinstance(part_from_path(tmp_path / "d.txt"), Document)
    with pytest.raises(FileNotFoundError):
        part_from_path(tmp_path / "none.png")


def test_edge_cases(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="is a directory"):
        Image.from_path(tmp_path)
    with pytest.raises(MediaError, match="must be base64-encoded"):
        Image.from_base64("data:image/png,rawbytes")
    with pytest.raises(MediaError, match="detail must be"):
        Image.from_bytes(PNG, detail="huge")  # type: ignore[arg-type]
    with pytest.raises(MediaError, match="text/\\* media type"):
        Document.from_text("x", media_type="application/pdf")
    with pytest.raises(ValueError, match="unknown content part kind"):
        part_from_dict({"kind": "video"})
    url = Image.from_url("https://example.com/a.png")
    assert url.to_dict() == {"kind": "image", "media_type": "image/png", "url": "https://example.com/a.png"}
    assert "url=" in repr(url) and url.label == "image 'https://example.com/a.png' (image/png)"
    assert hash(url) == hash(Image.from_url("https://example.com/a.png"))
    assert (url == Document.from_text("x")) is False
    stub = part_from_dict(Image.from_bytes(PNG).to_dict(inline=False))
    assert stub.to_dict()["size"] == len(PNG) and stub.size == len(PNG)
    from_b64 = Image.from_base64(base64.b64encode(PNG).decode())
    assert from_b64.size == len(PNG) and from_b64.digest is not None


def test_fill_checks_what_a_url_gave() -> None:
    doc = Document.from_url("https://example.com/notes")
    doc.fill(b"plain words")
    assert doc.media_type == "text/plain" and doc.text == "plain words" and not doc.is_url
    with pytest.raises(MediaError, match="did not give an image"):
        Image.from_url("https://example.com/a").fill(PDF)
    with pytest.raises(MediaError, match="named as image/jpeg, but gave image/png"):
        Image.from_url("https://example.com/a.jpg").fill(PNG)


def test_text_cut_inside_a_character_is_still_text(tmp_path: Path) -> None:
    data = ("a" * 4095 + "é").encode()  # the 4096-byte mark falls inside é
    (tmp_path / "long.txt").write_bytes(data)
    assert Document.from_path(tmp_path / "long.txt").media_type == "text/plain"
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe" + b"x" * 10)
    with pytest.raises(MediaError, match="cannot tell"):
        Document.from_path(tmp_path / "bad.txt")

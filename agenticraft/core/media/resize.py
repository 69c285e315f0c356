"""Downscaling an oversized image, with Pillow (``pip install 'agenticraft[images]'``).

Only used when asked (``ModelSettings(downscale_images=True)``): we never decode an image
ourselves. The copy keeps the format (a GIF or an image with transparency becomes PNG, other
formats JPEG when PNG stays too large), is made once per part and limit, and is kept on the
part, so a long conversation does not downscale (or base64-encode) it again each turn.
"""

from __future__ import annotations

import io
from typing import Any

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.media.parts import MediaPart

__all__ = ["downscaled"]

_CACHE_ATTR = "_variants"


def _pillow() -> Any:
    try:
        from PIL import Image as PILImage
    except ImportError:
        raise ConfigurationError(
            "downscaling an image needs Pillow: pip install 'agenticraft[images]'"
        ) from None
    return PILImage


def downscaled(part: MediaPart, max_bytes: int) -> MediaPart:
    """A copy of image ``part`` whose bytes fit in ``max_bytes`` (halving its sides' area
    step by step), made once and remembered on the part."""
    variants: dict[int, MediaPart] = part._variants
    kept = variants.get(max_bytes)
    if kept is not None:
        return kept
    pil = _pillow()
    try:
        image = pil.open(io.BytesIO(part.data))
        image.load()
    except Exception as exc:
        raise ConfigurationError(f"cannot downscale {part.label}: Pillow cannot read it ({exc})") from None
    fmt = (
        "PNG"
        if part.media_type in ("image/png", "image/gif")
        else "WEBP"
        if part.media_type == "image/webp"
        else "JPEG"
    )
    width, height = image.size
    scale = min(1.0, (max_bytes / max(1, part.size or max_bytes)) ** 0.5)
    for _ in range(12):
        scale *= 0.9
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        smaller = image.resize(size, pil.Resampling.LANCZOS)
        if fmt == "JPEG" and smaller.mode not in ("RGB", "L"):
            smaller = smaller.convert("RGB")
        buffer = io.BytesIO()
        smaller.save(
            buffer, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {"optimize": True})
        )
        data = buffer.getvalue()
        if len(data) <= max_bytes:
            copy: MediaPart = part.with_data(data, f"image/{fmt.lower()}")
            variants[max_bytes] = copy
            return copy
    raise ConfigurationError(f"cannot downscale {part.label} below {max_bytes:,} bytes")

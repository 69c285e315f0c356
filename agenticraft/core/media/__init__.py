"""Content parts (images, documents, audio) and the checks made before they are sent."""

from agenticraft.core.media.parts import (
    Audio,
    ContentPart,
    Document,
    Image,
    ImageDetail,
    MediaKind,
    MediaPart,
    part_from_dict,
    part_from_path,
)

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

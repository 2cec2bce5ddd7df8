"""What an uploaded file is, read from its first bytes rather than its name or the browser's
content type (both are the uploader's to choose: an "invoice.pdf" can be HTML or a program)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# kind -> (extension, content type)
KINDS = {
    "pdf": (".pdf", "application/pdf"),
    "png": (".png", "image/png"),
    "jpeg": (".jpg", "image/jpeg"),
    "gif": (".gif", "image/gif"),
    "webp": (".webp", "image/webp"),
}
IMAGES_AND_PDF = frozenset(KINDS)


def sniff(head: bytes) -> str | None:
    """The kind of file these first bytes (16 are enough) begin, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def sniff_file(file) -> str | None:
    """The kind of an uploaded (or stored) file; its read position is left at the start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return sniff(head)


def check_upload(file, *, allowed: frozenset[str] = IMAGES_AND_PDF, field: str = "file") -> str:
    """Refuse a file whose content is not one of ``allowed``; name it by what it is (its stem
    kept, its extension the content's). Returns the kind."""
    kind = sniff_file(file)
    if kind not in allowed:
        raise ValidationError(
            {field: _("Upload a PDF or an image (JPEG, PNG, GIF or WebP); this file is neither.")}
        )
    stem = Path(file.name or "file").stem[:60] or "file"
    file.name = stem + KINDS[kind][0]
    return kind


def content_type_of(file) -> str:
    """The content type to serve a stored file with: its content's, else a download."""
    kind = sniff_file(file)
    return KINDS[kind][1] if kind else "application/octet-stream"

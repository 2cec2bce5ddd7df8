"""A fault's photos, served to those who may see the fault (never a public /media/ URL)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View

from erp.core.uploads import KINDS, sniff_file

from .selectors import fault_photos_visible_to

IMAGE_KINDS = frozenset({"png", "jpeg", "gif", "webp"})


class FaultPhotoView(View):
    """One photo, inline (it is shown in the task page) but only when its first bytes say it
    is a raster image: anything else (HTML, SVG, a program renamed .jpg) is a 404. Served
    with nosniff and a sandboxing CSP so that even a mistaken type cannot run as a page."""

    def get(self, request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        photo = get_object_or_404(fault_photos_visible_to(request.user), pk=pk)
        if not photo.image:
            raise Http404
        try:
            handle = photo.image.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        kind = sniff_file(handle)
        if kind not in IMAGE_KINDS:
            handle.close()
            raise Http404
        name = photo.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] + KINDS[kind][0]
        response = FileResponse(
            handle, as_attachment=False, filename=name, content_type=KINDS[kind][1]
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response

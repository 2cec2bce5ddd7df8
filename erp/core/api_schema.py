"""/api/schema/ generated once per process, not per request (issue 23: 2.6 s a request).

The schema is public (drf-spectacular's SERVE_PUBLIC) and a function of the code, so it is
the same for every caller: it is kept in the process per API version and language (its
descriptions are translated), and so is each rendering of it (YAML takes a second of CPU,
JSON a tenth).
"""

from __future__ import annotations

import threading

from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView

_schemas: dict[tuple, dict] = {}
_rendered: dict[tuple, bytes] = {}
_lock = threading.Lock()


class CachedSpectacularAPIView(SpectacularAPIView):
    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language(), self.serve_public)
        schema = _schemas.get(key)
        if schema is None:
            with _lock:
                schema = _schemas.get(key)
                if schema is None:
                    generator = self.generator_class(
                        urlconf=self.urlconf, api_version=version, patterns=self.patterns
                    )
                    schema = _schemas[key] = generator.get_schema(
                        request=request, public=self.serve_public
                    )
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        rendered_key = (*key, renderer.format, media_type)
        body = _rendered.get(rendered_key)
        if body is None:
            body = _rendered[rendered_key] = renderer.render(
                schema, media_type, self.get_renderer_context()
            )
        content_type = (
            f"{media_type}; charset={renderer.charset}" if renderer.charset else media_type
        )
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = (
            f'inline; filename="{self._get_filename(request, version)}"'
        )
        return response


def clear() -> None:
    """Forget the generated schemas (tests that change the URLs or the settings)."""
    _schemas.clear()
    _rendered.clear()

"""/api/schema/ generated once per process, not per request (issue 23: 2.6 s a request).

The schema is public (drf-spectacular's SERVE_PUBLIC) and a function of the code, so it is
the same for every caller: it is kept in the process per API version and language (its
descriptions are translated) and only rendered (YAML or JSON) per request.
"""

from __future__ import annotations

import threading

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_schemas: dict[tuple, dict] = {}
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
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


def clear() -> None:
    """Forget the generated schemas (tests that change the URLs or the settings)."""
    _schemas.clear()

"""Static files in production: compressed (gzip) and named by their content's hash, so that
whitenoise serves them with `Cache-Control: max-age=315360000, immutable` and a browser
downloads the ~2 MB of CSS/JS once, compressed, instead of re-asking every minute.

viewflow's and Dash's bundles reference files they do not ship (source maps, which
collectstatic leaves out with `-i '*.map'`, and a few fonts): Django's manifest storage
refuses the whole run for one such reference. Here an unresolvable reference is left as it
is written (the browser asks for it and gets a 404, as it would from the library's own
files), and a `{% static %}` name missing from the manifest falls back to its plain name.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if content is not None:
                raise
            return name

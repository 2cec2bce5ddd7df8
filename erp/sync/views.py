"""The field app's pages: the app shell, its web manifest and its service worker (/app/)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from erp.core import branding

SHELL_ASSETS = [
    "erp/sync/idb-8.0.3.umd.js",
    "erp/sync/app.js",
    "erp/sync/app.css",
    "notifications/push.js",
    "erp/icon-192.png",
    "erp/icon-512.png",
]
CACHE_VERSION = "field-app-v6"


@login_required
def app_shell(request):
    """The one page of the field app; the JavaScript renders its screens from IndexedDB."""
    return render(
        request,
        "sync/app.html",
        # with Web Push configured, the app offers to turn on notifications on this phone
        {"product": branding.product_name(), "vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY},
    )


def manifest(request):
    return JsonResponse(
        {
            "name": branding.product_name(),
            "short_name": branding.product_name(),
            "description": _("Sell, register clients and sync when online."),
            "start_url": "/app/",
            "scope": "/app/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1565c0",
            "icons": [
                {"src": static("erp/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("erp/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
    )


def service_worker(request):
    """Served from /app/ so that its scope is the app; caches the shell and its assets."""
    assets = ["/app/", "/app/manifest.webmanifest", *[static(a) for a in SHELL_ASSETS]]
    body = f"""
const CACHE = {json.dumps(CACHE_VERSION)};
const ASSETS = {json.dumps(assets)};
self.addEventListener("install", (e) => {{
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
}});
self.addEventListener("activate", (e) => {{
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
}});
self.addEventListener("fetch", (e) => {{
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.pathname.startsWith("/api/")) return;
  if (e.request.mode === "navigate" && url.pathname.startsWith("/app/")) {{
    // the shell: fresh when online (and kept), the cached one offline
    e.respondWith(fetch(e.request).then((r) => {{
      if (r.ok && !r.redirected) caches.open(CACHE).then((c) => c.put("/app/", r.clone()));
      return r;
    }}).catch(() => caches.match("/app/")));
    return;
  }}
  e.respondWith(caches.match(e.request).then((hit) => hit || fetch(e.request)));
}});
// Web Push (erp.notifications.push): show the notification; a tap opens its link.
self.addEventListener("push", (e) => {{
  let data = {{}};
  try {{ data = e.data ? e.data.json() : {{}}; }}
  catch (err) {{ data = {{ body: e.data.text() }}; }}
  e.waitUntil(self.registration.showNotification(data.title || "", {{
    body: data.body || "", tag: data.tag, data: {{ url: data.url || "/notifications/" }},
    icon: {json.dumps(static("erp/icon-192.png"))},
  }}));
}});
self.addEventListener("notificationclick", (e) => {{
  e.notification.close();
  e.waitUntil(self.clients.openWindow((e.notification.data && e.notification.data.url) || "/"));
}});
"""
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/app/"
    response["Cache-Control"] = "no-cache"
    return response

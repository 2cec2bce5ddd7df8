// Turn on Web Push for this device (My profile): subscribe through the field app's service
// worker (/app/sw.js shows the notifications) with the server's VAPID key, and send the
// subscription to the server.
(function () {
  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : input ? input.value : "";
  }

  function setup() {
    var button = document.getElementById("push-enable");
    var status = document.getElementById("push-status");
    if (!button || button.dataset.ready) return;
    button.dataset.ready = "1";
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" })
        .then(function () { return navigator.serviceWorker.getRegistration("/app/"); })
        .then(function (registration) {
          return registration.pushManager.getSubscription().then(function (existing) {
            return existing || registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: key(button.dataset.key),
            });
          });
        })
        .then(function (subscription) {
          return fetch(button.dataset.url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
            body: JSON.stringify(subscription.toJSON()),
          });
        })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          status.textContent = button.dataset.done;
        })
        .catch(function () { status.textContent = button.dataset.failed; });
    });
  }

  document.addEventListener("turbo:load", setup);
  document.addEventListener("DOMContentLoaded", setup);
  setup();
})();

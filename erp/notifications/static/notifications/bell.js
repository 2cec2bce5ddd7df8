// The unread count on the top bar's bell (erp/templates/viewflow/base_page.html), read again
// on every page load: a page restored from the browser's back/forward cache or drawn by
// Turbo would otherwise show the count it had when it was first rendered.
(function () {
  var last = 0;

  function render(bell, unread) {
    var badge = bell.querySelector(".erp-bell__count");
    if (!unread) {
      if (badge) badge.remove();
    } else {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "erp-bell__count";
        bell.appendChild(badge);
      }
      badge.textContent = unread > 99 ? "99+" : String(unread);
    }
    bell.setAttribute("data-unread", String(unread));
  }

  function refresh() {
    var bells = document.querySelectorAll("a.erp-bell[data-unread-url]");
    var now = Date.now();
    if (!bells.length || now - last < 500) return;
    last = now;
    fetch(bells[0].getAttribute("data-unread-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        bells.forEach(function (bell) { render(bell, data.unread); });
      })
      .catch(function () { /* offline: the count drawn with the page stays */ });
  }

  window.addEventListener("pageshow", refresh);
  document.addEventListener("turbo:load", refresh);
})();

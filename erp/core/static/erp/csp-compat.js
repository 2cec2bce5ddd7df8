// The Content-Security-Policy allows no inline script, so viewflow's few inline onclick
// handlers ("Back" links on delete, assign and import pages) do not run: do their work here.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[onclick*='history.back']");
  if (!link) return;
  event.preventDefault();
  window.history.back();
  if ((link.getAttribute("onclick") || "").indexOf("Turbo.visit") !== -1 && window.Turbo) {
    setTimeout(function () { window.Turbo.visit("."); }, 100);
  }
});

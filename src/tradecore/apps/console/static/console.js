// tradecore console: refresh a page's live part (<main id="live">) every
// data-refresh-s seconds from the same page with ?partial=1. Plain JavaScript, no
// dependencies, loaded as a file so the CSP can forbid inline script.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var seconds = parseFloat(live.getAttribute("data-refresh-s")) || 2;
  function partialUrl() {
    var url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    return url.toString();
  }
  function refresh() {
    fetch(partialUrl(), { credentials: "same-origin", redirect: "manual" })
      .then(function (answer) {
        if (answer.status !== 200) { window.location.reload(); return null; }
        return answer.text();
      })
      .then(function (html) {
        if (html !== null) { live.innerHTML = html; live.setAttribute("data-refreshed", Date.now()); }
      })
      .catch(function () { /* the console is down or restarting: try again */ })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();

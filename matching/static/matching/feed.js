// The feed page's progress bar: ask /feeds/<id>/status/ every 2 seconds until the feed has finished.
(function () {
  "use strict";
  var root = document.getElementById("feed");
  if (!root || !window.fetch || root.dataset.finished === "true") return;
  var bar = document.getElementById("feed-progress");
  var note = document.getElementById("feed-state");
  note.textContent = "Updates itself every 2 seconds.";

  function show(state) {
    root.querySelectorAll("[data-feed]").forEach(function (el) {
      var key = el.dataset.feed;
      if (key in state) el.textContent = state[key];
    });
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    root.querySelector("[data-feed-error]").hidden = !state.error;
  }

  function poll() {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (state) {
        show(state);
        if (state.finished) {
          note.textContent = state.status === "done" ? "Finished." : "Stopped.";
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        note.textContent = "Cannot reach the server just now; trying again every 2 seconds.";
        window.setTimeout(poll, 2000);
      });
  }
  window.setTimeout(poll, 2000);
})();

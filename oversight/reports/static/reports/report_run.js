// The report-run page: ask its status URL every 2 seconds until the run has finished, then show the links.
(function () {
  "use strict";
  var root = document.getElementById("report-run");
  if (!root || !window.fetch || root.dataset.finished === "true") return;
  var bar = document.getElementById("run-progress");
  var note = document.getElementById("run-state");
  note.textContent = "Updates itself every 2 seconds.";

  function show(state) {
    root.querySelectorAll("[data-run]").forEach(function (el) {
      var key = el.dataset.run;
      if (key in state && state[key] !== null && typeof state[key] !== "object") el.textContent = state[key];
    });
    root.querySelectorAll("[data-link]").forEach(function (el) {
      if (state[el.dataset.link]) el.href = state[el.dataset.link];
    });
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    root.querySelector("[data-run-error]").hidden = !state.error;
    root.querySelector("[data-run-links]").hidden = state.status !== "done";
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

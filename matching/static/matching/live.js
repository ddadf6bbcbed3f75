// The live page without manual refresh: every 2 seconds, ask the JSON API for alerts newer than the last
// one shown (?after=), refresh the state of alerts still waiting for a decision or an engagement, and
// redraw the counters and chart. Decisions and engagements go to the API; the page's own forms are the
// fallback when this script does not run. Alerts are drawn from the server's own <template> markup.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) return;

  var POLL_MS = 2000;
  var REFRESH_AT_MOST = 20; // pending alerts re-read per tick; officers decide quickly, so few are pending
  var deployment = root.dataset.deployment;
  var alertsApi = root.dataset.alertsApi;
  var countersUrl = root.dataset.countersUrl;
  var mayChange = root.dataset.mayChange === "true";
  var lastId = Number(root.dataset.lastId || 0);
  var labels = JSON.parse(document.getElementById("live-labels").textContent);
  var list = document.getElementById("alert-list");
  var state = document.getElementById("live-state");
  var announcer = document.getElementById("live-announce");
  var refreshFrom = 0;
  // Written as the server writes it: "14:05:09, 22 Nov 2026", in the force's time zone.
  var clock = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Europe/London"
  });
  var day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "Europe/London" });
  function when(iso) { var d = new Date(iso); return clock.format(d) + ", " + day.format(d); }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return { detail: "The server answered " + r.status + "." }; })
        .then(function (data) { return { ok: r.ok, data: data }; });
    });
  }

  function fromTemplate(id, alertId) {
    var template = document.getElementById(id);
    if (!template) return null;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.split("__id__").join(String(alertId));
    return holder.firstElementChild;
  }

  function slot(card, name) { return card.querySelector('[data-slot="' + name + '"]'); }

  function setText(card, name, text) { var el = slot(card, name); if (el) el.textContent = text; }

  var STATUS_TAG = { "new": "tag-red", adjudicated: "tag-yellow", engaged: "tag-green" };

  function draw(card, alert) {
    var before = card.dataset.status;
    card.id = "alert-" + alert.id;
    card.dataset.alertId = alert.id;
    card.dataset.status = alert.status;
    setText(card, "id", alert.id);
    setText(card, "subject", alert.subject_reference);
    setText(card, "category", labels.categories[alert.category] || alert.category);
    setText(card, "similarity", alert.similarity.toFixed(3) + " against a threshold of " + alert.threshold.toFixed(3));
    var tag = slot(card, "status");
    tag.textContent = labels.statuses[alert.status] || alert.status;
    tag.className = "tag " + (STATUS_TAG[alert.status] || "");

    var time = document.createElement("time");
    time.dateTime = alert.captured_at;
    time.textContent = when(alert.captured_at);
    var timeSlot = slot(card, "time");
    timeSlot.textContent = "";
    timeSlot.appendChild(time);

    var crop = slot(card, "crop");
    if (alert.crop_url && !crop.querySelector("img")) {
      var img = document.createElement("img");
      img.src = alert.crop_url;
      img.alt = "Face captured for alert " + alert.id;
      img.width = 140;
      crop.textContent = "";
      crop.appendChild(img);
    } else if (!alert.crop_url) {
      crop.innerHTML = '<p class="hint">No image: deleted under the retention policy.</p>';
    }

    var reference = slot(card, "reference");
    if (reference && alert.entry_image_url && !reference.querySelector("img")) {
      var photo = document.createElement("img");
      photo.src = alert.entry_image_url;
      photo.alt = "Watchlist photo of " + alert.subject_reference;
      photo.width = 140;
      reference.textContent = "";
      reference.appendChild(photo);
    } else if (reference && !alert.entry_image_url) {
      reference.innerHTML = '<p class="hint">No watchlist photo: deleted under the retention policy.</p>';
    }
    setText(card, "justification", alert.justification_summary || "");

    setText(card, "decision", alert.decision
      ? labels.decisions[alert.decision] + (alert.note ? ": " + alert.note : "") : "None yet");
    setText(card, "engagement", alert.outcome ? labels.outcomes[alert.outcome]
      : (alert.status === "new" ? "Only after a decision" : "Not recorded yet"));

    // Rule 15: the engagement form appears only once the alert has a decision.
    var action = slot(card, "action");
    if (before !== alert.status || !action.firstElementChild) {
      action.textContent = "";
      var form = null;
      if (mayChange && alert.status === "new") form = fromTemplate("tpl-decision", alert.id);
      if (mayChange && alert.status === "adjudicated") form = fromTemplate("tpl-engagement", alert.id);
      if (form) action.appendChild(form);
    }
  }

  function upsert(alert) {
    var card = document.getElementById("alert-" + alert.id);
    if (card) {
      if (card.dataset.status !== alert.status) draw(card, alert);
      return false;
    }
    card = fromTemplate("tpl-alert", alert.id);
    card.dataset.status = "";
    draw(card, alert);
    card.classList.add("is-new");
    var after = null;
    Array.prototype.some.call(list.children, function (other) {
      if (Number(other.dataset.alertId) < alert.id) { after = other; return true; }
      return false;
    });
    list.insertBefore(card, after);
    document.getElementById("no-alerts").hidden = true;
    return true;
  }

  function fetchNew() {
    var url = alertsApi + "?deployment=" + encodeURIComponent(deployment) + "&after=" + lastId;
    var fresh = [];
    function page(next, depth) {
      return getJSON(next).then(function (body) {
        fresh = fresh.concat(body.results || []);
        if (body.next && depth < 10) return page(body.next, depth + 1);
      });
    }
    return page(url, 0).then(function () {
      fresh.sort(function (a, b) { return a.id - b.id; });
      var added = 0;
      fresh.forEach(function (alert) {
        if (upsert(alert)) added += 1;
        lastId = Math.max(lastId, alert.id);
      });
      if (added) announce(added === 1 ? "1 new alert." : added + " new alerts.");
    });
  }

  function busy(card) {
    // A card whose decision is on its way is redrawn from the answer, not from a poll.
    return card.dataset.sending === "true";
  }

  function refreshPending() {
    var pending = Array.prototype.filter.call(list.children, function (card) {
      return (card.dataset.status === "new" || card.dataset.status === "adjudicated") && !busy(card);
    });
    if (!pending.length) return Promise.resolve();
    // Rotate through the pending alerts a few at a time.
    refreshFrom = refreshFrom % pending.length;
    var batch = pending.slice(refreshFrom, refreshFrom + REFRESH_AT_MOST);
    refreshFrom += REFRESH_AT_MOST;
    return Promise.all(batch.map(function (card) {
      return getJSON(alertsApi + card.dataset.alertId + "/").then(function (alert) {
        if (alert.status !== card.dataset.status) {
          draw(card, alert);
          announce("Alert " + alert.id + ": " + (labels.statuses[alert.status] || alert.status) + ".");
        }
      }).catch(function () { /* gone or no longer visible: leave the card as it is */ });
    }));
  }

  function refreshCounters() {
    return getJSON(countersUrl).then(function (body) {
      Object.keys(body.counters).forEach(function (key) {
        document.querySelectorAll('[data-counter="' + key + '"]').forEach(function (el) {
          el.textContent = body.counters[key];
        });
      });
      document.querySelectorAll('[data-counter="status_label"]').forEach(function (el) {
        el.textContent = body.status_label;
      });
      drawChart(body.chart);
    });
  }

  var SVG = "http://www.w3.org/2000/svg";
  function drawChart(chart) {
    var svg = document.getElementById("faces-chart");
    if (!svg) return;
    var bars = svg.querySelector('[data-chart="bars"]');
    while (bars.firstChild) bars.removeChild(bars.firstChild);
    chart.bars.forEach(function (bar) {
      var rect = document.createElementNS(SVG, "rect");
      ["x", "y", "width", "height"].forEach(function (k) { rect.setAttribute(k, bar[k]); });
      var title = document.createElementNS(SVG, "title");
      title.textContent = bar.label;
      rect.appendChild(title);
      bars.appendChild(rect);
    });
    svg.querySelector('[data-chart="start"]').textContent = chart.start;
    svg.querySelector('[data-chart="end"]').textContent = chart.end;
    svg.querySelector('[data-chart="desc"]').textContent = chart.summary;
    document.querySelector('[data-chart="summary"]').textContent = chart.summary;
  }

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function tick() {
    Promise.all([fetchNew(), refreshPending(), refreshCounters()]).then(function () {
      state.textContent = "Updates itself every 2 seconds. Last updated " +
        new Date().toLocaleTimeString("en-GB", { timeZone: "Europe/London" }) + ".";
    }).catch(function () {
      state.textContent = "Cannot reach the server just now; trying again every 2 seconds.";
    }).then(function () { window.setTimeout(tick, POLL_MS); });
  }

  // --- decisions and engagements through the API -----------------------------------------------
  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (el) { el.classList.remove("field-error"); });
    form.querySelectorAll(".error-messages").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  // Keys of an error answer that say which rule refused, for software and auditors: never shown as messages.
  var NOT_MESSAGES = ["rules", "rule", "violations", "code"];

  function showErrors(form, errors) {
    var first = null;
    Object.keys(errors).filter(function (name) { return NOT_MESSAGES.indexOf(name) < 0; }).forEach(function (name) {
      var messages = [].concat(errors[name]);
      var field = form.querySelector('[data-field="' + name + '"]') || form.querySelector('[data-field="__all__"]');
      var holder = field.classList.contains("error-messages") ? field : field.querySelector(".error-messages");
      if (field.classList.contains("field")) field.classList.add("field-error");
      messages.forEach(function (message) {
        var p = document.createElement("p");
        p.className = "error-message";
        p.textContent = message;
        holder.appendChild(p);
      });
      var input = field.querySelector("input:not([type=hidden]), textarea, select, button");
      if (input && input.tagName !== "BUTTON") input.setAttribute("aria-invalid", "true");
      first = first || input;
    });
    if (first) first.focus();
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset.api;
    if (!kind) return;
    event.preventDefault();
    var card = form.closest(".alert-card");
    var id = card.dataset.alertId;
    var body;
    if (kind === "adjudicate") {
      var submitter = event.submitter;
      body = { decision: submitter ? submitter.value : "", note: form.querySelector("textarea").value };
    } else {
      var outcome = form.querySelector("input[type=radio]:checked");
      var minutes = form.querySelector("input[type=number]").value.trim();
      var reason = form.querySelector("select");
      body = { outcome: outcome ? outcome.value : "", duration_minutes: minutes === "" ? null : Number(minutes),
               arrest_reason: reason && outcome && outcome.value === "arrested" ? reason.value : "" };
      if (!outcome) { clearErrors(form); showErrors(form, { outcome: ["Choose what happened."] }); return; }
      if (minutes === "") { clearErrors(form); showErrors(form, { duration_minutes: ["Give the duration in minutes."] }); return; }
    }
    card.dataset.sending = "true";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    postJSON(alertsApi + id + "/" + kind + "/", body).then(function (answer) {
      card.dataset.sending = "false";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      if (answer.ok) {
        draw(card, answer.data);
        if (kind === "engagement") {  // the API answers with the outcome; the duration is the one just sent
          setText(card, "engagement", labels.outcomes[answer.data.outcome] + ", " + body.duration_minutes +
            (body.duration_minutes === 1 ? " minute" : " minutes"));
        }
        announce(kind === "adjudicate" ? "Decision recorded for alert " + id + ". Record the engagement next."
          : "Engagement recorded for alert " + id + ".");
        // Move on to the next step: the engagement's first choice, or the alert's new state.
        var next = card.querySelector('[data-slot="action"] input[type=radio]');
        if (!next) { next = slot(card, "status"); next.setAttribute("tabindex", "-1"); }
        next.focus();
        refreshCounters().catch(function () {});
      } else {
        clearErrors(form);
        showErrors(form, answer.data);
      }
    }).catch(function () {
      card.dataset.sending = "false";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      clearErrors(form);
      showErrors(form, { __all__: ["Could not reach the server. Try again."] });
    });
  });

  state.textContent = "Updates itself every 2 seconds.";
  window.setTimeout(tick, POLL_MS);
})();

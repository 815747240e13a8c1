// labelgate console: forms to the JSON API, POST buttons, live updates over SSE. No build step.
"use strict";
(function () {
  function showError(form, body, status) {
    var p = form.querySelector(".form-error");
    var e = body && body.error;
    if (p) {
      p.textContent = e
        ? e.code + ": " + e.message + (e.reason ? " (" + e.reason + ")" : "")
        : "HTTP " + status;
      p.setAttribute("data-code", e ? e.code : String(status));
    }
  }

  function fields(form) {
    var out = {};
    new FormData(form).forEach(function (v, k) {
      var input = form.querySelector('[name="' + k + '"]');
      var dot = k.indexOf(".");
      if (input && input.hasAttribute("data-bool")) out[k] = v === "true";
      else if (v === "") return;
      else if (dot > 0) {
        // "scope.since" -> {scope: {since: …}}
        var top = k.slice(0, dot);
        out[top] = out[top] || {};
        out[top][k.slice(dot + 1)] = v;
      } else out[k] = v;
    });
    return out;
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var url = form.getAttribute("data-api");
    if (!url) return;
    ev.preventDefault();
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fields(form)),
      credentials: "same-origin",
    }).then(function (res) {
      var type = res.headers.get("content-type") || "";
      // A file to keep (a CSV, or the audit extract sent as an attachment) is saved, not shown.
      var attachment = /^attachment/.test(res.headers.get("content-disposition") || "");
      if (res.ok && (type.indexOf("text/csv") === 0 || attachment)) {
        return res.blob().then(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = form.getAttribute("data-download") || "export.csv";
          document.body.appendChild(a);
          a.click();
          var p = form.querySelector(".form-error");
          if (p) {
            p.textContent = "OK";
            p.setAttribute("data-code", "ok");
          }
        });
      }
      return res.json().then(function (body) {
        if (!res.ok) return showError(form, body, res.status);
        var next = form.getAttribute("data-next");
        if (next) location.href = next;
        else location.reload();
      });
    });
  });

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-post]");
    if (!b) return;
    ev.preventDefault();
    fetch(b.getAttribute("data-post"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      credentials: "same-origin",
    }).then(function (res) {
      var next = b.getAttribute("data-next");
      if (next) location.href = next;
      else if (res.ok) location.reload();
      else
        res.json().then(function (body) {
          b.title = body.error ? body.error.code : "";
          b.classList.add("bad");
        });
    });
  });

  var page = document.body.getAttribute("data-page");
  if (page === "login" || !window.EventSource) return;

  function statusOf(d) {
    if (d.availability === "quarantined") return "quarantined";
    if (d.reachability !== "online") return d.reachability;
    if (d.conditions.length > 0) return d.conditions.join("+");
    return d.state;
  }
  function set(card, field, text) {
    var el = card.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = text;
  }
  var pending = null;
  function refreshDevices() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch("/api/v1/devices", { credentials: "same-origin" })
        .then(function (r) {
          return r.json();
        })
        .then(function (body) {
          (body.data || []).forEach(function (d) {
            var card = document.querySelector('[data-device="' + d.id + '"]');
            if (!card) return;
            var s = statusOf(d);
            card.setAttribute("data-status", s);
            card.className = "device " + (s === "ready" || s === "busy" ? "ok" : "bad");
            set(card, "status", s);
            set(card, "conditions", d.conditions.join(", ") || "—");
            set(card, "queue_length", String(d.queue_length));
            if (d.lastJob) set(card, "last_job", d.lastJob.job_id + " " + d.lastJob.type);
            if (d.lastError) set(card, "last_error", d.lastError.code + " " + d.lastError.ts);
          });
        });
    }, 150);
  }

  var es = new EventSource("/api/v1/events");
  es.onmessage = null;
  // Marks the page live once the event stream is open (and again after a reconnect), so a
  // person (and a test) can tell that what happens from now on will show up.
  es.onopen = function () {
    document.body.setAttribute("data-live", "open");
  };
  es.onerror = function () {
    document.body.setAttribute("data-live", "closed");
  };
  function onEvent(ev) {
    var e = JSON.parse(ev.data);
    if (page === "devices" && e.device) refreshDevices();
    if (page === "jobs" && e.job_id && e.type.indexOf("job.") === 0) {
      var feed = document.querySelector("#job-feed tbody");
      if (!feed) return;
      var row = document.querySelector('#job-feed tr[data-job="' + e.job_id + '"]');
      if (!row) {
        row = document.createElement("tr");
        row.setAttribute("data-job", e.job_id);
        for (var i = 0; i < 5; i++) row.appendChild(document.createElement("td"));
        var a = document.createElement("a");
        a.href = "/console/jobs/" + encodeURIComponent(e.job_id);
        a.textContent = e.job_id;
        row.children[0].textContent = e.ts;
        row.children[1].appendChild(a);
        row.children[2].textContent = e.device || "";
        feed.insertBefore(row, feed.firstChild);
      }
      row.children[3].textContent = e.type.slice(4);
      row.children[4].textContent = e.code || "";
    }
    if (page === "alerts" && e.type === "alert") location.reload();
    if (e.type === "lockdown") location.reload();
  }
  [
    "device.status",
    "device.quarantined",
    "job.accepted",
    "job.rejected",
    "job.held",
    "job.done",
    "job.failed",
    "job.expired",
    "job.in_doubt",
    "alert",
    "lockdown",
  ].forEach(function (t) {
    es.addEventListener(t, onEvent);
  });
})();

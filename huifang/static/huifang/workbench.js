/* The agent's workbench and worklist: keyboard first, claims kept alive.
 *
 * - Worklist: "N" takes the next task.
 * - Workbench: an outcome's shortcut key (1–9, 0, letters) selects it when the
 *   focus is not in a text box; Ctrl+Enter saves; outcomes that need a
 *   callback time show the "call back at…" box, those that need a note mark it;
 *   a questionnaire's required questions are required only for outcomes that
 *   reached someone (data-answer-outcomes).
 * - The claim on the task is renewed every few minutes while the page is
 *   open, and given back when the agent leaves without recording.
 * Works after htmx swaps in the next task (htmx.onLoad).
 */
(function () {
  "use strict";

  var RENEW_EVERY_MS = 5 * 60 * 1000;
  var renewTimer = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(target.type));
  }

  function bench() {
    return document.getElementById("workbench");
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function localInput(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function refreshOutcome() {
    var root = bench();
    if (!root) { return; }
    var checked = root.querySelector('input[name="outcome"]:checked');
    var code = checked ? checked.value : "";
    var callbacks = (root.dataset.callbackOutcomes || "").split(",");
    var notes = (root.dataset.noteOutcomes || "").split(",");
    var box = document.getElementById("callback-box");
    var input = document.getElementById("callback-at");
    if (box) {
      var needsCallback = code !== "" && callbacks.indexOf(code) !== -1;
      box.hidden = !needsCallback;
      if (input) { input.required = needsCallback; }
      if (needsCallback && input && !input.value) { input.focus(); }
    }
    var noteRequired = code !== "" && notes.indexOf(code) !== -1;
    var note = document.getElementById("note");
    var mark = document.getElementById("note-required");
    if (note) { note.required = noteRequired; }
    if (mark) { mark.hidden = !noteRequired; }
    // A questionnaire's required questions are required only when someone
    // was reached: "no answer" or "call back at…" saves without answers.
    var answering = code !== "" && (root.dataset.answerOutcomes || "").split(",").indexOf(code) !== -1;
    Array.prototype.forEach.call(
      root.querySelectorAll("[data-q-form] [required], [data-q-form] [data-q-required]"),
      function (input) {
        input.setAttribute("data-q-required", "");
        input.required = answering;
      }
    );
  }

  function minutesOf(text) {
    var parts = (text || "").split(":");
    return parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10);
  }

  function inRanges(minutes, ranges, endIncluded) {
    return (ranges || "").split(",").some(function (range) {
      var ends = range.split("-");
      if (ends.length !== 2) { return false; }
      var start = minutesOf(ends[0]);
      var end = minutesOf(ends[1]);
      return minutes >= start && (endIncluded ? minutes <= end : minutes < end);
    });
  }

  // The callback box says at once what the server will say: a time that has
  // passed or falls at night is refused; outside the call windows it is
  // kept, but only if the patient asked for it.
  function refreshCallbackWarning() {
    var input = document.getElementById("callback-at");
    var warning = document.getElementById("callback-warning");
    if (!input || !warning) { return; }
    var value = input.value;
    var text = "";
    var level = "";
    if (value) {
      var minutes = minutesOf(value.split("T")[1]);
      if (input.min && value <= input.min) {
        text = warning.dataset.past; level = "text-danger";
      } else if (!inRanges(minutes, input.dataset.callbackHours, true) &&
                 !inRanges(minutes, input.dataset.callWindows, false)) {
        text = warning.dataset.night; level = "text-danger";
      } else if (!inRanges(minutes, input.dataset.callWindows, false)) {
        text = warning.dataset.outside; level = "text-warning-emphasis";
      }
    }
    warning.textContent = text;
    warning.className = "small mt-1 " + level;
    warning.hidden = !text;
  }

  function renewLease() {
    var root = bench();
    if (!root || !root.dataset.working) { return; }
    htmx.ajax("POST", root.dataset.leaseUrl, { target: "#lease-status", swap: "innerHTML" });
  }

  function startRenewing() {
    if (renewTimer) { clearInterval(renewTimer); }
    renewTimer = setInterval(renewLease, RENEW_EVERY_MS);
  }

  document.addEventListener("keydown", function (event) {
    var root = bench();
    if (!root) {
      var next = document.getElementById("next-task");
      if (next && !typing(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey &&
          (event.key === "n" || event.key === "N")) {
        event.preventDefault();
        next.click();
      }
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      var form = document.getElementById("record-form");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = (event.key || "").toLowerCase();
    if (key.length !== 1) { return; }
    var radio = root.querySelector('input[name="outcome"][data-shortcut="' + key + '"]');
    if (radio) {
      event.preventDefault();
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "outcome") { refreshOutcome(); }
  });

  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "callback-at") {
      refreshCallbackWarning();
      // A refusal of the previous time no longer applies to the new one.
      var errors = document.getElementById("record-errors");
      if (errors) { errors.innerHTML = ""; }
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-callback-in],[data-callback-tomorrow]") : null;
    if (!target) { return; }
    var input = document.getElementById("callback-at");
    if (!input) { return; }
    var when = new Date();
    if (target.dataset.callbackIn) {
      when = new Date(when.getTime() + parseInt(target.dataset.callbackIn, 10) * 60000);
    } else {
      var parts = target.dataset.callbackTomorrow.split(":");
      when.setDate(when.getDate() + 1);
      when.setHours(parseInt(parts[0], 10), parseInt(parts[1], 10), 0, 0);
    }
    input.value = localInput(when);
    refreshCallbackWarning();
  });

  // Leaving without recording gives the task back to the team at once.
  window.addEventListener("pagehide", function () {
    var root = bench();
    if (!root || !root.dataset.working || !navigator.sendBeacon) { return; }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken());
    data.append("beacon", "1");
    navigator.sendBeacon(root.dataset.releaseUrl, data);
  });

  function init() {
    refreshOutcome();
    refreshCallbackWarning();
    if (bench()) { startRenewing(); }
  }

  if (window.htmx) {
    htmx.onLoad(function () { init(); });
  }
  document.addEventListener("DOMContentLoaded", init);
})();

/* Questionnaire forms: show a question only when its condition is met, and
 * keep the answers in localStorage while the page is open.
 *
 * Works on every [data-q-form] container (surveys/partials/agent_form.html).
 * A question's condition is JSON in data-q-condition:
 *   {"combine": "all"|"any", "rules": [{"item": code, "op": "eq", "value": v}]}
 * The same rules as huifang/surveys/answers.py: a rule on an unanswered or
 * hidden question is not met (except "exists" with false). Hidden questions'
 * inputs are disabled, so they are not submitted; the server drops them too.
 * No framework, no build; load with <script defer>.
 */
(function () {
  "use strict";

  function inputsOf(fieldset) {
    return Array.prototype.slice.call(fieldset.querySelectorAll("input, textarea, select"));
  }

  function valueOf(fieldset) {
    if (!fieldset || fieldset.hidden) {
      return null;
    }
    var kind = fieldset.getAttribute("data-q-input");
    var inputs = inputsOf(fieldset);
    if (kind === "checkbox") {
      var picked = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
      return picked.length ? picked : null;
    }
    if (kind === "radio") {
      var checked = inputs.filter(function (i) { return i.checked; })[0];
      return checked ? checked.value : null;
    }
    var text = inputs.length ? inputs[0].value.trim() : "";
    return text === "" ? null : text;
  }

  function toNumber(value) {
    if (value === null || value === undefined || value === "" || typeof value === "boolean") {
      return null;
    }
    var n = Number(value);
    return isNaN(n) ? null : n;
  }

  function ruleMet(rule, answerOf) {
    var answer = answerOf(rule.item);
    var op = rule.op || "eq";
    var expected = rule.value;
    if (op === "exists") {
      var wanted = [false, "false", "0", 0, "no"].indexOf(expected) === -1;
      return (answer !== null) === wanted;
    }
    if (answer === null) {
      return false;
    }
    if (op === "eq" || op === "ne") {
      var found;
      if (Array.isArray(answer)) {
        found = answer.indexOf(String(expected)) !== -1;
      } else if (toNumber(answer) !== null && toNumber(expected) !== null) {
        found = toNumber(answer) === toNumber(expected);
      } else {
        found = String(answer) === String(expected);
      }
      return op === "eq" ? found : !found;
    }
    var left = toNumber(answer);
    var right = toNumber(expected);
    if (left === null || right === null) {
      return false;
    }
    return { gt: left > right, lt: left < right, gte: left >= right, lte: left <= right }[op] || false;
  }

  function conditionMet(condition, answerOf) {
    var rules = (condition && condition.rules) || [];
    if (!rules.length) {
      return true;
    }
    var results = rules.map(function (rule) { return ruleMet(rule, answerOf); });
    return condition.combine === "any"
      ? results.indexOf(true) !== -1
      : results.indexOf(false) === -1;
  }

  function setup(form) {
    if (form.hasAttribute("data-q-ready")) {
      return;
    }
    form.setAttribute("data-q-ready", "");
    var fieldsets = Array.prototype.slice.call(form.querySelectorAll("[data-q-item]"));
    var byCode = {};
    fieldsets.forEach(function (fs) { byCode[fs.getAttribute("data-q-item")] = fs; });
    var storageKey = form.getAttribute("data-q-storage-key");

    function answerOf(code) {
      return valueOf(byCode[code]);
    }

    function refresh() {
      // In order: a question hidden above hides the ones that depend on it.
      fieldsets.forEach(function (fs) {
        var raw = fs.getAttribute("data-q-condition");
        var shown = true;
        if (raw) {
          try {
            shown = conditionMet(JSON.parse(raw), answerOf);
          } catch (e) {
            shown = true;
          }
        }
        fs.hidden = !shown;
        inputsOf(fs).forEach(function (input) { input.disabled = !shown; });
      });
    }

    function save() {
      if (!storageKey) {
        return;
      }
      var data = {};
      fieldsets.forEach(function (fs) {
        var kind = fs.getAttribute("data-q-input");
        var inputs = inputsOf(fs);
        if (kind === "checkbox" || kind === "radio") {
          data[fs.getAttribute("data-q-item")] = inputs
            .filter(function (i) { return i.checked; })
            .map(function (i) { return i.value; });
        } else if (inputs.length) {
          data[fs.getAttribute("data-q-item")] = inputs[0].value;
        }
      });
      try {
        window.localStorage.setItem(storageKey, JSON.stringify(data));
      } catch (e) {
        /* private mode or full storage: the form still works */
      }
    }

    function restore() {
      if (!storageKey) {
        return;
      }
      var data;
      try {
        data = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      } catch (e) {
        data = null;
      }
      if (!data) {
        return;
      }
      fieldsets.forEach(function (fs) {
        var saved = data[fs.getAttribute("data-q-item")];
        if (saved === undefined) {
          return;
        }
        var kind = fs.getAttribute("data-q-input");
        var inputs = inputsOf(fs);
        if (kind === "checkbox" || kind === "radio") {
          // Answers the server sent back (after an error) win over stored ones.
          if (inputs.some(function (i) { return i.checked; })) {
            return;
          }
          inputs.forEach(function (i) { i.checked = saved.indexOf(i.value) !== -1; });
        } else if (inputs.length && !inputs[0].value) {
          inputs[0].value = saved;
        }
      });
    }

    restore();
    refresh();
    form.addEventListener("change", function () { refresh(); save(); });
    form.addEventListener("input", function () { save(); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-q-form]"), setup);
    // A finished questionnaire forgets its kept answers.
    Array.prototype.forEach.call(document.querySelectorAll("[data-q-forget]"), function (el) {
      try {
        window.localStorage.removeItem(el.getAttribute("data-q-forget"));
      } catch (e) {
        /* nothing kept */
      }
    });
    // One submission per tap: the button is disabled once the form is sent.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-q-submit-once]"), function (f) {
      f.addEventListener("submit", function () {
        Array.prototype.forEach.call(f.querySelectorAll("button[type=submit]"), function (b) {
          b.disabled = true;
        });
      });
    });
  }

  // Questions swapped in by htmx (the workbench) are set up as they arrive.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (root && root.querySelectorAll) {
      if (root.matches && root.matches("[data-q-form]")) {
        setup(root);
      }
      Array.prototype.forEach.call(root.querySelectorAll("[data-q-form]"), setup);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.HuifangQuestionnaire = { conditionMet: conditionMet, setup: setup };
})();

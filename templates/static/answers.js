// gdanim answers: each exercise answered is remembered in the browser (localStorage), one
// entry per site and scenario, so a page shows it answered on a revisit and the site's index
// and worksheet count them. The key is "gdanim:answers:" + the path of the site's folder +
// the scenario's folder name (docs/lab.md, "Answers kept"); the value is JSON,
// {"exercise-1": {"right": true, "choice": "divergent", "feedback": "Right."}, ...}.
// Where storage is refused (a private window, a policy), every call still works and
// remembers for this visit only. on(fn) hears each answer kept (scorm.js reports it).
(function () {
  "use strict";
  var PREFIX = "gdanim:answers:";
  var visit = {};  // key -> JSON, where storage is refused
  var heard = [];

  function storage() {
    try {
      var s = window.localStorage;
      return s && typeof s.getItem === "function" ? s : null;
    } catch (e) {
      return null;  // a SecurityError: no storage here
    }
  }
  /** The key of scenario `stem` in the site whose folder is `root` (a URL ending in "/"). */
  function key(root, stem) {
    return PREFIX + new URL(root, window.location.href).pathname + stem;
  }
  /** The answers kept for a scenario: {exercise id: {right, choice, feedback}} ({} when none). */
  function load(root, stem) {
    var s = storage(), k = key(root, stem);
    try {
      var value = JSON.parse((s ? s.getItem(k) : visit[k]) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return {};
    }
  }
  /** Keep one answer (exercise id -> {right, choice, feedback}); false when it is kept for
   * this visit only. Each function given to on() hears it: fn(stem, id, answer). */
  function save(root, stem, id, answer) {
    var s = storage(), k = key(root, stem), all = load(root, stem), kept = false;
    all[id] = answer;
    try {
      if (s) {
        s.setItem(k, JSON.stringify(all));
        kept = true;
      }
    } catch (e) { /* full, or refused */ }
    if (!kept) visit[k] = JSON.stringify(all);
    heard.forEach(function (fn) { fn(stem, id, answer); });
    return kept;
  }
  function on(fn) { heard.push(fn); }
  /** Forget a scenario's answers. */
  function clear(root, stem) {
    var s = storage();
    delete visit[key(root, stem)];
    try {
      if (s) s.removeItem(key(root, stem));
    } catch (e) { /* refused: nothing was kept */ }
  }
  /** {answered, right} among `count` exercises of a scenario, as the page's words say it. */
  function progress(root, stem, count, template) {
    var all = load(root, stem), answered = 0, right = 0;
    Object.keys(all).forEach(function (id) {
      answered += 1;
      if (all[id] && all[id].right) right += 1;
    });
    answered = Math.min(answered, count);
    return template.replace("{answered}", answered).replace("{count}", count).replace("{right}", right);
  }
  // The index and the worksheet: each [data-progress="stem"] says how far its scenario is.
  function show() {
    document.querySelectorAll("[data-progress]").forEach(function (el) {
      var count = Number(el.getAttribute("data-count"));
      el.textContent = progress(el.getAttribute("data-root") || "./", el.getAttribute("data-progress"), count,
        el.getAttribute("data-template"));
      el.hidden = false;
    });
  }
  (window.gdanim = window.gdanim || {}).answers = {key: key, load: load, save: save, clear: clear,
    progress: progress, show: show, on: on};
  document.querySelectorAll("button[data-clear-all]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      document.querySelectorAll("[data-progress]").forEach(function (el) {
        clear(el.getAttribute("data-root") || "./", el.getAttribute("data-progress"));
      });
      show();
    });
  });
  show();
})();

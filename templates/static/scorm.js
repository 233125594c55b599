// gdanim SCORM: a page of a course package (gdanim site --scorm) reports to the learning
// management system (LMS) that launched it, through the SCORM 1.2 run-time API. The API is
// found the standard way: an object named "API" on this window, a parent, or the opener's.
// Without one (file://, a static host) this script does nothing, and the page is as ever.
//
// With one: LMSInitialize on load. The answers the LMS kept (cmi.suspend_data) and those
// kept in this browser (answers.js) are joined, so both hold the same; each answer the LMS
// has not had yet is reported as cmi.interactions.n (id, type, student_response, result,
// latency, time), once. The score is the share of the page's exercises answered right
// (0-100); the status is "incomplete" until every exercise is answered, then "passed" or
// "failed" against the LMS's mastery score (the package's pass mark), else "completed". A
// page without exercises is "completed" when opened. LMSCommit after each answer;
// LMSCommit and LMSFinish when the page is left. Loaded after answers.js, before
// exercises.js (which then shows the joined answers as answered).
(function () {
  "use strict";
  var DEPTH = 10;  // parent windows searched, as SCORM 1.2's own API finder does
  var SUSPEND_MAX = 4096;  // cmi.suspend_data's size in SCORM 1.2

  /** The SCORM 1.2 API on `win` or a window above it (null when none). */
  function apiAbove(win) {
    for (var depth = 0; win && depth <= DEPTH; depth++) {
      var api = null;
      try { api = win.API; } catch (e) { /* a window of another origin: look above it */ }
      if (api && typeof api.LMSInitialize === "function") return api;
      if (win.parent === win) break;  // the top
      win = win.parent;
    }
    return null;
  }
  var api = apiAbove(window);
  if (!api) {
    try { api = window.opener ? apiAbove(window.opener) : null; } catch (e) { api = null; }
  }
  if (!api || String(api.LMSInitialize("")) !== "true") return;

  function get(name) { return String(api.LMSGetValue(name) || ""); }
  function put(name, value) { return String(api.LMSSetValue(name, String(value))) === "true"; }
  function pad(n, width) { var s = String(n); while (s.length < width) s = "0" + s; return s; }
  /** A CMITimespan, HHHH:MM:SS.SS. */
  function timespan(ms) {
    var cs = Math.max(0, Math.round(ms / 10)), s = cs % 6000;
    return pad(Math.min(9999, Math.floor(cs / 360000)), 2) + ":" + pad(Math.floor(cs / 6000) % 60, 2) + ":" +
      pad(Math.floor(s / 100), 2) + "." + pad(s % 100, 2);
  }
  /** A CMITime, HH:MM:SS, of this computer's clock. */
  function clock(date) {
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }
  /** A CMIDecimal: plain digits, never an exponent. */
  function decimal(v) {
    var s = String(v);
    return s.indexOf("e") < 0 ? s : v.toFixed(20).replace(/\.?0+$/, "");
  }

  // The page's exercises (the worksheet has none of its own: it is completed when opened).
  var section = document.getElementById("exercises");
  var stem = section && section.getAttribute("data-answers"), root = "../";
  var asked = {}, count = 0;
  document.querySelectorAll("article[data-exercise]").forEach(function (el) {
    var radios = el.querySelectorAll("form.ex-form input[type=radio]");
    asked[el.id] = {id: el.id, ask: el.getAttribute("data-ask"),
      data: JSON.parse(document.getElementById(el.getAttribute("data-exercise")).textContent),
      choices: [].map.call(radios, function (r) { return r.value; })};
    count += 1;
  });
  var opened = Date.now();

  // A choice is reported as SCORM 1.2 writes one: a letter per option, in the page's order.
  function letter(ex, value) {
    var i = ex.choices.indexOf(value);
    return i >= 0 && i < 26 ? String.fromCharCode(97 + i) : null;
  }
  /** What the student answered, as the interaction's type writes it (null: nothing given).
   * regime: the option's letter; lr: the learning rate tried; next: how far the point
   * clicked is from the true next step. */
  function response(ex, answer) {
    if (ex.ask === "regime") return answer.choice ? letter(ex, answer.choice) : null;
    if (ex.ask === "lr" && typeof answer.lr === "number") return decimal(answer.lr);
    if (ex.ask === "next" && answer.guess) {
      var p = ex.data.point;
      return decimal(Number(Math.hypot(answer.guess[0] - p[0], answer.guess[1] - p[1]).toPrecision(6)));
    }
    return null;
  }

  var kept = {};  // what the LMS holds: exercise id -> answer
  try {
    var stored = JSON.parse(get("cmi.suspend_data") || "{}");
    kept = stored && stored.answers && typeof stored.answers === "object" ? stored.answers : {};
  } catch (e) {
    kept = {};
  }
  function keep() {
    var text = JSON.stringify({answers: kept});
    if (text.length > SUSPEND_MAX) {  // the feedback sentences go first: the page writes them again
      var bare = {};
      Object.keys(kept).forEach(function (id) { bare[id] = Object.assign({}, kept[id], {feedback: ""}); });
      text = JSON.stringify({answers: bare});
    }
    put("cmi.suspend_data", text);
  }

  function report(ex, answer, latency) {
    var at = "cmi.interactions." + (Number(get("cmi.interactions._count")) || 0) + ".";
    put(at + "id", ex.id);
    put(at + "type", ex.ask === "regime" ? "choice" : "numeric");
    put(at + "time", clock(new Date()));
    var given = response(ex, answer);
    if (given !== null) put(at + "student_response", given);
    if (ex.ask === "regime" && letter(ex, ex.data.key)) put(at + "correct_responses.0.pattern", letter(ex, ex.data.key));
    put(at + "result", answer.right ? "correct" : "wrong");
    if (latency !== null) put(at + "latency", timespan(latency));
    kept[ex.id] = answer;
  }

  var complete = false;
  function grade() {
    if (!count) {
      complete = true;
      put("cmi.core.lesson_status", "completed");
      return;
    }
    var ids = Object.keys(kept).filter(function (id) { return asked[id]; });
    var right = ids.filter(function (id) { return kept[id] && kept[id].right; }).length;
    var raw = Math.round(10000 * right / count) / 100;
    if (ids.length) {
      put("cmi.core.score.min", "0");
      put("cmi.core.score.max", "100");
      put("cmi.core.score.raw", decimal(raw));
    }
    complete = ids.length === count;
    var mastery = get("cmi.student_data.mastery_score"), mark = mastery === "" ? NaN : Number(mastery);
    put("cmi.core.lesson_status", !complete ? "incomplete" : isNaN(mark) ? "completed" : raw >= mark ? "passed" : "failed");
  }

  // Join both stores: the LMS's answers into the browser (the page shows them answered), the
  // browser's into the LMS (answered before this launch: no latency known).
  var answers = window.gdanim && window.gdanim.answers;
  if (stem && answers) {
    var here = answers.load(root, stem);
    Object.keys(kept).forEach(function (id) {
      if (asked[id] && !here[id]) answers.save(root, stem, id, kept[id]);
    });
    Object.keys(here).forEach(function (id) {
      if (asked[id] && !kept[id]) report(asked[id], here[id], null);
    });
    answers.on(function (which, id, answer) {
      if (which !== stem || !asked[id] || kept[id]) return;
      report(asked[id], answer, Date.now() - opened);
      keep();
      grade();
      api.LMSCommit("");
    });
  }
  keep();
  grade();
  api.LMSCommit("");

  var finished = false;
  window.addEventListener("pagehide", function () {
    if (finished) return;
    finished = true;
    put("cmi.core.session_time", timespan(Date.now() - opened));
    put("cmi.core.exit", complete ? "" : "suspend");  // "suspend": the LMS keeps suspend_data for the next launch
    api.LMSCommit("");
    api.LMSFinish("");
  });
})();

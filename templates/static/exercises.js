// gdanim exercises: predict, then reveal. The page is written held: what an exercise asks
// about (the run's row, its verdicts, its full figures, captions and files) sits in full
// inside the exercise's closed <details> (each marked data-swap-full="key"), and a held
// version where it belongs (data-swap="key"). Without this script that is all: the answer
// and every verdict on the run are inside the <details>. With it, the question takes an
// answer first; then each full version takes its held one's place (a run's once no open
// question asks about it, the rest once all are answered), the run's video plays on past
// the epoch asked with its full captions, and the lab offers the run again. Answers are
// kept in the browser (answers.js): a revisit shows them answered.
// `ask: next` and `ask: lr` use the lab (gdanim.lab) when the page has one.
(function () {
  "use strict";
  var text = JSON.parse(document.getElementById("exercises-text").textContent);
  var lab = window.gdanim && window.gdanim.lab && window.gdanim.lab.on ? window.gdanim.lab : null;
  var answers = window.gdanim.answers;  // answers.js, loaded first
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var section = document.getElementById("exercises");
  var root = "../", stem = section.getAttribute("data-answers");  // the site is the folder above
  var saved = answers.load(root, stem);
  var all = [], pending = [];
  var reset = document.getElementById("lab-reset"), options = [];  // the lab's recorded runs held back

  var fill = window.gdanim.fill;  // numbers.js, loaded first: fields and Korean particles
  var num = window.gdanim.num;  // numbers as the rest of the page writes them (site.js)
  function pendingOn(run) {
    return pending.some(function (p) { return p.run === run; });
  }
  function heldOn(run) {  // a question asks what the run does after an epoch
    return pending.some(function (p) { return p.run === run && p.ask !== "lr"; });
  }

  // The run's video and slider stop at the frame of the asked epoch until the answer.
  function holdVideo(ex) {
    var figure = document.getElementById("run-" + ex.run);
    var video = figure && figure.querySelector("video");
    if (!video || ex.stop === null) return;
    var slider = figure.querySelector("input[data-video-slider]");
    var fps = slider ? JSON.parse(document.getElementById(slider.getAttribute("data-video-slider")).textContent).fps : 10;
    var frame = Math.floor(ex.stop * fps);
    if (ex.still) video.poster = ex.still;
    function clamp() {
      if (!ex.done && video.currentTime > ex.stop) {
        video.pause();
        video.currentTime = ex.stop;
      }
    }
    video.addEventListener("timeupdate", clamp);
    video.addEventListener("seeking", clamp);
    video.addEventListener("play", clamp);
    if (slider) {
      ex.slider = {el: slider, max: slider.max};
      slider.max = String(frame);
      slider.value = String(frame);
      slider.dispatchEvent(new Event("input"));
    }
    ex.video = video;
  }
  function release(ex, play) {
    if (ex.slider) ex.slider.el.max = ex.slider.max;
    if (play && ex.video && !still) ex.video.play().catch(function () { /* autoplay refused: the controls stay */ });
  }

  // A new <track> in place of the held one: a track's source is read when it is added.
  function swapTrack(video, src) {
    var old = video.querySelector("track"), track = document.createElement("track");
    var mode = old && old.track ? old.track.mode : "showing";
    ["kind", "srclang", "label"].forEach(function (a) { if (old && old.hasAttribute(a)) track.setAttribute(a, old.getAttribute(a)); });
    track.default = true;
    track.src = src;
    if (old) video.replaceChild(track, old); else video.appendChild(track);
    track.track.mode = mode === "disabled" ? "disabled" : "showing";
  }
  // A held run's video, alt text, captions and figure caption in full.
  function unholdRun(video) {
    var run = video.getAttribute("data-held");
    if (pendingOn(run)) return;
    video.removeAttribute("data-held");
    var sel = function (attr) { return "[" + attr + '="' + run + '"]'; };
    var alt = document.querySelector(sel("data-full-alt"));
    if (alt) {
      video.setAttribute("aria-label", alt.textContent);
      document.querySelectorAll(sel("data-held-alt")).forEach(function (el) {
        if (el.tagName === "IMG") el.alt = alt.textContent; else el.textContent = alt.textContent;
      });
      alt.parentNode.removeChild(alt);
    }
    var link = document.querySelector(sel("data-full-track"));
    if (link) swapTrack(video, link.getAttribute("href"));
    var row = document.querySelector("#runs tr" + sel("data-run"));
    var caption = document.querySelector(sel("data-held-caption"));
    if (row && caption) {
      caption.textContent = [].map.call(row.querySelectorAll(".badge"), function (b) {
        return " · " + b.textContent;
      }).join("");
    }
  }
  // Every full version whose questions are answered takes its held one's place.
  function unfold() {
    document.querySelectorAll("[data-swap-full]").forEach(function (full) {
      var run = full.getAttribute("data-for");
      if (run ? pendingOn(run) : pending.length > 0) return;
      var place = document.querySelector('[data-swap="' + full.getAttribute("data-swap-full") + '"]');
      full.removeAttribute("data-swap-full");
      if (place) place.parentNode.replaceChild(full, place);
    });
    document.querySelectorAll("[data-ex-rows]").forEach(function (wrap) {
      if (!wrap.querySelector("tbody tr")) wrap.parentNode.removeChild(wrap);  // its rows are in the table now
    });
    document.querySelectorAll("video[data-held]").forEach(unholdRun);
    options = options.filter(function (o) {
      if (heldOn(o.getAttribute("data-run"))) return true;
      var after = [].filter.call(reset.options, function (x) { return x.value !== "" && Number(x.value) > Number(o.value); });
      reset.insertBefore(o, after.length ? after[0] : null);
      return false;
    });
    document.querySelectorAll("[data-spoiler]").forEach(function (el) { el.hidden = pending.length > 0; });
    document.querySelectorAll("[data-ex-intro]").forEach(function (p) { p.hidden = pending.length === 0; });
    showProgress();
  }
  function showProgress() {
    var p = section.querySelector("[data-ex-progress]"), out = p && p.querySelector("[data-progress-text]");
    if (!out) return;
    out.textContent = answers.progress(root, stem, all.length, out.getAttribute("data-progress-text"));
    p.hidden = false;
  }

  // answer: what to keep ({right, ...}); null when revealed from what was kept.
  function reveal(ex, message, answer) {
    ex.feedback.textContent = message;
    ex.details.hidden = false;
    ex.details.open = true;
    if (ex.done) return;
    ex.done = true;
    pending = pending.filter(function (p) { return p !== ex; });
    if (answer) answers.save(root, stem, ex.id, Object.assign(answer, {feedback: message}));
    unfold();
    release(ex, answer !== null);
  }

  var check = {
    regime: function (ex, form) {
      var picked = form.querySelector("input[type=radio]:checked");
      if (!picked) return;
      var right = picked.value === ex.data.key;
      reveal(ex, right ? text.right : text.wrong, {right: right, choice: picked.value});
    },
    next: function (ex) {  // the next click on the lab's contour plot is the guess
      document.getElementById("lab").scrollIntoView({block: "center"});
      var off = lab.on("pick", function (p) {
        off();
        var a = ex.data.point[0], b = ex.data.point[1];
        var d = Math.sqrt(Math.pow(p.point[0] - a, 2) + Math.pow(p.point[1] - b, 2));
        var s = ex.data.start || ex.data.point;  // right: within a quarter of the way the steps go
        var way = Math.sqrt(Math.pow(s[0] - a, 2) + Math.pow(s[1] - b, 2));
        ex.guess = p.point;
        reveal(ex, fill(text.guess, {guess: num(p.point[0]) + ", " + num(p.point[1]), distance: num(d)}),
          {right: d <= 0.25 * way, guess: p.point});
        return false;  // taken: the lab's start point stays where it was
      });
    },
    lr: function (ex) {  // the lab's current run: is its loss under the target within the epochs?
      var r = lab.update(), st = lab.state, want = ex.data;  // update: the run of the current settings
      var batch = st.train.batch_size;
      if (st.loss !== want.loss || st.optimizer !== "gd" || (batch && r.perEpoch > 1)) {
        ex.feedback.textContent = fill(text.lr_setup, {loss: want.loss.toUpperCase()});
        return;
      }
      var losses = r.loss.concat([r.finalLoss]), last = Math.min(want.epochs, losses.length - 1), hit = -1;
      for (var i = 0; i <= last; i++) if (losses[i] < want.target) { hit = i; break; }
      ex.tries = (ex.tries || 0) + 1;
      var fields = {lr: num(st.lr), target: num(want.target), epochs: last};
      if (hit >= 0) {
        reveal(ex, fill(text.lr_yes, Object.assign(fields, {epoch: hit, loss: num(losses[hit])})), {right: true, lr: st.lr});
      } else {
        var msg = fill(text.lr_no, Object.assign(fields, {loss: num(losses[last])}));
        if (ex.tries >= 3) reveal(ex, msg, {right: false, lr: st.lr}); else ex.feedback.textContent = msg;
      }
    }
  };

  document.querySelectorAll("article[data-exercise]").forEach(function (el) {
    var ex = {
      id: el.id, run: el.getAttribute("data-for-run"), ask: el.getAttribute("data-ask"),
      stop: el.hasAttribute("data-stop") ? Number(el.getAttribute("data-stop")) : null,
      still: el.getAttribute("data-still"),
      data: JSON.parse(document.getElementById(el.getAttribute("data-exercise")).textContent),
      details: el.querySelector("details.answer"), feedback: el.querySelector(".ex-feedback"), done: false
    };
    var form = el.querySelector("form.ex-form");
    all.push(ex);
    pending.push(ex);
    var kept = saved[ex.id];
    if (ex.ask !== "regime" && !lab) {  // no lab on this page: opening the answer answers it
      ex.feedback = document.createElement("span");
      ex.details.addEventListener("toggle", function () { if (ex.details.open) reveal(ex, "", {right: false}); });
      if (!kept) return;
    } else {
      form.hidden = false;
      ex.details.hidden = true;
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        check[ex.ask](ex, form);
      });
    }
    if (!kept) holdVideo(ex);
  });
  document.querySelectorAll("video[data-held]").forEach(function (v) { v.hidden = false; });  // held by the script now
  if (reset) {
    [].slice.call(reset.querySelectorAll("option[data-run]")).forEach(function (o) {
      if (!heldOn(o.getAttribute("data-run"))) return;
      options.push(o);
      reset.removeChild(o);
    });
  }
  all.forEach(function (ex) {  // answered on an earlier visit: answered, with its outcome
    var kept = saved[ex.id];
    if (!kept) return;
    var box = kept.choice && ex.details.parentNode.querySelector('input[type=radio][value="' + kept.choice + '"]');
    if (box) box.checked = true;
    reveal(ex, String(kept.feedback || ""), null);
  });
  section.querySelectorAll("[data-clear-answers]").forEach(function (button) {
    button.addEventListener("click", function () {
      answers.clear(root, stem);
      window.location.reload();  // every question asked again, everything held again
    });
  });
  unfold();
  (window.gdanim = window.gdanim || {}).exercises = {
    /** The exercises not answered yet, by run name: gdanim.exercises.pending() -> ["lr-0.0083"] */
    pending: function () { return pending.map(function (ex) { return ex.run; }); }
  };
})();

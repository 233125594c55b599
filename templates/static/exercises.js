// gdanim exercises: predict, then reveal. Without this script each question shows with its
// answer in a closed <details>; with it, the answer, the runs table row, the comparison and
// the analysis stay folded, and the run's video stops at the epoch asked about, until the
// student answers. `ask: next` and `ask: lr` use the lab (gdanim.lab) when the page has one.
(function () {
  "use strict";
  var text = JSON.parse(document.getElementById("exercises-text").textContent);
  var lab = window.gdanim && window.gdanim.lab && window.gdanim.lab.on ? window.gdanim.lab : null;
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var pending = [];

  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in fields ? fields[k] : m; });
  }
  var num = window.gdanim.num;  // numbers as the rest of the page writes them (site.js)
  function fold() {
    var runs = pending.map(function (ex) { return ex.run; });
    document.querySelectorAll("[data-run], [data-spoiler]").forEach(function (el) {
      var run = el.getAttribute("data-run");
      el.hidden = el.hasAttribute("data-spoiler") ? pending.length > 0 : runs.indexOf(run) >= 0;
    });
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
  function release(ex) {
    if (ex.slider) ex.slider.el.max = ex.slider.max;
    if (ex.video && !still) ex.video.play().catch(function () { /* autoplay refused: the controls stay */ });
  }

  function reveal(ex, message) {
    ex.feedback.textContent = message;
    ex.details.hidden = false;
    ex.details.open = true;
    if (ex.done) return;
    ex.done = true;
    pending = pending.filter(function (p) { return p !== ex; });
    fold();
    release(ex);
  }

  var check = {
    regime: function (ex, form) {
      var picked = form.querySelector("input[type=radio]:checked");
      if (!picked) return;
      reveal(ex, picked.value === ex.data.key ? text.right : text.wrong);
    },
    next: function (ex) {  // the next click on the lab's contour plot is the guess
      document.getElementById("lab").scrollIntoView({block: "center"});
      var off = lab.on("pick", function (p) {
        off();
        var a = ex.data.point[0], b = ex.data.point[1];
        var d = Math.sqrt(Math.pow(p.point[0] - a, 2) + Math.pow(p.point[1] - b, 2));
        ex.guess = p.point;
        reveal(ex, fill(text.guess, {guess: num(p.point[0]) + ", " + num(p.point[1]), distance: num(d)}));
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
        reveal(ex, fill(text.lr_yes, Object.assign(fields, {epoch: hit, loss: num(losses[hit])})));
      } else {
        var msg = fill(text.lr_no, Object.assign(fields, {loss: num(losses[last])}));
        if (ex.tries >= 3) reveal(ex, msg); else ex.feedback.textContent = msg;
      }
    }
  };

  document.querySelectorAll("article[data-exercise]").forEach(function (el) {
    var ex = {
      run: el.getAttribute("data-for-run"), ask: el.getAttribute("data-ask"),
      stop: el.hasAttribute("data-stop") ? Number(el.getAttribute("data-stop")) : null,
      still: el.getAttribute("data-still"),
      data: JSON.parse(document.getElementById(el.getAttribute("data-exercise")).textContent),
      details: el.querySelector("details.answer"), feedback: el.querySelector(".ex-feedback"), done: false
    };
    var form = el.querySelector("form.ex-form");
    if (ex.ask !== "regime" && !lab) return;  // no lab on this page: the answer stays a <details>
    form.hidden = false;
    ex.details.hidden = true;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      check[ex.ask](ex, form);
    });
    pending.push(ex);
    holdVideo(ex);
  });
  document.querySelectorAll("[data-ex-intro]").forEach(function (p) { p.hidden = pending.length === 0; });
  fold();
  (window.gdanim = window.gdanim || {}).exercises = {
    /** The exercises not answered yet, by run name: gdanim.exercises.pending() -> ["lr-0.0083"] */
    pending: function () { return pending.map(function (ex) { return ex.run; }); }
  };
})();

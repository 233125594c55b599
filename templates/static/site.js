// gdanim report: scrub each run's video by step, and copy embed snippets. No network.
(function () {
  "use strict";
  /**
   * A number as every page, frame and caption writes it (gdanim.numbers.num in Python):
   * `digits` significant digits (4), 0.00824, 8588, 5.188e11, 1.2e-5; ∞ for a value that
   * is not finite (null in the page's data). gdanim.num(8587.6875) -> "8588"
   */
  function num(v, digits) {
    digits = digits || 4;
    if (v === null || v === undefined || !isFinite(v)) return v < 0 ? "−∞" : "∞";
    if (v === 0) return "0";
    var a = Math.abs(v), rounded = Number(v.toPrecision(digits));
    if (a >= 1e6 || a < 1e-4 || Math.abs(rounded) >= Math.pow(10, digits)) {
      var parts = v.toExponential(digits - 1).split("e");
      return parts[0].replace(/\.?0+$/, "") + "e" + Number(parts[1]);
    }
    return String(rounded);
  }
  (window.gdanim = window.gdanim || {}).num = num;
  document.querySelectorAll("input[data-video-slider]").forEach(function (slider) {
    var id = slider.getAttribute("data-video-slider");
    var data = JSON.parse(document.getElementById(id).textContent);
    var video = document.querySelector('video[data-frames="' + id + '"]');
    var out = slider.parentNode.querySelector("output");
    var last = data.frames.length - 1;
    function show(i) {
      var f = data.frames[i];
      if (data.runs) {  // the grid of all runs: each at its own epoch
        out.textContent = data.runs.map(function (name, j) {
          return name + ": " + out.dataset.epoch + " " + f[j][0] + " · " + out.dataset.loss + " " + num(f[j][1]);
        }).join("; ");
        return;
      }
      out.textContent = out.dataset.epoch + " " + f[0] + " · " + out.dataset.loss + " " + num(f[1]) +
        " · " + out.dataset.params + " = [" + f[2].map(function (v) { return num(v); }).join(", ") + "]" +
        (f.length > 3 ? " · lr = " + num(f[3]) : "");  // a scheduled run: the current rate
    }
    slider.addEventListener("input", function () {
      var i = Number(slider.value);
      if (video) {
        video.pause();
        video.currentTime = (i + 0.5) / data.fps;
      }
      show(i);
    });
    function frameAt(t) {
      return Math.min(last, Math.max(0, Math.floor(t * data.fps)));
    }
    if (video) {
      video.addEventListener("timeupdate", function () {
        if (video.paused && document.activeElement === slider) return;
        var i = frameAt(video.currentTime);
        slider.value = String(i);
        show(i);
      });
      video.addEventListener("pause", function () {
        // settle on the middle of the frame the slider names, so picture and numbers agree
        var i = frameAt(video.currentTime);
        if (i < last) video.currentTime = (i + 0.5) / data.fps;
      });
    }
    show(Number(slider.value));  // the slider starts on the poster's frame
  });
  // Controls that need this script are shown by it: without script they would do nothing.
  document.querySelectorAll(".scrub[hidden], button[data-copy][hidden]").forEach(function (el) {
    el.hidden = false;
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var pre = document.getElementById(button.getAttribute("data-copy"));
      var text = pre.textContent;
      var done = function () { button.textContent = button.getAttribute("data-done"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(pre); });
      } else {
        select(pre);
        try { if (document.execCommand("copy")) done(); } catch (e) { /* selected for the user */ }
      }
    });
  });
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
})();

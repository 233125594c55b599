// gdanim report: scrub each run's video by step, and copy embed snippets. No network.
(function () {
  "use strict";
  var num = window.gdanim.num;  // numbers.js, loaded first
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

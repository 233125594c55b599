// gdanim serve: what every page it serves gets. It listens to the server's events and
// reloads the page when its files were built again, keeping the scroll position (and the
// lab's state, through gdanim.lab.link() when the page has it); it shows the build's
// problems over the page, each line as `gdanim validate` prints it, until they are fixed.
(function () {
  "use strict";
  var KEY = "gdanim-serve-scroll:" + location.pathname;
  var overlay = null;

  function restoreScroll() {
    try {
      var y = sessionStorage.getItem(KEY);
      if (y === null) return;
      sessionStorage.removeItem(KEY);
      window.scrollTo(0, Number(y));
    } catch (e) { /* no storage: the page opens at its top */ }
  }

  function reload() {
    try { sessionStorage.setItem(KEY, String(window.scrollY)); } catch (e) { /* no storage */ }
    var lab = window.gdanim && window.gdanim.lab;
    if (lab && typeof lab.link === "function") history.replaceState(null, "", lab.link());
    location.reload();
  }

  function showProblems(lines) {
    if (!lines.length) {
      if (overlay) overlay.remove();
      overlay = null;
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "gdanim-serve-problems";
      overlay.setAttribute("role", "alert");
      var s = overlay.style;  // set through the CSSOM: the page's policy allows no inline style
      s.position = "fixed"; s.left = "1rem"; s.right = "1rem"; s.bottom = "1rem"; s.zIndex = "2147483647";
      s.maxHeight = "45vh"; s.overflow = "auto"; s.padding = "0.75rem 1rem"; s.margin = "0";
      s.background = "#2b0d0d"; s.color = "#ffe9e9"; s.border = "2px solid #e05050"; s.borderRadius = "6px";
      s.font = "14px/1.45 ui-monospace, monospace"; s.whiteSpace = "pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = lines.join("\n");  // text, never markup: a line may quote the file
  }

  window.addEventListener("load", restoreScroll);
  var events = new EventSource("/__gdanim__/events");
  events.onmessage = function (event) {
    var message = JSON.parse(event.data);
    if (message.type === "reload") reload();
    else if (message.type === "problems") showProblems(message.lines);
  };
})();

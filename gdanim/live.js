// gdanim serve: what every page it serves gets. It listens to the server's events and
// reloads the page when its files were built again, keeping the reader's place (and the
// lab's state, through gdanim.lab.link() when the page has it); it shows the build's
// problems over the page, each line as `gdanim validate` prints it, until they are fixed.
// A page written ahead of its animations lists them (data-media-wait); each shows as
// soon as the server reports its file written.
(function () {
  "use strict";
  var KEY = "gdanim-serve-scroll:" + location.pathname;
  var overlay = null;

  // The place is kept as the first element with an id that starts in view and how far
  // its top is from the window's top: the page built again may be longer or shorter above it.
  function place() {
    var marks = document.querySelectorAll("main [id]");
    for (var i = 0; i < marks.length; i++) {
      var box = marks[i].getBoundingClientRect();
      if (box.top >= 0 && box.height > 0) return {id: marks[i].id, top: box.top, y: window.scrollY};
    }
    return {id: null, top: 0, y: window.scrollY};
  }

  // Back at the place at once, and again once pictures and fonts have loaded and moved it.
  function restoreScroll(last) {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(KEY));
      if (last) sessionStorage.removeItem(KEY);
    } catch (e) { /* no storage: the page opens at its top */ }
    if (!saved) return;
    if (!last) quietLab();
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";  // ours, not the browser's
    var mark = saved.id && document.getElementById(saved.id);
    var y = mark ? window.scrollY + mark.getBoundingClientRect().top - saved.top : saved.y;
    window.scrollTo(0, y);
  }

  // After a reload of ours, the lab's state came back through its link: the lab need not
  // say it opened a link (it still says so of a link it could not read).
  function quietLab() {
    var notice = document.getElementById("lab-link-notice");
    if (notice && !notice.classList.contains("lab-bad")) notice.hidden = true;
  }

  function reload() {
    try { sessionStorage.setItem(KEY, JSON.stringify(place())); } catch (e) { /* no storage */ }
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

  // "lr" for /lr/, /lr/index.html or /lr/lab.html: the folder the server names a file in;
  // "" for the site's own pages (the index, the worksheet)
  var folder = decodeURIComponent(location.pathname.split("/").slice(-2, -1)[0] || "");
  // a build says whose pages it wrote again ("folders"): a scenario's page reloads when
  // its folder is among them, the site's own pages when any is (their cards changed)
  function mine(folders) {
    return !folders || (folder ? folders.indexOf(folder) >= 0 : folders.length > 0);
  }

  function showMedia(file) {
    var dot = file.lastIndexOf("."), name = file.slice(0, dot), kind = file.slice(dot + 1);
    var item = document.querySelector('[data-media-wait="' + CSS.escape(name) + '"]');
    if (!item || (kind !== "png" && kind !== "mp4")) return;
    var old = item.querySelector("img, video");
    if (kind === "png" && old) return;  // the video came first: it stays
    var el = document.createElement(kind === "png" ? "img" : "video");
    el.src = file;
    if (kind === "png") el.alt = name;
    else { el.controls = true; el.muted = true; el.loop = true; el.setAttribute("playsinline", ""); }
    el.style.display = "block"; el.style.maxWidth = "100%";
    if (old) old.replaceWith(el); else item.appendChild(el);
    item.setAttribute("data-media-ready", "");
  }

  restoreScroll(false);  // this script comes last: the page's text is laid out
  window.addEventListener("load", function () { restoreScroll(true); });
  var events = new EventSource("/__gdanim__/events");
  events.onmessage = function (event) {
    var message = JSON.parse(event.data);
    if (message.type === "reload" && mine(message.folders)) reload();
    else if (message.type === "problems") showProblems(message.lines);
    else if (message.type === "media" && message.folder === folder) showMedia(message.file);
  };
})();

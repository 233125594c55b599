// gdanim lab: the page side of the "Try it" section, its wiring. lab-state.js holds the
// state and the run, lab-draw.js the views, lab-core.js the maths (all loaded before this
// file, after numbers.js). Here: the controls that write the state (and are synced from
// it), one redraw per animation frame doing only what changed, the pointer and keys on
// the contour, and the page API (docs/lab.md): gdanim.lab.state, set(patch), update(),
// result(), reset(run), view(), on(event, fn), link().
(function () {
  "use strict";
  var root = document.getElementById("lab");
  var block = document.getElementById("lab-data");
  var gdanim = window.gdanim || {}, lab = gdanim.lab;
  if (!root || !block || !lab || typeof lab.simulate !== "function" || !gdanim.labState) return;
  var page = JSON.parse(block.textContent);
  var model = gdanim.labState(page, lab), views = gdanim.labViews(root, model, lab);
  var state = model.state, set = model.set, reset = model.reset, useUnits = model.useUnits;
  var IX = model.IX, IY = model.IY, clamp = model.clamp, say = model.say, MOMENTUM = model.MOMENTUM;
  var dataOf = model.dataOf, lossEntry = model.lossEntry, quadratic = model.quadratic, spectrum = model.spectrum;
  var viewBox = model.viewBox, simulate = model.simulate, row = model.row, epochShown = model.epochShown;
  var canvases = views.canvases, readout = views.readout, epochOut = views.epochOut, drawn = views.drawn;
  var fmt = views.fmt;
  function el(id) { return document.getElementById(id); }
  var pending = 0;
  function schedule() {
    if (!pending) pending = window.requestAnimationFrame(redraw);
  }
  model.changed = schedule;

  // ---- controls: write the state; synced from it after each change ----------------------
  var lr = {range: el("lab-lr-range"), number: el("lab-lr"), mark: el("lab-critical-mark"), ticks: el("lab-lr-ticks")};
  // the slider is log-scale over whole decades: the loss's range (lab.py's lr_range), widened
  // by whole decades to hold any other rate strictly inside, so the thumb never pins at an
  // end while the rate is elsewhere. Set again on every change but the slider's own (the
  // scale does not move under the pointer).
  var SLIDER_STEPS = page.slider_steps, extent = null;
  function extentOf(v) {
    var r = page.lr_range[lossEntry().key] || page.lr_range.mse;
    var lo = Math.log10(r[0]), hi = Math.log10(r[1]), at = Math.log10(v);
    if (at <= lo) lo = Math.ceil(at) - 1;
    if (at >= hi) hi = Math.floor(at) + 1;
    return [lo * Math.LN10, hi * Math.LN10];
  }
  function span() { return extent || (extent = extentOf(state.lr)); }
  function lrOfPosition(pos) {
    var r = span();
    return Number(Math.exp(r[0] + pos / SLIDER_STEPS * (r[1] - r[0])).toPrecision(3));
  }
  function fractionOfLr(v) { var r = span(); return (Math.log(v) - r[0]) / (r[1] - r[0]); }
  function positionOfLr(v) { return clamp(Math.round(fractionOfLr(v) * SLIDER_STEPS), 0, SLIDER_STEPS); }
  var controls = {
    optimizer: el("lab-optimizer"), momentum: el("lab-momentum"), beta1: el("lab-beta1"), beta2: el("lab-beta2"),
    epochs: el("lab-epochs"), units: el("lab-units"), reset: el("lab-reset"), epoch: el("lab-epoch"),
    batch: el("lab-batch"), seed: el("lab-seed"),
    schedule: el("lab-schedule"),
    init: Array.prototype.slice.call(root.querySelectorAll("input[data-lab-init]")),
    loss: Array.prototype.slice.call(root.querySelectorAll("input[name='lab-loss']"))
  };
  function num(input) { return input.value.trim() === "" ? NaN : Number(input.value); }
  el("lab-controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
  lr.range.addEventListener("input", function () { set({lr: lrOfPosition(Number(lr.range.value))}, "slider"); });
  lr.number.addEventListener("input", function () { set({lr: num(lr.number)}, "lr"); });
  controls.optimizer.addEventListener("change", function () { set({optimizer: controls.optimizer.value}, "optimizer"); });
  controls.momentum.addEventListener("input", function () { set({momentum: num(controls.momentum)}, "momentum"); });
  [controls.beta1, controls.beta2].forEach(function (input) {
    input.addEventListener("input", function () { set({betas: [num(controls.beta1), num(controls.beta2)]}, "betas"); });
  });
  // the training settings with one of them changed (state.train is replaced, never edited)
  function trained(key, value) { var t = Object.assign({}, state.train); t[key] = value; return t; }
  controls.loss.forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked) return;
      var entry = page.losses.filter(function (o) { return o.key === radio.value; })[0], patch = {loss: entry.loss};
      if (entry.loss === "huber") patch.train = trained("huber_delta", entry.huber_delta);
      set(patch, "loss");
    });
  });
  controls.epochs.addEventListener("input", function () { set({epochs: num(controls.epochs)}, "epochs"); });
  // mini-batches: a size below n (empty or n and above: full batch) and the shuffle's seed
  controls.batch.addEventListener("input", function () {
    var b = num(controls.batch);
    set({train: trained("batch_size", b >= 1 && b < page.n ? Math.round(b) : null)}, "batch");
  });
  controls.seed.addEventListener("input", function () {
    var v = num(controls.seed);
    if (v >= 0) set({train: trained("seed", Math.round(v))}, "seed");
  });
  if (controls.schedule) controls.schedule.addEventListener("change", function () {
    var i = controls.schedule.value;
    set({train: trained("schedule", i === "" ? null : page.schedules[Number(i)].schedule)}, "schedule");
  });
  if (controls.units) controls.units.addEventListener("change", function () { useUnits(Number(controls.units.value)); });
  controls.init.forEach(function (input) {
    input.addEventListener("input", function () {
      var w = state.init.slice();
      w[Number(input.getAttribute("data-lab-init"))] = num(input);
      set({init: w}, "init");
    });
  });
  if (controls.reset) controls.reset.addEventListener("change", function () {
    if (controls.reset.value !== "") reset(Number(controls.reset.value));
  });
  controls.epoch.addEventListener("input", function () {
    var v = Number(controls.epoch.value);
    set({epoch: v >= model.sim.steps ? null : v}, "epoch");
  });

  function syncControls(from) {
    var active = document.activeElement;
    function put(input, value) {
      if (!input || (input === active && input.type !== "range" && num(input) === value)) return;
      input.value = String(value);
    }
    if (from !== "slider") {
      extent = extentOf(state.lr);
      lr.range.value = String(positionOfLr(state.lr));
    }
    lr.range.setAttribute("aria-valuetext", fmt(state.lr));
    put(lr.number, state.lr);
    controls.optimizer.value = state.optimizer;
    put(controls.momentum, state.momentum);
    put(controls.beta1, state.betas[0]);
    put(controls.beta2, state.betas[1]);
    put(controls.epochs, state.epochs);
    if (controls.batch !== active) controls.batch.value = state.train.batch_size ? String(state.train.batch_size) : "";
    put(controls.seed, state.train.seed || 0);
    controls.seed.disabled = !state.train.batch_size;  // full batch: nothing to shuffle
    if (controls.units) controls.units.value = String(state.units);
    if (controls.schedule) {
      var now = JSON.stringify(state.train.schedule || null);
      controls.schedule.value = String(page.schedules.map(function (x) { return JSON.stringify(x.schedule); }).indexOf(now));
      if (controls.schedule.value === "-1" || now === "null") controls.schedule.value = "";
    }
    controls.init.forEach(function (input, i) { put(input, +state.init[i].toPrecision(6)); });
    var chosen = lossEntry().key;
    controls.loss.forEach(function (radio) { radio.checked = radio.value === chosen; });
    if (controls.reset) controls.reset.value = state.run === null ? "" : String(state.run);
    root.querySelectorAll("[data-lab-option]").forEach(function (box) {
      var which = box.getAttribute("data-lab-option");
      box.hidden = which === "momentum" ? !MOMENTUM[state.optimizer] : state.optimizer !== "adam";
    });
    var crit = quadratic() && spectrum().critical_lr;
    lr.mark.hidden = !crit;
    lr.ticks.innerHTML = "";
    if (crit) {
      var at = fractionOfLr(crit);
      lr.mark.hidden = !(at >= 0 && at <= 1);
      lr.mark.style.setProperty("--at", clamp(at, 0, 1).toFixed(4));
      lr.mark.textContent = say("critical", {}) + " = " + fmt(crit, 3);
      var tick = document.createElement("option");
      tick.value = String(positionOfLr(crit));
      tick.label = say("critical", {});
      lr.ticks.appendChild(tick);
    }
  }

  // ---- one frame: only what changed -------------------------------------------------------
  var listeners = {change: [], pick: []};
  function redraw() {
    pending = 0;
    var resized = views.sizeCanvases();
    if (model.dirty.layer || resized) {
      if (model.dirty.layer) lab.data = dataOf(state.units);
      views.drawLayer();
      model.dirty.run = true;
    }
    if (model.dirty.run) simulate();
    var e = epochShown();
    controls.epoch.max = String(model.sim.steps);
    controls.epoch.value = String(e);
    controls.epoch.setAttribute("aria-valuetext", say(model.sim.per > 1 ? "axis_step" : "axis_epoch", {}) + " " + e);
    if (model.dirty.controls) syncControls(model.dirty.controls);
    views.drawContour();
    views.drawFit();
    views.drawLoss();
    views.drawRate();
    epochOut.textContent = views.epochText();
    if (model.dirty.run) {
      var text = views.readoutText();
      if (readout.textContent !== text) readout.textContent = text;
      announceLater(text);
    }
    var ran = model.dirty.run;
    model.dirty = {};
    emit("change", {state: snapshot(), ran: ran, status: model.sim.status, steps: model.sim.steps, final: model.sim.final,
      finalLoss: model.sim.finalLoss});
  }
  // the live region speaks once, when input has settled: a held arrow key on the slider
  // redraws every frame but is announced after SETTLE_MS without a change
  var announce = el("lab-announce"), settling = 0, SETTLE_MS = 500;
  function announceLater(text) {
    window.clearTimeout(settling);
    settling = window.setTimeout(function () {
      if (announce.textContent !== text) announce.textContent = text;
    }, SETTLE_MS);
  }
  function update() {
    if (pending) window.cancelAnimationFrame(pending);
    redraw();
  }

  // ---- pointer and keyboard on the contour -------------------------------------------------
  var contour = canvases.contour, dragging = false;
  function pointAt(ev) {
    var rect = contour.getBoundingClientRect(), fr = views.layerFrame();
    var px = clamp(ev.clientX - rect.left, fr.L, fr.L + fr.W), py = clamp(ev.clientY - rect.top, fr.T, fr.T + fr.H);
    return fr.inv(px, py);
  }
  function pick(ev) {
    var ab = pointAt(ev), w = state.init.slice();
    w[IX] = ab[0];
    w[IY] = ab[1];
    var taken = emit("pick", {point: ab, params: w});
    if (!taken) set({init: w}, "pointer");
  }
  // mouse and pen set the start on press and drag it; a finger sets it on a tap, so that a
  // swipe across the plot still scrolls the page
  var tap = null;
  contour.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) return;
    contour.focus({preventScroll: true});
    if (ev.pointerType === "touch") {
      tap = ev.pointerId;
      return;
    }
    dragging = true;
    if (contour.setPointerCapture && ev.pointerId !== undefined) {
      try { contour.setPointerCapture(ev.pointerId); } catch (e) { /* a synthetic event has no pointer */ }
    }
    pick(ev);
  });
  contour.addEventListener("pointermove", function (ev) { if (dragging && !listeners.pick.length) pick(ev); });
  contour.addEventListener("pointerup", function (ev) {
    if (tap === ev.pointerId) pick(ev);
    dragging = false;
    tap = null;
  });
  contour.addEventListener("pointercancel", function () { dragging = false; tap = null; });
  contour.addEventListener("keydown", function (ev) {
    var d = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[ev.key];
    if (!d) return;
    ev.preventDefault();
    var fr = views.layerFrame(), step = ev.shiftKey ? 0.1 : 0.02, w = state.init.slice();
    w[IX] = clamp(w[IX] + d[0] * step * (fr.xhi - fr.xlo), fr.xlo, fr.xhi);
    w[IY] = clamp(w[IY] + d[1] * step * (fr.yhi - fr.ylo), fr.ylo, fr.yhi);
    set({init: w}, "keyboard");
  });

  // ---- page API ------------------------------------------------------------------------------
  function snapshot() { return JSON.parse(JSON.stringify(state)); }
  function result() {
    var params = [];
    for (var i = 0; i <= model.sim.steps; i++) params.push(row(model.sim.W, i));
    return {params: params, loss: Array.prototype.slice.call(model.sim.loss), status: model.sim.status, steps: model.sim.steps,
      perEpoch: model.sim.per, divergedAt: model.sim.divergedAt,
      final: model.sim.final, finalLoss: model.sim.finalLoss, distance: model.sim.distance, exit: model.sim.exit, readout: readout.textContent,
      drawn: Object.assign({levels: drawn.levels, fit: drawn.fit, rate: drawn.rate, loss: drawn.loss}, drawn.contour)};
  }
  function emit(name, detail) {
    var taken = false;
    listeners[name].forEach(function (fn) { if (fn(detail) === false) taken = true; });
    root.dispatchEvent(new CustomEvent("gdanim-lab-" + name, {detail: detail}));
    return taken;
  }
  lab.state = state;
  lab.set = function (patch) { return set(patch, "api"); };
  lab.update = function () { update(); return result(); };
  lab.result = result;
  lab.reset = function (which) { reset(which); update(); return result(); };
  lab.runs = page.runs.map(function (r) { return r.name; });
  lab.view = function () { var b = viewBox(); return {lo: b.lo, hi: b.hi, pair: [IX, IY]}; };
  lab.on = function (name, fn) {
    if (!listeners[name]) throw new Error("gdanim.lab.on: unknown event " + name);
    listeners[name].push(fn);
    return function off() { listeners[name] = listeners[name].filter(function (g) { return g !== fn; }); };
  };
  // a link to this page with the lab's whole state after "#lab?" (model.linkQuery)
  lab.link = function () { return window.location.href.split("#")[0] + "#lab?" + model.linkQuery(); };
  lab.positionOfLr = positionOfLr;
  lab.lrOfPosition = lrOfPosition;

  // ---- links: open the state a link carries; copy one ------------------------------------
  var notice = el("lab-link-notice"), embedded = document.body.classList.contains("embed");
  function openLink() {
    // only "#lab?..." is a lab link (other fragments are the page's own anchors); its fields
    // are read as key=value pairs and checked one by one (model.fromLink), never run
    var hash = window.location.hash;
    if (hash.indexOf("#lab?") !== 0) return false;
    var got = model.fromLink(hash.slice(5));
    if (got.error) {
      var defaults = model.settingsPatch(page.defaults.settings, page.defaults.units);
      defaults.run = null;
      set(defaults, "link");
      notice.textContent = say("link_invalid", {field: got.error === "?" ? say("link_unknown", {}) : got.error});
    } else {
      set(got.patch, got.from);
      notice.textContent = say("link_restored", {});
    }
    notice.classList.toggle("lab-bad", !!got.error);
    notice.hidden = !got.error && embedded;  // in a slide's frame (lab.html) only a bad link is news
    return true;
  }
  window.addEventListener("hashchange", function () { if (openLink()) schedule(); });
  var linkOut = el("lab-link-out"), linkStatus = el("lab-link-status");
  el("lab-copy-link").addEventListener("click", function () {
    var url = lab.link();
    linkOut.value = url;
    linkOut.hidden = false;
    try { window.history.replaceState(null, "", url); } catch (e) { /* a page that may not rewrite its URL */ }
    function select() {
      linkOut.focus();
      linkOut.select();
      linkStatus.textContent = say("link_select", {});
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { linkStatus.textContent = say("link_copied", {}); }, select);
    } else {
      select();
    }
  });

  // ---- start -----------------------------------------------------------------------------------
  model.dirty.controls = "start";
  var linked = openLink();
  root.hidden = false;
  document.querySelectorAll("[data-lab-link]").forEach(function (a) { a.hidden = false; });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { model.dirty.layer = true; schedule(); }).observe(contour.parentNode);
  }
  update();
  window.clearTimeout(settling);
  announce.textContent = readout.textContent;  // the first readout is the page's, not news
  if (linked) root.scrollIntoView();
})();

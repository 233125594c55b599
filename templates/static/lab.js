// gdanim lab: the page side of the "Try it" section. The maths is lab-core.js (loaded first);
// this file holds one state object, the controls that write it and the views that read it.
// Redraws are merged into one animation frame. Page API (docs/lab.md): gdanim.lab.state,
// set(patch), update(), result(), reset(run), view(), on(event, fn).
(function () {
  "use strict";
  var root = document.getElementById("lab");
  var block = document.getElementById("lab-data");
  var lab = window.gdanim && window.gdanim.lab;
  if (!root || !block || !lab || typeof lab.simulate !== "function") return;
  var D = JSON.parse(block.textContent);
  var T = D.text, P = D.k + 1, A = D.pair[0], B = D.pair[1];
  var MOMENTUM = {sgd: 1, momentum: 1, nesterov: 1, rmsprop: 1};
  var LOSSES = D.losses.map(function (o) { return o.loss; });  // sse, mse and the runs' robust ones
  var QUADRATIC = {sse: 1, mse: 1};
  var TRAIN = ["gradient", "delta", "zero_grad", "stop", "schedule", "huber_delta", "batch_size", "seed"];
  var NOT_OPTIONS = {lr: 1, optimizer: 1, loss: 1, epochs: 1, init: 1, momentum: 1, betas: 1, gradient: 1,
    delta: 1, zero_grad: 1, stop: 1, schedule: 1, data: 1, huber_delta: 1, batch_size: 1, seed: 1};

  // ---- numbers and words ------------------------------------------------------------
  function fmt(v, digits) {  // numbers as the rest of the page writes them (site.js)
    return window.gdanim.num(v, digits);
  }
  function say(key, fields) {
    return T[key].replace(/\{(\w+)\}/g, function (_, name) { return fields[name]; });
  }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function finite(v) { return typeof v === "number" && isFinite(v); }

  // ---- state: one table of properties; setters clamp; views only read -----------------
  var state = {};
  var PROPS = {
    units: function (v) { return clamp(Math.round(v), 0, D.units.length - 1); },
    lr: function (v) { return v > 0 && isFinite(v) ? clamp(v, 1e-12, 1e6) : undefined; },
    optimizer: function (v) { return D.optimizers.indexOf(v) >= 0 ? v : undefined; },
    loss: function (v) { return LOSSES.indexOf(v) >= 0 ? v : undefined; },
    epochs: function (v) { return finite(v) ? clamp(Math.round(v), 1, D.epochs_max) : undefined; },
    init: function (v) {
      if (!v || v.length !== P) return undefined;
      return v.map(function (w, i) { return finite(+w) ? +w : state.init[i]; });
    },
    momentum: function (v) { return finite(v) ? clamp(v, 0, 0.9999) : undefined; },
    betas: function (v) {
      return v && v.length === 2 && finite(+v[0]) && finite(+v[1])
        ? [clamp(+v[0], 0, 0.9999), clamp(+v[1], 0, 0.99999)] : undefined;
    },
    epoch: function (v) { return v === null ? null : finite(v) ? Math.max(0, Math.round(v)) : undefined; },
    options: function (v) { return v && typeof v === "object" ? v : undefined; },
    train: function (v) { return v && typeof v === "object" ? v : undefined; },
    run: function (v) { return v === null || (v >= 0 && v < D.runs.length) ? v : undefined; }
  };
  // what each property invalidates
  var TOUCHES = {units: "layer", loss: "layer", init: "layer", train: "layer", epoch: "scrub"};  // train: huber_delta

  function optionDefaults(optimizer) {
    // the scenario's options for this optimizer: from a recorded run that used it, else torch's
    var run = null;
    D.runs.forEach(function (r) { if (!run && r.settings.optimizer === optimizer) run = r; });
    var d = D.defaults.settings;
    var source = run ? run.settings : (d.optimizer === optimizer ? d : {});
    var options = {};
    Object.keys(source).forEach(function (k) { if (!NOT_OPTIONS[k]) options[k] = source[k]; });
    var fallback = optimizer === "momentum" || optimizer === "nesterov" ? 0.9 : 0;
    return {options: options, momentum: finite(source.momentum) ? source.momentum : fallback,
      betas: source.betas ? source.betas.slice() : [0.9, 0.999]};
  }

  function settingsPatch(settings, units) {
    var o = optionDefaults(settings.optimizer), train = {};
    var options = {};
    Object.keys(settings).forEach(function (k) { if (!NOT_OPTIONS[k]) options[k] = settings[k]; });
    TRAIN.forEach(function (k) { if (k in settings) train[k] = settings[k]; });
    return {units: units, lr: settings.lr, optimizer: settings.optimizer, loss: settings.loss,
      epochs: settings.epochs, init: padInit(settings.init), options: options, train: train,
      momentum: finite(settings.momentum) ? settings.momentum : o.momentum,
      betas: settings.betas ? settings.betas.slice() : o.betas, epoch: null};
  }
  function padInit(init) {
    var out = [];
    for (var i = 0; i < P; i++) out.push(init && finite(init[i]) ? init[i] : 0);
    return out;
  }

  var dirty = {run: true, layer: true, scrub: true};
  var pending = 0;
  function set(patch, from) {
    var changed = false;
    if (patch.optimizer && patch.optimizer !== state.optimizer && !("options" in patch)) {
      var o = optionDefaults(patch.optimizer);  // a new optimizer starts from its own defaults
      patch = Object.assign({options: o.options, momentum: o.momentum, betas: o.betas}, patch);
    }
    Object.keys(patch).forEach(function (key) {
      if (!PROPS[key]) throw new Error("gdanim.lab.set: unknown property " + key);
      var v = PROPS[key](patch[key]);
      if (v === undefined || JSON.stringify(v) === JSON.stringify(state[key])) return;
      state[key] = v;
      changed = true;
      dirty[TOUCHES[key] || "run"] = true;
      if (key !== "epoch" && key !== "run" && from !== "reset") state.run = null;
    });
    if (changed) {
      if (dirty.layer) dirty.run = true;
      if (dirty.run) dirty.scrub = true;
      dirty.controls = from || "api";
      schedule();
    }
    return changed;
  }

  function schedule() {
    if (!pending) pending = window.requestAnimationFrame(frame);
  }

  // ---- derived values, cached ----------------------------------------------------------
  var cache = {};
  function dataOf(u) {
    cache.data = cache.data || {};
    if (!cache.data[u]) cache.data[u] = {x: D.units[u].x, y: D.y};
    return cache.data[u];
  }
  function quad() {
    var key = state.units + ":" + state.loss;
    if (cache.qkey !== key) {
      cache.q = lab.quadratic(dataOf(state.units), state.loss);
      cache.qkey = key;
    }
    return cache.q;
  }
  // the loss chosen, as an entry of D.losses (key, loss, label, huber_delta), and its figures
  function lossEntry() {
    var hd = state.train.huber_delta === undefined ? 1 : state.train.huber_delta;
    for (var i = 0; i < D.losses.length; i++) {
      var o = D.losses[i];
      if (o.loss === state.loss && (o.loss !== "huber" || o.huber_delta === hd)) return o;
    }
    return {key: state.loss, loss: state.loss, label: state.loss, huber_delta: hd};
  }
  function quadratic() { return !!QUADRATIC[state.loss]; }
  function spectrum() { return quadratic() ? D.units[state.units].spectra[state.loss] : null; }
  function robustFit() { return quadratic() ? null : D.units[state.units].robust[lossEntry().key] || null; }
  function best() {  // the chosen loss's own minimizer (null for a robust loss the analysis has not fitted)
    var u = D.units[state.units], fit = robustFit();
    return quadratic() ? u.ols || u.minimizer : fit && fit.params;
  }
  function bestLoss() {
    var fit = robustFit();
    return quadratic() ? spectrum().ols_loss : fit && fit.value;
  }
  function simOptions() {
    var o = {data: dataOf(state.units), lr: state.lr, optimizer: state.optimizer, loss: state.loss,
      epochs: state.epochs, init: state.init.slice()};
    Object.keys(state.options).forEach(function (k) { o[k] = state.options[k]; });
    Object.keys(state.train).forEach(function (k) { o[k] = state.train[k]; });
    if (MOMENTUM[state.optimizer]) o.momentum = state.momentum;
    if (state.optimizer === "adam") o.betas = state.betas.slice();
    return o;
  }
  function viewBox() {
    // the recorded paths' view, widened to hold the start (never the path: it may run off)
    var v = D.units[state.units].view, lo = v.lo.slice(), hi = v.hi.slice();
    [state.init[A], state.init[B]].forEach(function (w, i) {
      var pad = 0.08 * (hi[i] - lo[i]);
      if (w < lo[i]) lo[i] = w - pad;
      if (w > hi[i]) hi[i] = w + pad;
    });
    return {lo: lo, hi: hi};
  }

  // ---- simulation ----------------------------------------------------------------------
  var sim = null, columns = null;
  function simulate() {
    // simulateInto reuses its typed arrays: params [(S+1)*p], loss [S], one frame after another
    var recorded = state.run === null ? null : D.runs[state.run], o = simOptions();
    if (recorded) { o.stop = {}; o.max_steps = recorded.steps; }  // a reset takes the recorded steps
    columns = lab.simulateInto(o, columns);
    if (recorded) landOn(columns, recorded);
    var S = columns.steps, finalW = row(columns.params, S);
    var finalLoss = finalW.every(finite) ? columns.finalLoss : Infinity;
    var ols = best(), dist = 0;
    for (var i = 0; ols && i < P; i++) dist += (finalW[i] - ols[i]) * (finalW[i] - ols[i]);
    sim = {W: columns.params, loss: columns.loss, status: columns.status, steps: S, per: columns.perEpoch,
      divergedAt: columns.divergedAt, final: finalW, finalLoss: finalLoss, distance: ols ? Math.sqrt(dist) : null,
      exit: null};
    sim.exit = exitOf(sim, viewBox());
  }
  // a reset lands where the trace says the run ended (final params and loss, status), not
  // on a replay of it: the page's float32 sums need not be the recording machine's
  function landOn(c, r) {
    c.params.set(r.final.map(function (v) { return v === null ? NaN : v; }), c.steps * P);
    c.finalLoss = r.final_loss === null ? Infinity : r.final_loss;
    c.status = r.status;
    c.divergedAt = r.status === "diverged" ? c.steps - 1 : null;
  }
  function row(W, i) { return Array.prototype.slice.call(W, i * P, (i + 1) * P); }
  function exitOf(s, box) {
    for (var i = 0; i <= s.steps; i++) {
      var a = s.W[i * P + A], b = s.W[i * P + B];
      if (!(a >= box.lo[0] && a <= box.hi[0] && b >= box.lo[1] && b <= box.hi[1])) {
        return {epoch: i, a: a, b: b};
      }
    }
    return null;
  }
  function epochShown() {
    return state.epoch === null ? sim.steps : Math.min(state.epoch, sim.steps);
  }
  function lossAtEpoch(e) {
    if (e < sim.steps) return sim.loss[e];
    return sim.finalLoss;
  }

  // ---- canvases --------------------------------------------------------------------------
  var canvases = {contour: el("lab-contour"), fit: el("lab-fit"), loss: el("lab-loss")};
  var ASPECT = {contour: 0.92, fit: 0.52, loss: 0.52};
  var M = {l: 52, r: 12, t: 10, b: 34};  // plot margins in CSS pixels
  // canvas text in the page's fonts (its Hangul face too: many lab machines have none);
  // a face that loads later redraws the layer that has text in it
  var FONT = "11px " + (window.getComputedStyle(root).fontFamily || "system-ui, sans-serif"), fontsLoaded = 0;
  if (document.fonts && document.fonts.addEventListener) {
    document.fonts.addEventListener("loadingdone", function () { fontsLoaded++; dirty.layer = true; schedule(); });
  }
  var size = {};
  function el(id) { return document.getElementById(id); }
  function sizeCanvases() {
    var dpr = window.devicePixelRatio || 1, changed = false;
    Object.keys(canvases).forEach(function (k) {
      var c = canvases[k], w = Math.max(200, Math.round(c.clientWidth || 480));
      var h = Math.round(w * ASPECT[k]);
      c.style.height = h + "px";
      var bw = Math.round(w * dpr), bh = Math.round(h * dpr);
      if (c.width !== bw || c.height !== bh) {
        c.width = bw;
        c.height = bh;
        changed = true;
      }
      size[k] = {w: w, h: h, dpr: dpr};
    });
    return changed;
  }
  function frameOf(k, xlo, xhi, ylo, yhi) {
    var s = size[k], W = s.w - M.l - M.r, H = s.h - M.t - M.b;
    return {
      k: k, L: M.l, T: M.t, W: W, H: H, xlo: xlo, xhi: xhi, ylo: ylo, yhi: yhi,
      x: function (v) { return M.l + (v - xlo) / (xhi - xlo) * W; },
      y: function (v) { return M.t + H - (v - ylo) / (yhi - ylo) * H; },
      inv: function (px, py) { return [xlo + (px - M.l) / W * (xhi - xlo), ylo + (M.t + H - py) / H * (yhi - ylo)]; }
    };
  }
  function start(k) {
    var c = canvases[k], ctx = c.getContext("2d"), s = size[k];
    ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
    ctx.clearRect(0, 0, s.w, s.h);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, s.w, s.h);
    return ctx;
  }
  function ticks(lo, hi, count) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / count)));
    var err = span / count / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function axes(ctx, f, xlabel, ylabel, logY) {
    ctx.strokeStyle = "#6b7280";
    ctx.fillStyle = "#374151";
    ctx.lineWidth = 1;
    ctx.strokeRect(f.L + 0.5, f.T + 0.5, f.W, f.H);
    ctx.font = FONT;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ticks(f.xlo, f.xhi, Math.max(3, Math.floor(f.W / 80))).forEach(function (v) {
      var px = f.x(v);
      ctx.beginPath(); ctx.moveTo(px, f.T + f.H); ctx.lineTo(px, f.T + f.H + 4); ctx.stroke();
      var label = fmt(v, 3), half = ctx.measureText(label).width / 2;
      ctx.fillText(label, clamp(px, half + 1, size[f.k].w - half - 1), f.T + f.H + 6);
    });
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    var yt = logY ? logTicks(f.ylo, f.yhi) : ticks(f.ylo, f.yhi, Math.max(3, Math.floor(f.H / 50)));
    yt.forEach(function (v) {
      var py = f.y(v);
      ctx.beginPath(); ctx.moveTo(f.L - 4, py); ctx.lineTo(f.L, py); ctx.stroke();
      ctx.fillText(logY ? "1e" + v : fmt(v, 3), f.L - 6, py);
    });
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(xlabel, f.L + f.W / 2, f.T + f.H + M.b);
    ctx.save();
    ctx.translate(12, f.T + f.H / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(ylabel, 0, 0);
    ctx.restore();
  }
  function logTicks(lo, hi) {
    var out = [], step = Math.max(1, Math.ceil((hi - lo) / 6));
    for (var v = Math.ceil(lo); v <= hi; v += step) out.push(v);
    return out;
  }

  // contour layer, drawn once per units, loss, view and canvas size: for SSE and MSE the
  // exact ellipses of the quadratic's slice; for a robust loss its level sets on a grid
  // (lab.grid, lab.isolines), the bands between them coloured pixel by pixel
  var layer = document.createElement("canvas");
  var layerFrame = null, layerKey = null;
  var LEVELS = 14, SHRINK = 0.55;  // levels spaced geometrically in loss above the minimum
  function bandColor(t) {
    return [Math.round(226 - 150 * t), Math.round(236 - 110 * t), Math.round(248 - 60 * t)];
  }
  function drawLayer() {
    var s = size.contour, box = viewBox(), entry = lossEntry();
    var key = JSON.stringify([state.units, entry.key, entry.huber_delta, box, s, canvases.contour.width, fontsLoaded]);
    if (key === layerKey) return;
    layerKey = key;
    layer.width = canvases.contour.width;
    layer.height = canvases.contour.height;
    var f = frameOf("contour", box.lo[0], box.hi[0], box.lo[1], box.hi[1]);
    var ctx = layer.getContext("2d");
    ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, s.w, s.h);
    var u = D.units[state.units], centre = best() || u.minimizer;
    ctx.save();
    ctx.beginPath();
    ctx.rect(f.L, f.T, f.W, f.H);
    ctx.clip();
    ctx.fillStyle = "#eef4fb";
    ctx.fillRect(f.L, f.T, f.W, f.H);
    if (quadratic()) ellipses(ctx, f, box, u); else levelSets(ctx, f, box, centre, entry);
    if (best()) cross(ctx, f.x(centre[A]), f.y(centre[B]), "#c1121f");
    ctx.restore();
    axes(ctx, f, "w" + A, "w" + B);
    layerFrame = f;
  }
  function ellipses(ctx, f, box, u) {
    var s = size.contour, q = quad();
    var sl = lab.slice(q, [A, B], u.minimizer);
    var floor = finite(sl.min) ? sl.min : lab.lossAt(q, u.minimizer);
    var corners = [[box.lo[0], box.lo[1]], [box.lo[0], box.hi[1]], [box.hi[0], box.lo[1]], [box.hi[0], box.hi[1]]];
    var top = 0;
    corners.forEach(function (c) {
      var w = u.minimizer.slice();
      w[A] = c[0];
      w[B] = c[1];
      top = Math.max(top, lab.lossAt(q, w) - floor);
    });
    var diag = Math.hypot(box.hi[0] - box.lo[0], box.hi[1] - box.lo[1]);
    var sx = f.W / (f.xhi - f.xlo), sy = f.H / (f.yhi - f.ylo);
    for (var j = 0; j < LEVELS && sl.center; j++) {
      // rings 0.74x apart in radius
      var e = lab.ellipse(sl, floor + top * Math.pow(SHRINK, j));
      if (!e) break;
      ctx.save();
      ctx.setTransform(s.dpr * sx, 0, 0, -s.dpr * sy, s.dpr * (f.L - f.xlo * sx), s.dpr * (f.T + f.H + f.ylo * sy));
      ctx.beginPath();
      ctx.ellipse(e.cx, e.cy, Math.min(e.rx, 50 * diag), Math.min(e.ry, 50 * diag), e.angle, 0, 2 * Math.PI);
      ctx.restore();  // the path keeps its shape; the stroke width is in CSS pixels again
      var c = bandColor(j / (LEVELS - 1));
      ctx.fillStyle = "rgb(" + c.join(",") + ")";
      ctx.fill();
      ctx.strokeStyle = "rgba(55,65,81,0.45)";
      ctx.lineWidth = 0.8;
      ctx.stroke();
    }
    drawn.levels = {kind: "ellipses", count: j};
  }
  function levelSets(ctx, f, box, fixed, entry) {
    // nodes every ~4 CSS pixels, fewer when the data are many (about 3 million point losses)
    var cells = clamp(Math.floor(3e6 / D.n), 1600, 16384), aspect = f.H / f.W;
    var nx = Math.max(24, Math.round(Math.sqrt(cells / aspect))), ny = Math.max(24, Math.round(nx * aspect));
    var v = lab.grid(dataOf(state.units), {loss: entry.loss, huber_delta: entry.huber_delta, pair: [A, B],
      fixed: fixed, lo: box.lo, hi: box.hi, nx: nx, ny: ny});
    var fit = robustFit(), lo = Infinity, hi = -Infinity, i, j;
    for (i = 0; i < v.length; i++) if (isFinite(v[i])) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); }
    var floor = fit && finite(fit.value) ? Math.min(fit.value, lo) : lo, top = hi - floor;
    if (!(top > 0)) return;
    var levels = [];
    for (j = 0; j < LEVELS; j++) levels.push(floor + top * Math.pow(SHRINK, j));
    // bands: each device pixel gets the colour of the highest level below which its
    // bilinearly interpolated loss lies, so the bands meet the isolines drawn on top
    var s = size.contour, dpr = s.dpr, x0 = Math.round(f.L * dpr), y0 = Math.round(f.T * dpr);
    var w = Math.round(f.W * dpr), h = Math.round(f.H * dpr), img = ctx.createImageData(w, h), px = img.data;
    var colors = [], back = [0xee, 0xf4, 0xfb], logShrink = Math.log(SHRINK);
    for (j = 0; j < LEVELS; j++) colors.push(bandColor(j / (LEVELS - 1)));
    for (var py = 0; py < h; py++) {
      var gy = (1 - (py + 0.5) / h) * (ny - 1), r0 = Math.min(ny - 2, Math.floor(gy)), ty = gy - r0;
      for (var q = 0; q < w; q++) {
        var gx = (q + 0.5) / w * (nx - 1), c0 = Math.min(nx - 2, Math.floor(gx)), tx = gx - c0, o = r0 * nx + c0;
        var val = (v[o] * (1 - tx) + v[o + 1] * tx) * (1 - ty) + (v[o + nx] * (1 - tx) + v[o + nx + 1] * tx) * ty;
        var above = val - floor, band = -1;
        if (!(above < top)) band = -1;
        else if (above <= 0) band = LEVELS - 1;
        else band = Math.min(LEVELS - 1, Math.ceil(Math.log(above / top) / logShrink - 1e-12) - 1);
        var col = band < 0 ? back : colors[band], k = (py * w + q) * 4;
        px[k] = col[0]; px[k + 1] = col[1]; px[k + 2] = col[2]; px[k + 3] = 255;
      }
    }
    ctx.putImageData(img, x0, y0);
    ctx.strokeStyle = "rgba(55,65,81,0.45)";
    ctx.lineWidth = 0.8;
    ctx.beginPath();
    var sx = f.W / (nx - 1), sy = f.H / (ny - 1), segments = 0;
    levels.forEach(function (level) {
      var seg = lab.isolines(v, nx, ny, level);
      for (var m = 0; m < seg.length; m += 4) {
        ctx.moveTo(f.L + seg[m] * sx, f.T + f.H - seg[m + 1] * sy);
        ctx.lineTo(f.L + seg[m + 2] * sx, f.T + f.H - seg[m + 3] * sy);
      }
      segments += seg.length / 4;
    });
    ctx.stroke();
    drawn.levels = {kind: "grid", count: LEVELS, nx: nx, ny: ny, segments: segments, floor: floor, top: top};
  }
  function cross(ctx, x, y, color) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6);
    ctx.moveTo(x + 6, y - 6); ctx.lineTo(x - 6, y + 6);
    ctx.stroke();
  }
  // Liang-Barsky: the part of segment p->q inside the box, or null
  function clip(p, q, box) {
    var t0 = 0, t1 = 1, dx = q[0] - p[0], dy = q[1] - p[1];
    var edges = [[-dx, p[0] - box.lo[0]], [dx, box.hi[0] - p[0]], [-dy, p[1] - box.lo[1]], [dy, box.hi[1] - p[1]]];
    for (var i = 0; i < 4; i++) {
      var pp = edges[i][0], qq = edges[i][1];
      if (pp === 0) { if (qq < 0) return null; continue; }
      var r = qq / pp;
      if (pp < 0) { if (r > t1) return null; if (r > t0) t0 = r; } else { if (r < t0) return null; if (r < t1) t1 = r; }
    }
    return [[p[0] + t0 * dx, p[1] + t0 * dy], [p[0] + t1 * dx, p[1] + t1 * dy]];
  }
  var drawn = {};
  function drawContour() {
    var ctx = canvases.contour.getContext("2d"), s = size.contour;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(layer, 0, 0);
    ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
    var f = layerFrame, box = {lo: [f.xlo, f.ylo], hi: [f.xhi, f.yhi]}, e = epochShown();
    ctx.save();
    ctx.beginPath();
    ctx.rect(f.L, f.T, f.W, f.H);
    ctx.clip();
    trace(ctx, f, box, 0, sim.steps, "rgba(194,65,12,0.35)", 1.2);
    trace(ctx, f, box, 0, e, "#c2410c", 2);
    var w0 = row(sim.W, 0);
    ctx.fillStyle = "#c2410c";
    ctx.fillRect(f.x(w0[A]) - 5, f.y(w0[B]) - 5, 10, 10);
    var we = row(sim.W, e), here = null;
    if (we && inside(we, box)) {
      here = [f.x(we[A]), f.y(we[B])];
      ctx.beginPath();
      ctx.arc(here[0], here[1], 5, 0, 2 * Math.PI);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#c2410c";
      ctx.stroke();
    }
    var exitAt = null;
    if (sim.exit && sim.exit.epoch > 0) {
      var prev = row(sim.W, sim.exit.epoch - 1), next = [sim.exit.a, sim.exit.b];
      var seg = finite(next[0]) && finite(next[1]) ? clip([prev[A], prev[B]], next, box) : null;
      if (seg) {
        exitAt = [f.x(seg[1][0]), f.y(seg[1][1])];
        ctx.beginPath();
        ctx.arc(exitAt[0], exitAt[1], 7, 0, 2 * Math.PI);
        ctx.strokeStyle = "#7f1d1d";
        ctx.lineWidth = 2;
        ctx.stroke();
      }
    }
    ctx.restore();
    drawn.contour = {start: [f.x(w0[A]), f.y(w0[B])], here: here, exit: exitAt,
      box: {lo: box.lo.slice(), hi: box.hi.slice()}, plot: {L: f.L, T: f.T, W: f.W, H: f.H}};
  }
  function inside(w, box) {  // w: a params row
    return w[A] >= box.lo[0] && w[A] <= box.hi[0] && w[B] >= box.lo[1] && w[B] <= box.hi[1];
  }
  function trace(ctx, f, box, from, to, color, width) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = "round";
    ctx.beginPath();
    var pen = false, W = sim.W, pa = W[from * P + A], pb = W[from * P + B];
    for (var i = from; i < to; i++) {
      var qa = W[(i + 1) * P + A], qb = W[(i + 1) * P + B];
      if (!finite(qa) || !finite(qb)) break;
      var inP = pa >= box.lo[0] && pa <= box.hi[0] && pb >= box.lo[1] && pb <= box.hi[1];
      var inQ = qa >= box.lo[0] && qa <= box.hi[0] && qb >= box.lo[1] && qb <= box.hi[1];
      if (inP && inQ) {  // the common case, without clipping
        if (!pen) ctx.moveTo(f.x(pa), f.y(pb));
        ctx.lineTo(f.x(qa), f.y(qb));
        pen = true;
      } else if (inP || inQ) {
        // a segment between two points outside the view is not drawn: a diverging path's
        // long jumps would cross the view again and again
        var seg = clip([pa, pb], [qa, qb], box);
        if (seg) {
          if (!pen || !inP) ctx.moveTo(f.x(seg[0][0]), f.y(seg[0][1]));
          ctx.lineTo(f.x(seg[1][0]), f.y(seg[1][1]));
        }
        pen = inQ;
      } else {
        pen = false;
      }
      pa = qa;
      pb = qb;
    }
    ctx.stroke();
  }

  // a polynomial (model.degree > 1) is drawn as a curve over the raw x, as the frames draw it
  var POLY = D.degree > 1;
  function dataRange(u) {
    if (cache.rangeKey === u) return cache.range;
    var x = D.units[u].x, xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    for (var i = 0; i < D.n; i++) {
      var xi = POLY ? D.x_raw[i] : x[i][0];
      if (P === 2 || POLY) { xlo = Math.min(xlo, xi); xhi = Math.max(xhi, xi); }
      ylo = Math.min(ylo, D.y[i]); yhi = Math.max(yhi, D.y[i]);
    }
    var px = 0.06 * ((xhi - xlo) || 1), py = 0.12 * ((yhi - ylo) || 1);
    cache.range = {xlo: xlo - px, xhi: xhi + px, ylo: ylo - py, yhi: yhi + py};
    cache.rangeKey = u;
    return cache.range;
  }
  function predict(w, row) {
    var v = w[0];
    for (var j = 0; j < D.k; j++) v += w[j + 1] * row[j];
    return v;
  }
  function drawFit() {
    var ctx = start("fit"), u = D.units[state.units], r = dataRange(state.units), w = row(sim.W, epochShown());
    var multi = P > 2 && !POLY;
    var f = multi ? frameOf("fit", r.ylo, r.yhi, r.ylo, r.yhi) : frameOf("fit", r.xlo, r.xhi, r.ylo, r.yhi);
    ctx.save();
    ctx.beginPath();
    ctx.rect(f.L, f.T, f.W, f.H);
    ctx.clip();
    ctx.fillStyle = "rgba(31,95,191,0.75)";
    ctx.strokeStyle = "#d62728";
    ctx.lineWidth = 2;
    var first = D.n - (D.outliers || 0), crosses = 0;  // the points data.outliers added come last: crosses
    for (var i = 0; i < D.n; i++) {
      var px = multi ? f.x(w.every(finite) ? predict(w, u.x[i]) : NaN) : f.x(POLY ? D.x_raw[i] : u.x[i][0]);
      var py = f.y(D.y[i]);
      if (!finite(px)) continue;
      ctx.beginPath();
      if (i >= first) {
        crosses++;
        ctx.moveTo(px - 4, py - 4); ctx.lineTo(px + 4, py + 4);
        ctx.moveTo(px + 4, py - 4); ctx.lineTo(px - 4, py + 4);
        ctx.stroke();
      } else {
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#6b7280";
    if (!multi && !quadratic()) {  // a robust loss: the least-squares line, dotted, beside its own
      ctx.setLineDash([1, 3]);
      fitLine(ctx, f, u.ols || u.minimizer);
    }
    ctx.setLineDash([4, 3]);
    var own = best();
    if (multi) line(ctx, f, [0, 1]); else if (own) fitLine(ctx, f, own);
    ctx.setLineDash([]);
    drawn.fit = {outliers: crosses, ols: !multi && !quadratic(), own: !!(multi || own),
      kind: multi ? "y against ŷ" : POLY ? "curve" : "line",
      atPoints: POLY ? D.x_raw.map(function (xv) { return polyAt(w, xv); }) : null};  // the curve at the data's x
    if (!multi && w.every(finite)) {
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#c2410c";
      fitLine(ctx, f, w);
    }
    ctx.restore();
    axes(ctx, f, multi ? "ŷ" : "x", "y");
  }
  function polyAt(w, xv) {  // the polynomial's ŷ at raw x: column j is x^j in the units the run trained in
    var norm = D.units[state.units].norm, v = w[0], power = 1;
    for (var j = 1; j <= D.degree; j++) {
      power *= xv;
      v += w[j] * (power - norm.shift[j - 1]) * norm.scale[j - 1];
    }
    return v;
  }
  function fitLine(ctx, f, w) {  // the model's ŷ(x) with params w: a line, or the polynomial's curve
    if (!POLY) return line(ctx, f, w);
    ctx.beginPath();
    for (var i = 0, steps = 160; i <= steps; i++) {
      var xv = f.xlo + (f.xhi - f.xlo) * i / steps, py = clampPx(f.y(polyAt(w, xv)));
      if (i) ctx.lineTo(f.x(xv), py); else ctx.moveTo(f.x(xv), py);
    }
    ctx.stroke();
  }
  function line(ctx, f, w) {
    // y = w0 + w1 x across the frame, clipped by the canvas clip
    var x0 = f.xlo, x1 = f.xhi;
    ctx.beginPath();
    ctx.moveTo(f.x(x0), clampPx(f.y(w[0] + w[1] * x0)));
    ctx.lineTo(f.x(x1), clampPx(f.y(w[0] + w[1] * x1)));
    ctx.stroke();
  }
  function clampPx(v) { return clamp(v, -1e6, 1e6); }

  function drawLoss() {
    var ctx = start("loss"), L = sim.loss, S = sim.steps, lo = Infinity, hi = -Infinity;
    var floor = bestLoss();
    for (var j = 0; j <= S; j++) {
      var lv = j < S ? L[j] : sim.finalLoss;
      if (lv > 0 && isFinite(lv)) { lo = Math.min(lo, lv); hi = Math.max(hi, lv); }
    }
    if (floor > 0) lo = Math.min(lo, floor);
    if (!(lo < Infinity)) { lo = 1e-3; hi = 1; }
    var ylo = Math.floor(Math.log10(lo) - 0.05), yhi = Math.ceil(Math.log10(hi) + 0.05);
    if (yhi <= ylo) yhi = ylo + 1;
    var per = sim.per, f = frameOf("loss", 0, Math.max(1, S / per), ylo, yhi);  // x in epochs
    ctx.save();
    ctx.beginPath();
    ctx.rect(f.L, f.T, f.W, f.H);
    ctx.clip();
    if (floor > 0) {
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = "#6b7280";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(f.L, f.y(Math.log10(floor)));
      ctx.lineTo(f.L + f.W, f.y(Math.log10(floor)));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.strokeStyle = "#c2410c";
    ctx.lineWidth = 2;
    ctx.beginPath();
    var pen = false;
    for (var i = 0; i <= S; i++) {
      var v = i < S ? L[i] : sim.finalLoss;
      if (!(isFinite(v))) break;
      var py = f.y(Math.log10(Math.max(v, Math.pow(10, ylo))));
      if (pen) ctx.lineTo(f.x(i / per), py); else ctx.moveTo(f.x(i / per), py);
      pen = true;
    }
    ctx.stroke();
    var e = epochShown();
    ctx.strokeStyle = "#1f2937";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(f.x(e / per) + 0.5, f.T);
    ctx.lineTo(f.x(e / per) + 0.5, f.T + f.H);
    ctx.stroke();
    ctx.restore();
    axes(ctx, f, T.axis_epoch, T.axis_loss, true);
  }

  // ---- text views ------------------------------------------------------------------------
  var readout = el("lab-readout"), epochOut = el("lab-epoch-out");
  function statusText() {  // in epochs: a step of mini-batches belongs to the epoch it is in
    var per = sim.per, done = Math.ceil(sim.steps / per);
    if (sim.status === "diverged") {
      var k = finite(sim.divergedAt) ? sim.divergedAt : sim.steps - 1;
      return say("diverged", {epoch: Math.floor(k / per)});
    }
    if (sim.status === "converged") return say("converged", {epoch: done});
    return say("max_epochs", {epochs: done});
  }
  function regimeText() {
    var plain = state.optimizer === "gd" || (state.optimizer === "sgd" && !state.momentum);
    if (!plain || state.train.zero_grad === false || state.train.schedule || !lab.regime || sim.per > 1) return "";
    if (!quadratic()) {  // no Hessian, no regime: say why in words
      var entry = lossEntry();
      return entry.loss === "huber" ? say("not_quadratic_huber", {delta: fmt(entry.huber_delta, 3)})
        : say("not_quadratic_abs", {loss: entry.label});
    }
    var sp = spectrum(), wd = +(state.options.weight_decay || 0);  // the recorder's regime adds it
    var r = lab.regime(state.lr, sp, wd);
    // enough digits that a factor next to 1 does not read as 1
    var near = Math.abs(1 - r.contraction), digits = near > 0 ? clamp(Math.ceil(-Math.log10(near)) + 2, 3, 8) : 3;
    return say(r.regime, {ratio: fmt(r.lrLambdaMax, 3), contraction: fmt(r.contraction, digits)});
  }
  function readoutText() {
    var distance = sim.distance === null ? "" : " · " + (quadratic() ? say("distance", {distance: fmt(sim.distance)})
      : say("distance_min", {loss: lossEntry().label, distance: fmt(sim.distance)}));
    var parts = [say("final", {loss: fmt(sim.finalLoss)}) + distance + " · " + statusText() + "."];
    var regime = regimeText();
    if (regime) parts.push(regime + ".");
    if (sim.exit) parts.push(say("left", {epoch: sim.exit.epoch, a: fmt(sim.exit.a, 3), b: fmt(sim.exit.b, 3)}));
    return parts.join(" ");
  }
  function epochText() {
    var e = epochShown(), w = row(sim.W, e), fields = {epoch: e, steps: sim.steps, loss: fmt(lossAtEpoch(e)),
      w: w.map(function (v) { return fmt(v); }).join(", ")};
    if (sim.per === 1) return say("epoch", fields);
    var loss = say(e < sim.steps ? "batch_loss" : "full_loss", {loss: fields.loss});  // the last row: all points
    return say("step", Object.assign(fields, {step: e, epoch: fmt(e / sim.per, 3), loss: loss}));
  }

  // ---- controls: write the state; synced from it after each change ----------------------
  var lr = {range: el("lab-lr-range"), number: el("lab-lr"), mark: el("lab-critical-mark"), ticks: el("lab-lr-ticks")};
  // the slider is log-scale over whole decades, its range set per loss (lab.py's lr_range)
  var N = D.slider_steps;
  function span() {
    var r = D.lr_range[lossEntry().key] || D.lr_range.mse;
    return [Math.log(r[0]), Math.log(r[1])];
  }
  function lrOfPosition(pos) {
    var r = span();
    return Number(Math.exp(r[0] + pos / N * (r[1] - r[0])).toPrecision(3));
  }
  function fractionOfLr(v) { var r = span(); return (Math.log(v) - r[0]) / (r[1] - r[0]); }
  function positionOfLr(v) { return clamp(Math.round(fractionOfLr(v) * N), 0, N); }
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
      var entry = D.losses.filter(function (o) { return o.key === radio.value; })[0], patch = {loss: entry.loss};
      if (entry.loss === "huber") patch.train = trained("huber_delta", entry.huber_delta);
      set(patch, "loss");
    });
  });
  controls.epochs.addEventListener("input", function () { set({epochs: num(controls.epochs)}, "epochs"); });
  // mini-batches: a size below n (empty or n and above: full batch) and the shuffle's seed
  controls.batch.addEventListener("input", function () {
    var b = num(controls.batch);
    set({train: trained("batch_size", b >= 1 && b < D.n ? Math.round(b) : null)}, "batch");
  });
  controls.seed.addEventListener("input", function () {
    var v = num(controls.seed);
    if (v >= 0) set({train: trained("seed", Math.round(v))}, "seed");
  });
  if (controls.schedule) controls.schedule.addEventListener("change", function () {
    var i = controls.schedule.value;
    set({train: trained("schedule", i === "" ? null : D.schedules[Number(i)].schedule)}, "schedule");
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
    set({epoch: v >= sim.steps ? null : v}, "epoch");
  });

  function useUnits(u) {
    // other units: the start moves to where the recorded runs in them start
    var first = null;
    D.runs.forEach(function (r) { if (first === null && r.units === u) first = r; });
    var patch = {units: u};
    if (first) patch.init = padInit(first.settings.init);
    set(patch, "units");
  }
  function reset(which) {
    var i = typeof which === "number" ? which : D.runs.map(function (r) { return r.name; }).indexOf(which);
    if (!(i >= 0 && i < D.runs.length)) throw new Error("gdanim.lab.reset: no recorded full-batch run " + which);
    var r = D.runs[i], patch = settingsPatch(r.settings, r.units);
    patch.run = i;
    set(patch, "reset");
  }

  function syncControls(from) {
    var active = document.activeElement;
    function put(input, value) {
      if (!input || (input === active && input.type !== "range" && num(input) === value)) return;
      input.value = String(value);
    }
    if (from !== "slider") lr.range.value = String(positionOfLr(state.lr));
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
      controls.schedule.value = String(D.schedules.map(function (x) { return JSON.stringify(x.schedule); }).indexOf(now));
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
  function frame() {
    pending = 0;
    var resized = sizeCanvases();
    if (dirty.layer || resized) {
      if (dirty.layer) lab.data = dataOf(state.units);
      drawLayer();
      dirty.run = true;
    }
    if (dirty.run) simulate();
    var e = epochShown();
    controls.epoch.max = String(sim.steps);
    controls.epoch.value = String(e);
    controls.epoch.setAttribute("aria-valuetext", say(sim.per > 1 ? "axis_step" : "axis_epoch", {}) + " " + e);
    if (dirty.controls) syncControls(dirty.controls);
    drawContour();
    drawFit();
    drawLoss();
    epochOut.textContent = epochText();
    if (dirty.run) {
      var text = readoutText();
      if (readout.textContent !== text) readout.textContent = text;
    }
    var ran = dirty.run;
    dirty = {};
    emit("change", {state: snapshot(), ran: ran, status: sim.status, steps: sim.steps, final: sim.final,
      finalLoss: sim.finalLoss});
  }
  function update() {
    if (pending) window.cancelAnimationFrame(pending);
    frame();
  }

  // ---- pointer and keyboard on the contour -------------------------------------------------
  var contour = canvases.contour, dragging = false;
  function pointAt(ev) {
    var rect = contour.getBoundingClientRect(), f = layerFrame;
    var px = clamp(ev.clientX - rect.left, f.L, f.L + f.W), py = clamp(ev.clientY - rect.top, f.T, f.T + f.H);
    return f.inv(px, py);
  }
  function pick(ev) {
    var ab = pointAt(ev), w = state.init.slice();
    w[A] = ab[0];
    w[B] = ab[1];
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
    var f = layerFrame, step = ev.shiftKey ? 0.1 : 0.02, w = state.init.slice();
    w[A] = clamp(w[A] + d[0] * step * (f.xhi - f.xlo), f.xlo, f.xhi);
    w[B] = clamp(w[B] + d[1] * step * (f.yhi - f.ylo), f.ylo, f.yhi);
    set({init: w}, "keyboard");
  });

  // ---- page API ------------------------------------------------------------------------------
  function snapshot() { return JSON.parse(JSON.stringify(state)); }
  function result() {
    var params = [];
    for (var i = 0; i <= sim.steps; i++) params.push(row(sim.W, i));
    return {params: params, loss: Array.prototype.slice.call(sim.loss), status: sim.status, steps: sim.steps,
      perEpoch: sim.per, divergedAt: sim.divergedAt,
      final: sim.final, finalLoss: sim.finalLoss, distance: sim.distance, exit: sim.exit, readout: readout.textContent,
      drawn: Object.assign({levels: drawn.levels, fit: drawn.fit}, drawn.contour)};
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
  lab.runs = D.runs.map(function (r) { return r.name; });
  lab.view = function () { var b = viewBox(); return {lo: b.lo, hi: b.hi, pair: [A, B]}; };
  lab.on = function (name, fn) {
    if (!listeners[name]) throw new Error("gdanim.lab.on: unknown event " + name);
    listeners[name].push(fn);
    return function off() { listeners[name] = listeners[name].filter(function (g) { return g !== fn; }); };
  };
  lab.positionOfLr = positionOfLr;
  lab.lrOfPosition = lrOfPosition;

  // ---- start -----------------------------------------------------------------------------------
  Object.assign(state, settingsPatch(D.defaults.settings, D.defaults.units), {run: null});
  dirty.controls = "start";
  root.hidden = false;
  document.querySelectorAll("[data-lab-link]").forEach(function (a) { a.hidden = false; });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { dirty.layer = true; schedule(); }).observe(contour.parentNode);
  }
  update();
})();

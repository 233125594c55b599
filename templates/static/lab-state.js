// gdanim lab, its state: one table of settings (PROPS) changed only through set(patch),
// the values derived from it (cached), and the run it trains. No DOM: lab-draw.js reads
// it, lab.js wires the controls and the page API to it. The maths is lab-core.js.
//
// Names shared with lab-core.js: p parameters per row (k + 1), W params [(S+1)*p] row
// by row, S steps, q the quadratic of SSE/MSE; here also page (the page's data block),
// words (its sentences), IX and IY (the parameters on the contour's x and y axes).
(function (root) {
  "use strict";
  var gdanim = root.gdanim = root.gdanim || {};

  /**
   * The lab's model over the page's data block `page`, training with `core`
   * (gdanim.lab from lab-core.js). labState(page, core).set({lr: 0.01}) -> true
   */
  gdanim.labState = function (page, core) {
    var lab = core, model = {page: page};
    var words = page.text, p = page.k + 1, IX = page.pair[0], IY = page.pair[1];
    var MOMENTUM = {sgd: 1, momentum: 1, nesterov: 1, rmsprop: 1};
    var LOSSES = page.losses.map(function (o) { return o.loss; });  // sse, mse and the runs' robust ones
    var QUADRATIC = {sse: 1, mse: 1};
    var TRAIN = ["gradient", "delta", "zero_grad", "stop", "schedule", "huber_delta", "batch_size", "seed"];
    var NOT_OPTIONS = {lr: 1, optimizer: 1, loss: 1, epochs: 1, init: 1, momentum: 1, betas: 1, gradient: 1,
      delta: 1, zero_grad: 1, stop: 1, schedule: 1, data: 1, huber_delta: 1, batch_size: 1, seed: 1};
    function say(key, fields) {
      return gdanim.fill(words[key], fields);
    }
    function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
    function finite(v) { return typeof v === "number" && isFinite(v); }

    // ---- state: one table of properties; setters clamp; views only read -----------------
    var state = {};
    var PROPS = {
      units: function (v) { return clamp(Math.round(v), 0, page.units.length - 1); },
      lr: function (v) { return v > 0 && isFinite(v) ? clamp(v, 1e-12, 1e6) : undefined; },
      optimizer: function (v) { return page.optimizers.indexOf(v) >= 0 ? v : undefined; },
      loss: function (v) { return LOSSES.indexOf(v) >= 0 ? v : undefined; },
      epochs: function (v) { return finite(v) ? clamp(Math.round(v), 1, page.epochs_max) : undefined; },
      init: function (v) {
        if (!v || v.length !== p) return undefined;
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
      run: function (v) { return v === null || (v >= 0 && v < page.runs.length) ? v : undefined; }
    };
    // what each property invalidates
    var TOUCHES = {units: "layer", loss: "layer", init: "layer", train: "layer", epoch: "scrub"};  // train: huber_delta

    function optionDefaults(optimizer) {
      // the scenario's options for this optimizer: from a recorded run that used it, else torch's
      var run = null;
      page.runs.forEach(function (r) { if (!run && r.settings.optimizer === optimizer) run = r; });
      var d = page.defaults.settings;
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
      for (var i = 0; i < p; i++) out.push(init && finite(init[i]) ? init[i] : 0);
      return out;
    }

    // what a change leaves to redraw (lab.js clears it after each frame), and who to tell
    model.dirty = {run: true, layer: true, scrub: true};
    model.changed = function () {};
    function set(patch, from) {
      var dirty = model.dirty;
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
        model.changed();
      }
      return changed;
    }

    // ---- derived values, cached ----------------------------------------------------------
    var cache = {};
    function dataOf(u) {
      cache.data = cache.data || {};
      if (!cache.data[u]) cache.data[u] = {x: page.units[u].x, y: page.y};
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
    // the loss chosen, as an entry of page.losses (key, loss, label, huber_delta), and its figures
    function lossEntry() {
      var hd = state.train.huber_delta === undefined ? 1 : state.train.huber_delta;
      for (var i = 0; i < page.losses.length; i++) {
        var o = page.losses[i];
        if (o.loss === state.loss && (o.loss !== "huber" || o.huber_delta === hd)) return o;
      }
      return {key: state.loss, loss: state.loss, label: state.loss, huber_delta: hd};
    }
    function quadratic() { return !!QUADRATIC[state.loss]; }
    function spectrum() { return quadratic() ? page.units[state.units].spectra[state.loss] : null; }
    function robustFit() { return quadratic() ? null : page.units[state.units].robust[lossEntry().key] || null; }
    function best() {  // the chosen loss's own minimizer (null for a robust loss the analysis has not fitted)
      var u = page.units[state.units], fit = robustFit();
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
    var MAX_STRETCH = 1000;
    function viewBox() {
      // the recorded paths' view, widened to hold the start (never the path: it may run off),
      // then on one axis so that both have the same units per pixel of the plot (model.plot,
      // set by the views): gradient descent moves both parameters by lr times their gradient,
      // so at equal scale the valley's shape is its conditioning. Only a window whose sides
      // would differ by more than MAX_STRETCH times (a line, not a plot) keeps each axis fitted.
      var v = page.units[state.units].view, lo = v.lo.slice(), hi = v.hi.slice();
      [state.init[IX], state.init[IY]].forEach(function (w, i) {
        var pad = 0.08 * (hi[i] - lo[i]);
        if (w < lo[i]) lo[i] = w - pad;
        if (w > hi[i]) hi[i] = w + pad;
      });
      var plot = model.plot, pixels = plot ? [plot.W, plot.H] : null;
      if (pixels && pixels[0] > 0 && pixels[1] > 0) {
        var per = [(hi[0] - lo[0]) / pixels[0], (hi[1] - lo[1]) / pixels[1]], u = Math.max(per[0], per[1]);
        if (u <= MAX_STRETCH * Math.min(per[0], per[1])) {
          for (var i = 0; i < 2; i++) {
            var c = (lo[i] + hi[i]) / 2, half = u * pixels[i] / 2;
            if (per[i] < u) { lo[i] = c - half; hi[i] = c + half; }
          }
        }
      }
      return {lo: lo, hi: hi};
    }

    // ---- simulation ----------------------------------------------------------------------
    var sim = null, columns = null;
    function simulate() {
      // simulateInto reuses its typed arrays: params [(S+1)*p], loss [S], one frame after another
      var recorded = state.run === null ? null : page.runs[state.run], o = simOptions();
      if (recorded) { o.stop = {}; o.max_steps = recorded.steps; }  // a reset takes the recorded steps
      columns = lab.simulateInto(o, columns);
      if (recorded) landOn(columns, recorded);
      var S = columns.steps, finalW = row(columns.params, S);
      var finalLoss = finalW.every(finite) ? columns.finalLoss : Infinity;
      var ols = best(), dist = 0;
      for (var i = 0; ols && i < p; i++) dist += (finalW[i] - ols[i]) * (finalW[i] - ols[i]);
      sim = {W: columns.params, loss: columns.loss, rate: columns.lr, status: columns.status, steps: S, per: columns.perEpoch,
        divergedAt: columns.divergedAt, final: finalW, finalLoss: finalLoss, distance: ols ? Math.sqrt(dist) : null,
        exit: null};
      sim.exit = exitOf(sim, viewBox());
      model.sim = sim;
    }
    // a reset lands where the trace says the run ended (final params and loss, status), not
    // on a replay of it: the page's float32 sums need not be the recording machine's
    function landOn(c, r) {
      c.params.set(r.final.map(function (v) { return v === null ? NaN : v; }), c.steps * p);
      c.finalLoss = r.final_loss === null ? Infinity : r.final_loss;
      c.status = r.status;
      c.divergedAt = r.status === "diverged" ? c.steps - 1 : null;
    }
    function row(W, i) { return Array.prototype.slice.call(W, i * p, (i + 1) * p); }
    function exitOf(s, box) {
      for (var i = 0; i <= s.steps; i++) {
        var a = s.W[i * p + IX], b = s.W[i * p + IY];
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

    function useUnits(u) {
      // other units: the start moves to where the recorded runs in them start
      var first = null;
      page.runs.forEach(function (r) { if (first === null && r.units === u) first = r; });
      var patch = {units: u};
      if (first) patch.init = padInit(first.settings.init);
      set(patch, "units");
    }
    function reset(which) {
      var i = typeof which === "number" ? which : page.runs.map(function (r) { return r.name; }).indexOf(which);
      if (!(i >= 0 && i < page.runs.length)) throw new Error("gdanim.lab.reset: no recorded full-batch run " + which);
      var r = page.runs[i], patch = settingsPatch(r.settings, r.units);
      patch.run = i;
      set(patch, "reset");
    }

    // ---- links: the whole state as key=value pairs after "#lab?" in the URL ----------------
    // Written by linkQuery, read back by fromLink; every field is checked against the lab's
    // own ranges and choices (FIELDS), so a link can only set what the controls can.
    var LIMIT = {lr: [1e-12, 1e6], start: 1e6, seed: 9007199254740991, epoch: 1e7};
    var NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
    function numberIn(lo, hi, whole) {  // a reader of one number within [lo, hi]
      return function (text) {
        var v = NUMBER.test(text) ? Number(text) : NaN;
        return isFinite(v) && v >= lo && v <= hi && (!whole || v === Math.floor(v)) ? v : undefined;
      };
    }
    function oneOf(choices) {
      return function (text) { return choices.indexOf(text) >= 0 ? text : undefined; };
    }
    function flag(text) { return text === "true" ? true : text === "false" ? false : undefined; }
    function list(read, count) {
      return function (text) {
        var parts = text.split(","), out = parts.map(read);
        return parts.length === count && out.every(function (v) { return v !== undefined; }) ? out : undefined;
      };
    }
    // an optimizer's options besides lr, momentum and betas (gdanim/schema.py's OPTIMIZER_OPTIONS)
    var OPTION_FIELDS = {weight_decay: numberIn(0, 1e6), eps: numberIn(0, 1), amsgrad: flag, alpha: numberIn(0, 1),
      centered: flag, lr_decay: numberIn(0, 1e6), initial_accumulator_value: numberIn(0, 1e6),
      dampening: numberIn(0, 1), nesterov: flag};
    var FIELDS = {
      lr: numberIn(LIMIT.lr[0], LIMIT.lr[1]),
      optimizer: oneOf(page.optimizers),
      momentum: numberIn(0, 0.9999),
      betas: function (text) {
        var b = list(numberIn(0, 1), 2)(text);
        return b && b[0] <= 0.9999 && b[1] <= 0.99999 ? b : undefined;
      },
      loss: oneOf(page.losses.map(function (o) { return o.key; })),
      epochs: numberIn(1, page.epochs_max, true),
      batch: numberIn(1, page.n - 1, true),
      seed: numberIn(0, LIMIT.seed, true),
      start: list(numberIn(-LIMIT.start, LIMIT.start), p),
      schedule: numberIn(0, page.schedules.length - 1, true),
      units: numberIn(0, page.units.length - 1, true),
      gradient: oneOf(["autograd", "analytic", "numerical"]),
      delta: numberIn(1e-12, 1e6),
      zero_grad: flag,
      tol: numberIn(0, 1e6),
      max_loss: numberIn(1e-12, 1e300),
      run: oneOf(page.runs.map(function (r) { return r.name; })),
      epoch: numberIn(0, LIMIT.epoch, true)
    };
    Object.keys(OPTION_FIELDS).forEach(function (k) { FIELDS[k] = OPTION_FIELDS[k]; });
    function has(table, key) { return Object.prototype.hasOwnProperty.call(table, key); }
    function written(v) { return Array.isArray(v) ? v.map(String).join(",") : String(v); }  // numbers read back exactly

    /** The state as a link's query: "lr=0.01&optimizer=gd&loss=sse&epochs=60&start=-5,10". */
    function linkQuery() {
      var t = state.train, d = page.defaults.settings, o = optionDefaults(state.optimizer), pairs = [];
      function put(key, v) {
        pairs.push(key + "=" + encodeURIComponent(written(v)).replace(/%2C/g, ",").replace(/%3A/g, ":"));
      }
      put("lr", state.lr);
      put("optimizer", state.optimizer);
      if (MOMENTUM[state.optimizer] || state.momentum !== o.momentum) put("momentum", state.momentum);
      if (state.optimizer === "adam" || written(state.betas) !== written(o.betas)) put("betas", state.betas);
      Object.keys(state.options).forEach(function (k) { if (has(OPTION_FIELDS, k)) put(k, state.options[k]); });
      put("loss", lossEntry().key);
      put("epochs", state.epochs);
      if (t.batch_size) put("batch", t.batch_size);
      if (t.batch_size || (t.seed || 0) !== (d.seed || 0)) put("seed", t.seed || 0);
      put("start", state.init);
      var at = page.schedules.map(function (s) { return JSON.stringify(s.schedule); }).indexOf(JSON.stringify(t.schedule || null));
      if (at >= 0) put("schedule", at);
      if (page.units.length > 1) put("units", state.units);
      var stop = t.stop || {}, dstop = d.stop || {};
      [["gradient", t.gradient, d.gradient], ["delta", t.delta, d.delta], ["zero_grad", t.zero_grad, d.zero_grad],
        ["tol", stop.tol, dstop.tol], ["max_loss", stop.max_loss, dstop.max_loss]].forEach(function (f) {
        if (f[1] !== undefined && f[1] !== null && f[1] !== f[2]) put(f[0], f[1]);
      });
      if (state.run !== null) put("run", page.runs[state.run].name);
      if (state.epoch !== null) put("epoch", state.epoch);
      return pairs.join("&");
    }

    /**
     * The patch a link's query sets (the defaults, with what the link names), or {error}
     * naming the first field that is unknown, repeated or out of the lab's range.
     * fromLink("lr=0.01&loss=mse") -> {patch: {...}, from: "link"}
     */
    function fromLink(query) {
      var got = {}, error = null;
      new URLSearchParams(query).forEach(function (value, key) {
        if (error) return;
        if (!has(FIELDS, key) || has(got, key)) { error = has(FIELDS, key) ? key : "?"; return; }
        var v = FIELDS[key](value);
        if (v === undefined) error = key; else got[key] = v;
      });
      if (error) return {error: error};
      var d = page.defaults, run = has(got, "run") ? page.runs.map(function (r) { return r.name; }).indexOf(got.run) : -1;
      var base = run >= 0 ? page.runs[run] : {settings: d.settings, units: d.units};
      var patch = settingsPatch(base.settings, base.units), train = patch.train;
      var optimizer = has(got, "optimizer") ? got.optimizer : patch.optimizer;
      if (optimizer !== patch.optimizer) {
        var o = optionDefaults(optimizer);
        patch.optimizer = optimizer;
        patch.momentum = o.momentum;
        patch.betas = o.betas;
      }
      var options = {};  // the link's own options replace the base's whole
      Object.keys(got).forEach(function (k) { if (has(OPTION_FIELDS, k)) options[k] = got[k]; });
      patch.options = options;
      ["lr", "momentum", "betas", "epochs", "units", "epoch"].forEach(function (k) { if (has(got, k)) patch[k] = got[k]; });
      if (has(got, "start")) patch.init = got.start;
      if (has(got, "loss")) {
        var entry = page.losses.filter(function (x) { return x.key === got.loss; })[0];
        patch.loss = entry.loss;
        if (entry.loss === "huber") train.huber_delta = entry.huber_delta;
      }
      if (has(got, "batch")) train.batch_size = got.batch; else if (train.batch_size) train.batch_size = null;
      if (has(got, "seed")) train.seed = got.seed;
      if (has(got, "schedule")) train.schedule = page.schedules[got.schedule].schedule; else if (train.schedule) train.schedule = null;
      ["gradient", "delta", "zero_grad"].forEach(function (k) { if (has(got, k)) train[k] = got[k]; });
      train.stop = Object.assign({}, train.stop);
      if (has(got, "tol")) train.stop.tol = got.tol;
      if (has(got, "max_loss")) train.stop.max_loss = got.max_loss;
      patch.run = run >= 0 ? run : null;
      return {patch: patch, from: run >= 0 ? "reset" : "link"};
    }

    Object.assign(state, settingsPatch(page.defaults.settings, page.defaults.units), {run: null});
    return Object.assign(model, {
      state: state, p: p, IX: IX, IY: IY, MOMENTUM: MOMENTUM, say: say, clamp: clamp, finite: finite,
      set: set, useUnits: useUnits, reset: reset, settingsPatch: settingsPatch, padInit: padInit,
      dataOf: dataOf, quad: quad, lossEntry: lossEntry, quadratic: quadratic, spectrum: spectrum,
      robustFit: robustFit, best: best, bestLoss: bestLoss, viewBox: viewBox, simulate: simulate, row: row,
      epochShown: epochShown, lossAtEpoch: lossAtEpoch, linkQuery: linkQuery, fromLink: fromLink
    });
  };
})(window);

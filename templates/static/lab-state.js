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
      return words[key].replace(/\{(\w+)\}/g, function (_, name) { return fields[name]; });
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
    function viewBox() {
      // the recorded paths' view, widened to hold the start (never the path: it may run off)
      var v = page.units[state.units].view, lo = v.lo.slice(), hi = v.hi.slice();
      [state.init[IX], state.init[IY]].forEach(function (w, i) {
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
      var recorded = state.run === null ? null : page.runs[state.run], o = simOptions();
      if (recorded) { o.stop = {}; o.max_steps = recorded.steps; }  // a reset takes the recorded steps
      columns = lab.simulateInto(o, columns);
      if (recorded) landOn(columns, recorded);
      var S = columns.steps, finalW = row(columns.params, S);
      var finalLoss = finalW.every(finite) ? columns.finalLoss : Infinity;
      var ols = best(), dist = 0;
      for (var i = 0; ols && i < p; i++) dist += (finalW[i] - ols[i]) * (finalW[i] - ols[i]);
      sim = {W: columns.params, loss: columns.loss, status: columns.status, steps: S, per: columns.perEpoch,
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

    Object.assign(state, settingsPatch(page.defaults.settings, page.defaults.units), {run: null});
    return Object.assign(model, {
      state: state, p: p, IX: IX, IY: IY, MOMENTUM: MOMENTUM, say: say, clamp: clamp, finite: finite,
      set: set, useUnits: useUnits, reset: reset, settingsPatch: settingsPatch, padInit: padInit,
      dataOf: dataOf, quad: quad, lossEntry: lossEntry, quadratic: quadratic, spectrum: spectrum,
      robustFit: robustFit, best: best, bestLoss: bestLoss, viewBox: viewBox, simulate: simulate, row: row,
      epochShown: epochShown, lossAtEpoch: lossAtEpoch
    });
  };
})(window);

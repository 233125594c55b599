// gdanim lab, its views: the contour (a layer drawn once per units, loss and view, the
// path on top), the fit and the loss canvases, and the readouts in words. Each reads the
// model it is given (lab-state.js) and writes nothing to it; lab.js decides when.
(function (root) {
  "use strict";
  var gdanim = root.gdanim = root.gdanim || {};

  /**
   * The views of the lab section `section` over `model` (gdanim.labState), drawing with
   * `core` (gdanim.lab). labViews(section, model, core).drawFit() draws the fit canvas.
   */
  gdanim.labViews = function (section, model, core) {
    var lab = core, rootEl = section, page = model.page, words = page.text, state = model.state;
    var p = model.p, IX = model.IX, IY = model.IY, clamp = model.clamp, finite = model.finite, say = model.say;
    var dataOf = model.dataOf, quad = model.quad, lossEntry = model.lossEntry, quadratic = model.quadratic;
    var spectrum = model.spectrum, robustFit = model.robustFit, best = model.best, bestLoss = model.bestLoss;
    var viewBox = model.viewBox, row = model.row, epochShown = model.epochShown, lossAtEpoch = model.lossAtEpoch;
    var cache = {};
    function fmt(v, digits) { return gdanim.num(v, digits); }  // numbers as the rest of the page writes them
    // ---- canvases --------------------------------------------------------------------------
    var canvases = {contour: el("lab-contour"), fit: el("lab-fit"), loss: el("lab-loss"), rate: el("lab-rate")};
    var ASPECT = {contour: 0.92, fit: 0.52, loss: 0.52, rate: 0.4};
    var rateFigure = el("lab-rate-figure");
    var MARGIN = {l: 52, r: 12, t: 10, b: 34};  // plot margins in CSS pixels
    // canvas text in the page's fonts (its Hangul face too: many lab machines have none);
    // a face that loads later redraws the layer that has text in it
    var FONT = "11px " + (window.getComputedStyle(rootEl).fontFamily || "system-ui, sans-serif"), fontsLoaded = 0;
    if (document.fonts && document.fonts.addEventListener) {
      document.fonts.addEventListener("loadingdone", function () { fontsLoaded++; model.dirty.layer = true; model.changed(); });
    }
    var size = {};
    function el(id) { return document.getElementById(id); }
    function sizeCanvases() {
      var dpr = window.devicePixelRatio || 1, changed = false;
      rateFigure.hidden = !state.train.schedule;  // the rate over epochs, when it changes
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
      // the contour's plot in CSS pixels: the model's view has equal units per pixel on it
      model.plot = {W: size.contour.w - MARGIN.l - MARGIN.r, H: size.contour.h - MARGIN.t - MARGIN.b};
      return changed;
    }
    function frameOf(k, xlo, xhi, ylo, yhi) {
      var s = size[k], W = s.w - MARGIN.l - MARGIN.r, H = s.h - MARGIN.t - MARGIN.b;
      return {
        k: k, L: MARGIN.l, T: MARGIN.t, W: W, H: H, xlo: xlo, xhi: xhi, ylo: ylo, yhi: yhi,
        x: function (v) { return MARGIN.l + (v - xlo) / (xhi - xlo) * W; },
        y: function (v) { return MARGIN.t + H - (v - ylo) / (yhi - ylo) * H; },
        inv: function (px, py) { return [xlo + (px - MARGIN.l) / W * (xhi - xlo), ylo + (MARGIN.t + H - py) / H * (yhi - ylo)]; }
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
    function axes(ctx, fr, xlabel, ylabel, logY) {
      ctx.strokeStyle = "#6b7280";
      ctx.fillStyle = "#374151";
      ctx.lineWidth = 1;
      ctx.strokeRect(fr.L + 0.5, fr.T + 0.5, fr.W, fr.H);
      ctx.font = FONT;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ticks(fr.xlo, fr.xhi, Math.max(3, Math.floor(fr.W / 80))).forEach(function (v) {
        var px = fr.x(v);
        ctx.beginPath(); ctx.moveTo(px, fr.T + fr.H); ctx.lineTo(px, fr.T + fr.H + 4); ctx.stroke();
        var label = fmt(v, 3), half = ctx.measureText(label).width / 2;
        ctx.fillText(label, clamp(px, half + 1, size[fr.k].w - half - 1), fr.T + fr.H + 6);
      });
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      var yt = logY ? logTicks(fr.ylo, fr.yhi) : ticks(fr.ylo, fr.yhi, Math.max(3, Math.floor(fr.H / 50)));
      yt.forEach(function (v) {
        var py = fr.y(v);
        ctx.beginPath(); ctx.moveTo(fr.L - 4, py); ctx.lineTo(fr.L, py); ctx.stroke();
        ctx.fillText(logY ? "1e" + v : fmt(v, 3), fr.L - 6, py);
      });
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.fillText(xlabel, fr.L + fr.W / 2, fr.T + fr.H + MARGIN.b);
      ctx.save();
      ctx.translate(12, fr.T + fr.H / 2);
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
      var fr = frameOf("contour", box.lo[0], box.hi[0], box.lo[1], box.hi[1]);
      var ctx = layer.getContext("2d");
      ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, s.w, s.h);
      var u = page.units[state.units], centre = best() || u.minimizer;
      ctx.save();
      ctx.beginPath();
      ctx.rect(fr.L, fr.T, fr.W, fr.H);
      ctx.clip();
      ctx.fillStyle = "#eef4fb";
      ctx.fillRect(fr.L, fr.T, fr.W, fr.H);
      if (quadratic()) ellipses(ctx, fr, box, u); else levelSets(ctx, fr, box, centre, entry);
      if (best()) cross(ctx, fr.x(centre[IX]), fr.y(centre[IY]), "#c1121f");
      ctx.restore();
      axes(ctx, fr, "w" + IX, "w" + IY);
      layerFrame = fr;
    }
    function ellipses(ctx, fr, box, u) {
      var s = size.contour, q = quad();
      var sl = lab.slice(q, [IX, IY], u.minimizer);
      var floor = finite(sl.min) ? sl.min : lab.lossAt(q, u.minimizer);
      var corners = [[box.lo[0], box.lo[1]], [box.lo[0], box.hi[1]], [box.hi[0], box.lo[1]], [box.hi[0], box.hi[1]]];
      var top = 0;
      corners.forEach(function (c) {
        var w = u.minimizer.slice();
        w[IX] = c[0];
        w[IY] = c[1];
        top = Math.max(top, lab.lossAt(q, w) - floor);
      });
      var diag = Math.hypot(box.hi[0] - box.lo[0], box.hi[1] - box.lo[1]);
      var sx = fr.W / (fr.xhi - fr.xlo), sy = fr.H / (fr.yhi - fr.ylo), shape = null;
      for (var j = 0; j < LEVELS && sl.center; j++) {
        // rings 0.74x apart in radius
        var e = lab.ellipse(sl, floor + top * Math.pow(SHRINK, j));
        if (!e) break;
        if (!shape) shape = elongation(e, sx, sy);
        ctx.save();
        ctx.setTransform(s.dpr * sx, 0, 0, -s.dpr * sy, s.dpr * (fr.L - fr.xlo * sx), s.dpr * (fr.T + fr.H + fr.ylo * sy));
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
      drawn.levels = {kind: "ellipses", count: j, elongation: shape};
    }
    // how long and thin an ellipse looks on screen: its semi-axes in pixels (the singular
    // values of diag(sx, sy) · rotation(angle) · diag(rx, ry)), the longer over the shorter
    function elongation(e, sx, sy) {
      var c = Math.cos(e.angle), s = Math.sin(e.angle);
      var a = sx * c * e.rx, b = -sx * s * e.ry, cc = sy * s * e.rx, d = sy * c * e.ry;
      var q = Math.hypot((a + d) / 2, (cc - b) / 2), r = Math.hypot((a - d) / 2, (cc + b) / 2);
      return (q + r) / Math.abs(q - r);
    }
    function levelSets(ctx, fr, box, fixed, entry) {
      // nodes every ~4 CSS pixels, fewer when the data are many (about 3 million point losses)
      var cells = clamp(Math.floor(3e6 / page.n), 1600, 16384), aspect = fr.H / fr.W;
      var nx = Math.max(24, Math.round(Math.sqrt(cells / aspect))), ny = Math.max(24, Math.round(nx * aspect));
      var v = lab.grid(dataOf(state.units), {loss: entry.loss, huber_delta: entry.huber_delta, pair: [IX, IY],
        fixed: fixed, lo: box.lo, hi: box.hi, nx: nx, ny: ny});
      var fit = robustFit(), lo = Infinity, hi = -Infinity, i, j;
      for (i = 0; i < v.length; i++) if (isFinite(v[i])) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); }
      var floor = fit && finite(fit.value) ? Math.min(fit.value, lo) : lo, top = hi - floor;
      if (!(top > 0)) return;
      var levels = [];
      for (j = 0; j < LEVELS; j++) levels.push(floor + top * Math.pow(SHRINK, j));
      // bands: each device pixel gets the colour of the highest level below which its
      // bilinearly interpolated loss lies, so the bands meet the isolines drawn on top
      var s = size.contour, dpr = s.dpr, x0 = Math.round(fr.L * dpr), y0 = Math.round(fr.T * dpr);
      var w = Math.round(fr.W * dpr), h = Math.round(fr.H * dpr), img = ctx.createImageData(w, h), px = img.data;
      var colors = [], back = [0xee, 0xf4, 0xfb], logShrink = Math.log(SHRINK);
      for (j = 0; j < LEVELS; j++) colors.push(bandColor(j / (LEVELS - 1)));
      for (var py = 0; py < h; py++) {
        var gy = (1 - (py + 0.5) / h) * (ny - 1), r0 = Math.min(ny - 2, Math.floor(gy)), ty = gy - r0;
        for (var q = 0; q < w; q++) {
          var gx = (q + 0.5) / w * (nx - 1), c0 = Math.min(nx - 2, Math.floor(gx)), tx = gx - c0, o = r0 * nx + c0;
          var val = (v[o] * (1 - tx) + v[o + 1] * tx) * (1 - ty) + (v[o + nx] * (1 - tx) + v[o + nx + 1] * tx) * ty;
          var above = val - floor, band;
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
      var sx = fr.W / (nx - 1), sy = fr.H / (ny - 1), segments = 0;
      levels.forEach(function (level) {
        var seg = lab.isolines(v, nx, ny, level);
        for (var m = 0; m < seg.length; m += 4) {
          ctx.moveTo(fr.L + seg[m] * sx, fr.T + fr.H - seg[m + 1] * sy);
          ctx.lineTo(fr.L + seg[m + 2] * sx, fr.T + fr.H - seg[m + 3] * sy);
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
    // Liang-Barsky: the part of segment p0->p1 inside the box, or null
    function clip(p0, p1, box) {
      var t0 = 0, t1 = 1, dx = p1[0] - p0[0], dy = p1[1] - p0[1];
      var edges = [[-dx, p0[0] - box.lo[0]], [dx, box.hi[0] - p0[0]], [-dy, p0[1] - box.lo[1]], [dy, box.hi[1] - p0[1]]];
      for (var i = 0; i < 4; i++) {
        var pp = edges[i][0], qq = edges[i][1];
        if (pp === 0) { if (qq < 0) return null; continue; }
        var r = qq / pp;
        if (pp < 0) { if (r > t1) return null; if (r > t0) t0 = r; } else { if (r < t0) return null; if (r < t1) t1 = r; }
      }
      return [[p0[0] + t0 * dx, p0[1] + t0 * dy], [p0[0] + t1 * dx, p0[1] + t1 * dy]];
    }
    var drawn = {};
    function drawContour() {
      var ctx = canvases.contour.getContext("2d"), s = size.contour;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(layer, 0, 0);
      ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
      var fr = layerFrame, box = {lo: [fr.xlo, fr.ylo], hi: [fr.xhi, fr.yhi]}, e = epochShown();
      ctx.save();
      ctx.beginPath();
      ctx.rect(fr.L, fr.T, fr.W, fr.H);
      ctx.clip();
      trace(ctx, fr, box, 0, model.sim.steps, "rgba(194,65,12,0.35)", 1.2);
      trace(ctx, fr, box, 0, e, "#c2410c", 2);
      var w0 = row(model.sim.W, 0);
      ctx.fillStyle = "#c2410c";
      ctx.fillRect(fr.x(w0[IX]) - 5, fr.y(w0[IY]) - 5, 10, 10);
      var we = row(model.sim.W, e), here = null;
      if (we && inside(we, box)) {
        here = [fr.x(we[IX]), fr.y(we[IY])];
        ctx.beginPath();
        ctx.arc(here[0], here[1], 5, 0, 2 * Math.PI);
        ctx.fillStyle = "#ffffff";
        ctx.fill();
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = "#c2410c";
        ctx.stroke();
      }
      var exitAt = null;
      if (model.sim.exit && model.sim.exit.epoch > 0) {
        var prev = row(model.sim.W, model.sim.exit.epoch - 1), next = [model.sim.exit.a, model.sim.exit.b];
        var seg = finite(next[0]) && finite(next[1]) ? clip([prev[IX], prev[IY]], next, box) : null;
        if (seg) {
          exitAt = [fr.x(seg[1][0]), fr.y(seg[1][1])];
          ctx.beginPath();
          ctx.arc(exitAt[0], exitAt[1], 7, 0, 2 * Math.PI);
          ctx.strokeStyle = "#7f1d1d";
          ctx.lineWidth = 2;
          ctx.stroke();
        }
      }
      ctx.restore();
      drawn.contour = {start: [fr.x(w0[IX]), fr.y(w0[IY])], here: here, exit: exitAt,
        box: {lo: box.lo.slice(), hi: box.hi.slice()}, plot: {L: fr.L, T: fr.T, W: fr.W, H: fr.H},
        unitsPerPixel: [(fr.xhi - fr.xlo) / fr.W, (fr.yhi - fr.ylo) / fr.H]};
    }
    function inside(w, box) {  // w: a params row
      return w[IX] >= box.lo[0] && w[IX] <= box.hi[0] && w[IY] >= box.lo[1] && w[IY] <= box.hi[1];
    }
    function trace(ctx, fr, box, from, to, color, width) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.lineJoin = "round";
      ctx.beginPath();
      var pen = false, W = model.sim.W, pa = W[from * p + IX], pb = W[from * p + IY];
      for (var i = from; i < to; i++) {
        var qa = W[(i + 1) * p + IX], qb = W[(i + 1) * p + IY];
        if (!finite(qa) || !finite(qb)) break;
        var inP = pa >= box.lo[0] && pa <= box.hi[0] && pb >= box.lo[1] && pb <= box.hi[1];
        var inQ = qa >= box.lo[0] && qa <= box.hi[0] && qb >= box.lo[1] && qb <= box.hi[1];
        if (inP && inQ) {  // the common case, without clipping
          if (!pen) ctx.moveTo(fr.x(pa), fr.y(pb));
          ctx.lineTo(fr.x(qa), fr.y(qb));
          pen = true;
        } else if (inP || inQ) {
          // a segment between two points outside the view is not drawn: a diverging path's
          // long jumps would cross the view again and again
          var seg = clip([pa, pb], [qa, qb], box);
          if (seg) {
            if (!pen || !inP) ctx.moveTo(fr.x(seg[0][0]), fr.y(seg[0][1]));
            ctx.lineTo(fr.x(seg[1][0]), fr.y(seg[1][1]));
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
    var POLY = page.degree > 1;
    function dataRange(u) {
      if (cache.rangeKey === u) return cache.range;
      var x = page.units[u].x, xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
      for (var i = 0; i < page.n; i++) {
        var xi = POLY ? page.x_raw[i] : x[i][0];
        if (p === 2 || POLY) { xlo = Math.min(xlo, xi); xhi = Math.max(xhi, xi); }
        ylo = Math.min(ylo, page.y[i]); yhi = Math.max(yhi, page.y[i]);
      }
      var px = 0.06 * ((xhi - xlo) || 1), py = 0.12 * ((yhi - ylo) || 1);
      cache.range = {xlo: xlo - px, xhi: xhi + px, ylo: ylo - py, yhi: yhi + py};
      cache.rangeKey = u;
      return cache.range;
    }
    function predict(w, xs) {  // xs: a point's inputs
      var v = w[0];
      for (var j = 0; j < page.k; j++) v += w[j + 1] * xs[j];
      return v;
    }
    function drawFit() {
      var ctx = start("fit"), u = page.units[state.units], r = dataRange(state.units), w = row(model.sim.W, epochShown());
      var multi = p > 2 && !POLY;
      var fr = multi ? frameOf("fit", r.ylo, r.yhi, r.ylo, r.yhi) : frameOf("fit", r.xlo, r.xhi, r.ylo, r.yhi);
      ctx.save();
      ctx.beginPath();
      ctx.rect(fr.L, fr.T, fr.W, fr.H);
      ctx.clip();
      ctx.fillStyle = "rgba(31,95,191,0.75)";
      ctx.strokeStyle = "#d62728";
      ctx.lineWidth = 2;
      var first = page.n - (page.outliers || 0), crosses = 0;  // the points data.outliers added come last: crosses
      for (var i = 0; i < page.n; i++) {
        var px = multi ? fr.x(w.every(finite) ? predict(w, u.x[i]) : NaN) : fr.x(POLY ? page.x_raw[i] : u.x[i][0]);
        var py = fr.y(page.y[i]);
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
        fitLine(ctx, fr, u.ols || u.minimizer);
      }
      ctx.setLineDash([4, 3]);
      var own = best();
      if (multi) line(ctx, fr, [0, 1]); else if (own) fitLine(ctx, fr, own);
      ctx.setLineDash([]);
      drawn.fit = {outliers: crosses, ols: !multi && !quadratic(), own: !!(multi || own),
        kind: multi ? "y against ŷ" : POLY ? "curve" : "line",
        atPoints: POLY ? page.x_raw.map(function (xv) { return polyAt(w, xv); }) : null};  // the curve at the data's x
      if (!multi && w.every(finite)) {
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = "#c2410c";
        fitLine(ctx, fr, w);
      }
      ctx.restore();
      axes(ctx, fr, multi ? "ŷ" : "x", "y");
    }
    function polyAt(w, xv) {  // the polynomial's ŷ at raw x: column j is x^j in the units the run trained in
      var norm = page.units[state.units].norm, v = w[0], power = 1;
      for (var j = 1; j <= page.degree; j++) {
        power *= xv;
        v += w[j] * (power - norm.shift[j - 1]) * norm.scale[j - 1];
      }
      return v;
    }
    function fitLine(ctx, fr, w) {  // the model's ŷ(x) with params w: a line, or the polynomial's curve
      if (!POLY) return line(ctx, fr, w);
      ctx.beginPath();
      for (var i = 0, steps = 160; i <= steps; i++) {
        var xv = fr.xlo + (fr.xhi - fr.xlo) * i / steps, py = clampPx(fr.y(polyAt(w, xv)));
        if (i) ctx.lineTo(fr.x(xv), py); else ctx.moveTo(fr.x(xv), py);
      }
      ctx.stroke();
    }
    function line(ctx, fr, w) {
      // y = w0 + w1 x across the frame, clipped by the canvas clip
      var x0 = fr.xlo, x1 = fr.xhi;
      ctx.beginPath();
      ctx.moveTo(fr.x(x0), clampPx(fr.y(w[0] + w[1] * x0)));
      ctx.lineTo(fr.x(x1), clampPx(fr.y(w[0] + w[1] * x1)));
      ctx.stroke();
    }
    function clampPx(v) { return clamp(v, -1e6, 1e6); }

    // The loss and rate plots: log axes over whole decades, x in epochs.
    // The decades [lo, hi] spans on a log axis, at least one: [floor, ceil] of their log10.
    function decades(lo, hi) {
      var a = Math.floor(Math.log10(lo) - 0.05), b = Math.ceil(Math.log10(hi) + 0.05);
      return [a, b > a ? b : a + 1];
    }
    // A dashed level across the frame at `value` (the least loss, the critical rate).
    function dashedLevel(ctx, fr, value, color) {
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(fr.L, fr.y(Math.log10(value)));
      ctx.lineTo(fr.L + fr.W, fr.y(Math.log10(value)));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // A thin line at the epoch shown (`per` steps an epoch); returns where it is across the
    // plot (0 at the left edge, 1 at the right), for drawn.
    function epochMark(ctx, fr, per) {
      var x = fr.x(epochShown() / per);
      ctx.strokeStyle = "#1f2937";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x + 0.5, fr.T);
      ctx.lineTo(x + 0.5, fr.T + fr.H);
      ctx.stroke();
      return (x - fr.L) / fr.W;
    }

    function drawLoss() {
      var ctx = start("loss"), L = model.sim.loss, S = model.sim.steps, lo = Infinity, hi = -Infinity;
      var floor = bestLoss();
      for (var j = 0; j <= S; j++) {
        var lv = j < S ? L[j] : model.sim.finalLoss;
        if (lv > 0 && isFinite(lv)) { lo = Math.min(lo, lv); hi = Math.max(hi, lv); }
      }
      if (floor > 0) lo = Math.min(lo, floor);
      if (!(lo < Infinity)) { lo = 1e-3; hi = 1; }
      var ys = decades(lo, hi), ylo = ys[0], yhi = ys[1];
      var per = model.sim.per, fr = frameOf("loss", 0, Math.max(1, S / per), ylo, yhi);  // x in epochs
      ctx.save();
      ctx.beginPath();
      ctx.rect(fr.L, fr.T, fr.W, fr.H);
      ctx.clip();
      if (floor > 0) dashedLevel(ctx, fr, floor, "#6b7280");
      ctx.strokeStyle = "#c2410c";
      ctx.lineWidth = 2;
      ctx.beginPath();
      var pen = false;
      for (var i = 0; i <= S; i++) {
        var v = i < S ? L[i] : model.sim.finalLoss;
        if (!(isFinite(v))) break;
        var py = fr.y(Math.log10(Math.max(v, Math.pow(10, ylo))));
        if (pen) ctx.lineTo(fr.x(i / per), py); else ctx.moveTo(fr.x(i / per), py);
        pen = true;
      }
      ctx.stroke();
      drawn.loss = {mark: epochMark(ctx, fr, per)};
      ctx.restore();
      axes(ctx, fr, words.axis_epoch, words.axis_loss, true);
    }

    // the rate each epoch trains with (a schedule's), on a log axis, 2/λmax dashed for SSE and
    // MSE; drawn beside the loss only while a schedule is chosen
    function drawRate() {
      if (rateFigure.hidden) { drawn.rate = null; return; }
      var ctx = start("rate"), R = model.sim.rate, S = model.sim.steps, per = model.sim.per;
      var crit = quadratic() ? spectrum().critical_lr : null, lo = crit || Infinity, hi = crit || -Infinity;
      for (var i = 0; i < S; i++) if (R[i] > 0) { lo = Math.min(lo, R[i]); hi = Math.max(hi, R[i]); }
      if (!(lo < Infinity)) { lo = state.lr; hi = state.lr; }
      var ys = decades(lo, hi), ylo = ys[0], yhi = ys[1];
      var fr = frameOf("rate", 0, Math.max(1, S / per), ylo, yhi), pen = false;
      ctx.save();
      ctx.beginPath();
      ctx.rect(fr.L, fr.T, fr.W, fr.H);
      ctx.clip();
      if (crit) dashedLevel(ctx, fr, crit, "#b91c1c");
      ctx.strokeStyle = "#1f5fbf";
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (i = 0; i < S; i += per) {  // one rate an epoch, held over it
        var py = fr.y(Math.log10(R[i]));
        if (pen) ctx.lineTo(fr.x(i / per), py); else ctx.moveTo(fr.x(i / per), py);
        ctx.lineTo(fr.x(i / per + 1), py);
        pen = true;
      }
      ctx.stroke();
      var mark = epochMark(ctx, fr, per);
      ctx.restore();
      axes(ctx, fr, words.axis_epoch, words.axis_rate, true);
      var below = crossing();
      drawn.rate = {epochs: Math.ceil(S / per), critical: crit, below: below, lo: Math.pow(10, ylo), hi: Math.pow(10, yhi),
        first: S ? R[0] : null, last: S ? R[S - 1] : null, mark: mark};
    }
    // the epoch from which every rate is below 2/λmax (0: from the start), -1 when the last is
    // not, null without a critical rate
    function crossing() {
      var crit = quadratic() ? spectrum().critical_lr : null, R = model.sim.rate, S = model.sim.steps;
      if (!crit || !S) return null;
      var i = S;
      while (i > 0 && R[i - 1] < crit) i--;
      return i === S ? -1 : Math.floor(i / model.sim.per);
    }

    // ---- text views ------------------------------------------------------------------------
    var readout = el("lab-readout"), epochOut = el("lab-epoch-out");
    function statusText() {  // in epochs: a step of mini-batches belongs to the epoch it is in
      var per = model.sim.per, done = Math.ceil(model.sim.steps / per);
      if (model.sim.status === "diverged") {
        var k = finite(model.sim.divergedAt) ? model.sim.divergedAt : model.sim.steps - 1;
        return say("diverged", {epoch: Math.floor(k / per)});
      }
      if (model.sim.status === "converged") return say("converged", {epoch: done});
      return say("max_epochs", {epochs: done});
    }
    function regimeText() {
      var plain = state.optimizer === "gd" || (state.optimizer === "sgd" && !state.momentum);
      if (!plain || state.train.zero_grad === false || state.train.schedule || !lab.regime || model.sim.per > 1) return "";
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
    // a robust loss: how much of the way from the start to its minimum the path covered, and
    // whether it hovers there (its distance goes up and down over the last quarter of steps)
    function progressText() {
      var own = best(), S = model.sim.steps, W = model.sim.W;
      if (quadratic() || !own || model.sim.distance === null) return "";
      function distance(i) {
        var d = 0;
        for (var j = 0; j < p; j++) d += (W[i * p + j] - own[j]) * (W[i * p + j] - own[j]);
        return Math.sqrt(d);
      }
      var d0 = distance(0), epochs = Math.ceil(S / model.sim.per), fields = {loss: lossEntry().label, lr: fmt(state.lr),
        epochs: epochs};
      if (!(d0 > 0) || !finite(model.sim.distance)) return "";
      var covered = 1 - model.sim.distance / d0;
      if (covered < 0) return say("away", fields) + ".";
      var text = say("covers", Object.assign(fields, {percent: fmt(100 * covered, 3)})) + ".", ups = 0;
      for (var i = Math.floor(0.75 * S); covered >= 0.9 && i < S; i++) if (distance(i + 1) > distance(i)) ups++;
      return ups > 0 ? text + " " + say("hovers", {}) + "." : text;
    }
    // a schedule on SSE or MSE: the epoch its rate falls below 2/λmax
    function crossingText() {
      var below = state.train.schedule ? crossing() : null;
      if (below === null) return "";
      var fields = {critical: fmt(spectrum().critical_lr, 3), epoch: below, epochs: Math.ceil(model.sim.steps / model.sim.per)};
      if (below === 0) return say("below_from_start", fields) + ".";
      return say(below > 0 ? "below_critical" : "never_below", fields) + ".";
    }
    function readoutText() {
      var distance = model.sim.distance === null ? "" : " · " + (quadratic() ? say("distance", {distance: fmt(model.sim.distance)})
        : say("distance_min", {loss: lossEntry().label, distance: fmt(model.sim.distance)}));
      var parts = [say("final", {loss: fmt(model.sim.finalLoss)}) + distance + " · " + statusText() + "."];
      [progressText(), crossingText()].forEach(function (t) { if (t) parts.push(t); });
      var regime = regimeText();
      if (regime) parts.push(regime + ".");
      if (model.sim.exit) parts.push(say("left", {epoch: model.sim.exit.epoch, a: fmt(model.sim.exit.a, 3), b: fmt(model.sim.exit.b, 3)}));
      return parts.join(" ");
    }
    function epochText() {
      var e = epochShown(), w = row(model.sim.W, e), fields = {epoch: e, steps: model.sim.steps, loss: fmt(lossAtEpoch(e)),
        w: w.map(function (v) { return fmt(v); }).join(", ")};
      if (model.sim.per === 1) return say("epoch", fields);
      var loss = say(e < model.sim.steps ? "batch_loss" : "full_loss", {loss: fields.loss});  // the last row: all points
      return say("step", Object.assign(fields, {step: e, epoch: fmt(e / model.sim.per, 3), loss: loss}));
    }

    return {
      canvases: canvases, sizeCanvases: sizeCanvases, drawLayer: drawLayer, drawContour: drawContour,
      drawFit: drawFit, drawLoss: drawLoss, drawRate: drawRate, readoutText: readoutText, epochText: epochText, drawn: drawn,
      readout: readout, epochOut: epochOut, fmt: fmt,
      layerFrame: function () { return layerFrame; }
    };
  };
})(window);

// gdanim lab maths: gradient descent on linear regression in float32, step for step as
// the recorder computes it with torch, the quadratic view of SSE and MSE in float64, and
// the level sets of any loss on a grid.
// Pure: no DOM, no network, no dependencies. API in docs/lab.md.
(function (root) {
  "use strict";
  var gdanim = root.gdanim = root.gdanim || {};
  var lab = gdanim.lab = gdanim.lab || {};
  var f = Math.fround;

  // fl32(a*b + c) rounded once, as torch's fused kernels (addcmul, lerp, add with alpha)
  // and MKL's products compute it; a*b of two float32 values is exact in a double.
  function fma(a, b, c) { return f(a * b + c); }

  var packed = typeof WeakMap === "function" ? new WeakMap() : null;

  // The data as float32 columns: X [n, p] row-major with the intercept column, y [n].
  function pack(data) {
    var hit = packed && packed.get(data);
    if (hit) return hit;
    var n = data.y.length, k = n ? data.x[0].length : 0, p = k + 1;
    var X = new Float32Array(n * p), y = new Float32Array(n);
    for (var i = 0; i < n; i++) {
      X[i * p] = 1;
      for (var j = 0; j < k; j++) X[i * p + j + 1] = data.x[i][j];
      y[i] = data.y[i];
    }
    var d = {n: n, p: p, X: X, y: y, r: new Float32Array(n), sq: new Float32Array(n), acc: new Float32Array(128), rest: []};
    for (j = 2; j < p; j++) d.rest.push(j);
    if (packed) packed.set(data, d);
    return d;
  }

  // torch's float32 sum on the CPU (ATen's SumKernel.cpp): rows of 8 lanes (1 below 8
  // values) summed into 4 interleaved accumulators, cascaded every 16 rows, then the
  // scalar tail and the 8 lanes in order. acc: Float32Array(128), whose stores round.
  function rowSum(a, size, w, acc) {
    var ilp = (size / 4) | 0, width = 4 * w, i = 0, j, k, l;
    var bits = ilp <= 2 ? 1 : 32 - Math.clz32(ilp - 1), lp = Math.max(4, (bits / 4) | 0), mask = (1 << lp) - 1;
    acc.fill(0);
    while (i + (1 << lp) <= ilp) {
      for (j = 0; j < 1 << lp; j++, i++) for (k = 0; k < width; k++) acc[k] += a[i * width + k];
      for (l = 1; l < 4; l++) {
        for (k = 0; k < width; k++) { acc[l * width + k] += acc[(l - 1) * width + k]; acc[(l - 1) * width + k] = 0; }
        if (i & (mask << (l * lp))) break;
      }
    }
    for (; i < ilp; i++) for (k = 0; k < width; k++) acc[k] += a[i * width + k];
    for (l = 1; l < 4; l++) for (k = 0; k < width; k++) acc[k] += acc[l * width + k];
    for (i = ilp * 4; i < size; i++) for (k = 0; k < w; k++) acc[k] += a[i * w + k];
    for (l = 1; l < 4; l++) for (k = 0; k < w; k++) acc[k] += acc[l * w + k];
    return acc;
  }

  function torchSum(a, n, acc) {
    if (n < 8) return rowSum(a, n, 1, acc)[0];
    var lanes = n >> 3, s = 0, i;  // rows of 8 lanes
    rowSum(a, lanes, 8, acc);
    for (i = lanes * 8; i < n; i++) s = f(s + a[i]);
    for (i = 0; i < 8; i++) s = f(s + acc[i]);
    return s;
  }

  // The loss as lossOf and gradOf take it: its name, whether it is a mean, and Huber's
  // delta as the float32 torch compares with. SSE and MSE are the quadratic ones.
  var LOSS_NAMES = {sse: 1, mse: 1, sae: 1, mae: 1, huber: 1};
  function lossSpec(name, huberDelta) {
    if (!LOSS_NAMES[name]) throw new Error("gdanim.lab.simulate: loss sse, mse, sae, mae or huber is expected, got " + name);
    var delta = huberDelta === undefined || huberDelta === null ? 1 : huberDelta;
    if (name === "huber" && !(delta > 0)) throw new Error("gdanim.lab.simulate: huber_delta > 0 is expected, got " + delta);
    return {name: name, mean: name !== "sse" && name !== "sae", squared: name === "sse" || name === "mse",
      delta: f(delta), half: f(0.5 * f(delta))};
  }

  // Loss at W (float32), leaving the residuals y - X W in d.r. X W as MKL's sgemm
  // computes it here (measured for k <= 3): w0 + w1*x1 fused, then the other products
  // (x3 before x2) for the points in blocks of 4; for the last n % 4 points the
  // products summed first, the intercept last. The robust losses take each point's
  // error as torch's kernels do: |e| (l1_loss), and for huber_loss 0.5 * z * z below
  // delta, delta * (z - 0.5 * delta) from it, each product rounded.
  function lossOf(d, W, L) {
    var n = d.n, p = d.p, X = d.X, y = d.y, r = d.r, sq = d.sq, block = n - n % 4, acc, e, i, j, o;
    var w0 = W[0], w1 = W[1], rest = p === 4 ? [3, 2] : d.rest;
    if (p === 2) {
      for (i = 0; i < block; i++) { e = r[i] = f(y[i] - f(w1 * X[2 * i + 1] + w0)); sq[i] = e * e; }
    } else {
      for (i = 0, o = 0; i < block; i++, o += p) {
        for (acc = fma(w1, X[o + 1], w0), j = 0; j < rest.length; j++) acc = f(acc + f(W[rest[j]] * X[o + rest[j]]));
        e = r[i] = f(y[i] - acc);
        sq[i] = e * e;
      }
    }
    for (i = block, o = block * p; i < n; i++, o += p) {
      for (acc = f(w1 * X[o + 1]), j = 0; j < rest.length; j++) acc = f(acc + f(W[rest[j]] * X[o + rest[j]]));
      e = r[i] = f(y[i] - f(acc + w0));
      sq[i] = e * e;
    }
    if (!L.squared) {
      var huber = L.name === "huber", delta = L.delta, half = L.half;
      for (i = 0; i < n; i++) {
        var z = Math.abs(r[i]);
        sq[i] = !huber ? z : z < delta ? f(f(0.5 * z) * z) : f(delta * f(z - half));
      }
    }
    var sum = torchSum(sq, n, d.acc);
    return L.mean ? f(sum / n) : sum;
  }

  // Gradient of the loss at W into g, after lossOf(d, W, L) filled d.r. The factor each
  // point's error gets (d loss / d yhat) is put in d.r, then summed against X as torch's
  // matmul backward does.
  function gradOf(d, W, g, L, method, delta, Wt) {
    var n = d.n, p = d.p, X = d.X, r = d.r, i, j, s;
    if (method === "numerical") {
      var h = f(delta), h2 = f(2 * delta);
      for (j = 0; j < p; j++) { // central differences, one parameter at a time
        Wt.set(W);
        Wt[j] = f(W[j] + h);
        var up = lossOf(d, Wt, L);
        Wt[j] = f(W[j] - h);
        g[j] = f(f(up - lossOf(d, Wt, L)) / h2);
      }
      return;
    }
    var c = L.mean ? f(1 / n) : 1, analytic = method === "analytic", s0 = 0, s1 = 0, o, e;
    var hd = L.delta, huber = L.name === "huber";
    if (L.squared) {
      // autograd: d loss / d resid = 2 resid (times 1/n), through -X; analytic: resid @ X
      if (!analytic) for (i = 0; i < n; i++) r[i] = -f(c * f(2 * r[i]));
    } else if (huber) {
      // e = yhat - y = -resid. autograd (huber_loss backward): -delta*c, e*c or delta*c;
      // analytic: e clamped to [-delta, delta], the mean taken after the sum
      var cd = f(c * hd);
      for (i = 0; i < n; i++) {
        e = -r[i];
        r[i] = analytic ? (e < -hd ? -hd : e > hd ? hd : e) : e <= -hd ? -cd : e >= hd ? cd : f(e * c);
      }
    } else {
      // |e|: sign(e) (0 at 0, as torch's backward), times 1/n for MAE in autograd
      var k = analytic ? 1 : c;
      for (i = 0; i < n; i++) r[i] = r[i] < 0 ? k : r[i] > 0 ? -k : 0;
    }
    if (p === 2) {
      for (i = 0; i < n; i++) { s0 = f(r[i] + s0); s1 = fma(r[i], X[2 * i + 1], s1); }
      g[0] = s0;
      g[1] = s1;
    } else {
      g.fill(0);
      for (i = 0, o = 0; i < n; i++, o += p) for (j = 0; j < p; j++) g[j] = fma(r[i], X[o + j], g[j]);
    }
    if (!analytic) return;
    for (j = 0; j < p; j++) { // SSE, MSE: -2 *, then / n; MAE, Huber: / n
      s = L.squared ? f(-2 * g[j]) : g[j];
      g[j] = L.mean ? f(s / n) : s;
    }
  }

  function option(o, key, fallback) { return o[key] === undefined || o[key] === null ? fallback : o[key]; }

  // The update rule {Wn, batched, step(W, g, t, upd, lr)}: step writes the new params
  // into Wn (batched rules also write the update into upd and weight decay into g); t
  // counts steps from 1, lr is the step's rate (a double). One rule per run.
  function makeRule(o, p) {
    var name = o.optimizer || "gd", wd = option(o, "weight_decay", 0);
    var Wn = new Float32Array(p), u = new Float32Array(p), v = new Float32Array(p);
    var w2 = new Float32Array(p), buf = new Float32Array(p), gg = new Float32Array(p);
    var rule = {Wn: Wn, batched: false};
    if (name === "gd" || name === "sgd" || name === "momentum" || name === "nesterov") {
      // gdanim/recorder/batched.py: separate tensor ops, upd = -(lr * d), W + upd
      var m = name === "gd" ? 0 : option(o, "momentum", name === "sgd" ? 0 : 0.9);
      var m32 = f(m), keep = f(1 - f(option(o, "dampening", 0))), wd32 = f(wd);
      var nest = name === "nesterov" || !!o.nesterov;
      rule.batched = true;
      rule.step = function (W, g, t, upd, lr) {
        for (var j = 0, lr32 = f(lr); j < p; j++) {
          var gj = g[j];
          if (wd > 0) gj = g[j] = f(gj + f(wd32 * W[j]));
          var dj = gj;
          if (m > 0) {
            buf[j] = t === 1 ? gj : f(f(buf[j] * m32) + f(keep * gj));
            dj = nest ? f(gj + f(m32 * buf[j])) : buf[j];
          }
          upd[j] = -f(lr32 * dj);
          Wn[j] = f(W[j] + upd[j]);
        }
      };
      return rule;
    }
    function decayed(W, g) { // grad.add(param, alpha=weight_decay): a new tensor
      if (wd === 0) return g;
      for (var j = 0; j < p; j++) gg[j] = fma(f(wd), W[j], g[j]);
      return gg;
    }
    if (name === "adam") { // torch/optim/adam.py, _single_tensor_adam
      var betas = option(o, "betas", [0.9, 0.999]), b1 = betas[0], b2 = betas[1];
      var eps32 = f(option(o, "eps", 1e-8)), amsgrad = !!o.amsgrad;
      var w1 = f(1 - b1), w1c = f(1 - w1), b2f = f(b2), v2 = f(1 - b2);
      rule.step = function (W, g0, t, upd, lr) {
        var g = decayed(W, g0);
        var bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t); // python floats (double)
        var size = f(-(lr / bc1)), bc2s = f(Math.sqrt(bc2));
        for (var j = 0; j < p; j++) {
          var diff = f(g[j] - u[j]); // exp_avg.lerp_(grad, 1 - beta1)
          u[j] = w1 < 0.5 ? fma(w1, diff, u[j]) : fma(-diff, w1c, g[j]);
          v[j] = fma(f(v2 * g[j]), g[j], f(v[j] * b2f)); // exp_avg_sq.mul_(b2).addcmul_(g, g, 1 - b2)
          var sq = v[j];
          if (amsgrad) sq = w2[j] = Math.max(w2[j], v[j]);
          var denom = f(f(f(Math.sqrt(sq)) / bc2s) + eps32);
          Wn[j] = f(W[j] + f(f(size * u[j]) / denom)); // addcdiv_(exp_avg, denom, -step_size)
        }
      };
      return rule;
    }
    if (name === "rmsprop") { // torch/optim/rmsprop.py, _single_tensor_rmsprop
      var alpha = option(o, "alpha", 0.99), a32 = f(alpha), a1 = f(1 - alpha), a1c = f(1 - a1);
      var reps = f(option(o, "eps", 1e-8)), rm = option(o, "momentum", 0), rm32 = f(rm);
      var centered = !!o.centered;
      rule.step = function (W, g0, t, upd, lr) {
        var g = decayed(W, g0), nlr = f(-lr);
        for (var j = 0; j < p; j++) {
          v[j] = fma(f(a1 * g[j]), g[j], f(v[j] * a32));
          var avg = v[j];
          if (centered) { // grad_avg.lerp_(grad, 1 - alpha); square_avg - grad_avg**2
            var diff = f(g[j] - u[j]);
            u[j] = a1 < 0.5 ? fma(a1, diff, u[j]) : fma(-diff, a1c, g[j]);
            avg = fma(-u[j], u[j], avg);
          }
          avg = f(f(Math.sqrt(avg)) + reps);
          if (rm > 0) {
            buf[j] = f(f(buf[j] * rm32) + f(g[j] / avg));
            Wn[j] = fma(nlr, buf[j], W[j]);
          } else {
            Wn[j] = f(W[j] + f(f(nlr * g[j]) / avg));
          }
        }
      };
      return rule;
    }
    if (name === "adagrad") { // torch/optim/adagrad.py, _single_tensor_adagrad
      var decay = option(o, "lr_decay", 0), geps = f(option(o, "eps", 1e-10));
      v.fill(f(option(o, "initial_accumulator_value", 0)));
      rule.step = function (W, g0, t, upd, lr) {
        var g = decayed(W, g0), clr = f(-(lr / (1 + (t - 1) * decay)));
        for (var j = 0; j < p; j++) {
          v[j] = fma(g[j], g[j], v[j]);
          Wn[j] = f(W[j] + f(f(clr * g[j]) / f(f(Math.sqrt(v[j])) + geps)));
        }
      };
      return rule;
    }
    throw new Error("gdanim.lab: unknown optimizer " + JSON.stringify(name));
  }

  // The rate of epoch e from the previous one, as torch.optim.lr_scheduler's chainable
  // formulas compute it in Python floats (gdanim/schedules.py): {type: step | exponential
  // | cosine | linear, ...}; epoch 0 trains with lr (linear: lr * start_factor).
  function nextRate(s, base, lr, e) {
    if (s.type === "step") return e % s.step_size !== 0 ? lr : lr * option(s, "gamma", 0.1);
    if (s.type === "exponential") return lr * s.gamma;
    if (s.type === "cosine") {
      var tm = s.t_max, lo = option(s, "eta_min", 0), c = Math.cos;
      if ((((e - 1 - tm) % (2 * tm)) + 2 * tm) % (2 * tm) === 0) return lr + (base - lo) * (1 - c(Math.PI / tm)) / 2;
      return (1 + c(Math.PI * e / tm)) / (1 + c(Math.PI * (e - 1) / tm)) * (lr - lo) + lo;
    }
    if (s.type === "linear") {
      var a = option(s, "start_factor", 1 / 3), z = option(s, "end_factor", 1), n = option(s, "total_iters", 5);
      return e > n ? lr : lr * (1 + (z - a) / (n * a + (e - 1) * (z - a)));
    }
    throw new Error("gdanim.lab: unknown schedule " + JSON.stringify(s.type));
  }

  function grow(a, size) { return a && a.length >= size ? a : new Float32Array(size); }

  // torch's CPU generator: MT19937 seeded with the low 32 bits of the seed (uint32 draws)
  function mt19937(seed) {
    var mt = new Uint32Array(624), i = 624, k;
    mt[0] = seed >>> 0;
    for (k = 1; k < 624; k++) mt[k] = (Math.imul(1812433253, mt[k - 1] ^ (mt[k - 1] >>> 30)) + k) >>> 0;
    return function () {
      if (i >= 624) {
        for (k = 0; k < 624; k++) {
          var y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
          mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
        }
        i = 0;
      }
      var t = mt[i++];
      t ^= t >>> 11;
      t ^= (t << 7) & 0x9d2c5680;
      t ^= (t << 15) & 0xefc60000;
      return (t ^ (t >>> 18)) >>> 0;
    };
  }

  // torch.randperm(n, generator) on the CPU (ATen's randperm_cpu): swap i with i + random() % (n - i)
  function randperm(r, random) {
    var n = r.length, i;
    for (i = 0; i < n; i++) r[i] = i;
    for (i = 0; i < n - 1; i++) {
      var z = i + random() % (n - i), t = r[i];
      r[i] = r[z];
      r[z] = t;
    }
    return r;
  }

  // A mini-batch's packed data (as pack gives), for up to size points; gather fills it.
  function batchOf(d, size) {
    return {n: 0, p: d.p, X: new Float32Array(size * d.p), y: new Float32Array(size), r: new Float32Array(size),
      sq: new Float32Array(size), acc: new Float32Array(128), rest: d.rest};
  }
  function gather(d, batch, perm, from, count) {
    var p = d.p;
    for (var i = 0; i < count; i++) {
      var k = perm[from + i];
      for (var j = 0; j < p; j++) batch.X[i * p + j] = d.X[k * p + j];
      batch.y[i] = d.y[k];
    }
    batch.n = count;
    return batch;
  }

  /**
   * Train into reusable columns: the fast form of simulate for redrawing every frame.
   * `out` is a previous result (its typed arrays are reused when large enough) or
   * omitted. Returns out with params [(steps+1)*p], loss [steps], grad and update
   * [steps*p] as Float32Array views, lr [steps] (Float64Array), p, steps, status, divergedAt.
   *   var out = gdanim.lab.simulateInto({lr: 0.001, epochs: 30, init: [-5, 10]}, out);
   */
  lab.simulateInto = function (opts, out) {
    var o = opts || {}, data = o.data || lab.data;
    if (!data) throw new Error("gdanim.lab.simulate: no data (pass opts.data or set gdanim.lab.data)");
    var d = pack(data), n = d.n, p = d.p, bs = option(o, "batch_size", null), mini = bs !== null && bs < n;
    if (bs !== null && !(bs >= 1 && bs % 1 === 0)) {
      throw new Error("gdanim.lab.simulate: batch_size is a whole number >= 1 or null, got " + bs);
    }
    var per = mini ? Math.ceil(n / bs) : 1; // steps per epoch
    if (!(o.lr > 0)) throw new Error("gdanim.lab.simulate: lr > 0 is expected, got " + o.lr);
    var epochs = option(o, "epochs", 100), spec = lossSpec(option(o, "loss", "sse"), o.huber_delta);
    if (!(epochs >= 0 && epochs % 1 === 0)) throw new Error("gdanim.lab.simulate: whole epochs >= 0 are expected, got " + epochs);
    var method = option(o, "gradient", "autograd"), delta = option(o, "delta", 0.1);
    if (!/^(autograd|analytic|numerical)$/.test(method)) throw new Error("gdanim.lab.simulate: unknown gradient " + method);
    var zero = option(o, "zero_grad", true), stop = o.stop || {};
    var tol = option(stop, "tol", null), maxLoss = option(stop, "max_loss", null);
    out = out || {};
    var T = epochs * per; // steps at most (fewer with max_steps)
    if (o.max_steps !== undefined && o.max_steps !== null) T = Math.min(T, o.max_steps);
    var P = out.paramsBuf = grow(out.paramsBuf, (T + 1) * p), L = out.lossBuf = grow(out.lossBuf, T);
    var G = out.gradBuf = grow(out.gradBuf, T * p), U = out.updateBuf = grow(out.updateBuf, T * p);
    var R = out.lrBuf = out.lrBuf && out.lrBuf.length >= T ? out.lrBuf : new Float64Array(T);
    // mini-batches: torch.randperm(n, generator) each epoch, from one generator seeded once
    var random = mini ? mt19937(option(o, "seed", 0)) : null, perm = mini ? new Int32Array(n) : null;
    var batch = mini ? batchOf(d, bs) : null, at = d;
    var sched = o.schedule || null, rate = sched && sched.type === "linear" ? o.lr * option(sched, "start_factor", 1 / 3) : o.lr;
    var rule = makeRule(o, p), Wn = rule.Wn, g = new Float32Array(p), acc = new Float32Array(p);
    var Wt = new Float32Array(p), upd = new Float32Array(p), W = new Float32Array(p);
    var tol32 = rule.batched && tol !== null ? f(tol) : tol;
    var max32 = rule.batched && maxLoss !== null ? f(maxLoss) : maxLoss;
    for (var j = 0; j < p; j++) P[j] = o.init && o.init[j] !== undefined && o.init[j] !== null ? o.init[j] : 0;
    var status = "max_epochs", S = 0;
    while (S < T) {
      var e = Math.floor(S / per), b = S - e * per;
      if (mini) {
        if (b === 0) randperm(perm, random);
        at = gather(d, batch, perm, b * bs, Math.min(bs, n - b * bs)); // X[idx], y[idx]
      }
      for (j = 0; j < p; j++) W[j] = P[S * p + j];
      var loss = lossOf(at, W, spec);
      gradOf(at, W, g, spec, method, delta, Wt);
      for (j = 0; j < p; j++) acc[j] = zero || S === 0 ? g[j] : f(acc[j] + g[j]); // zero_grad false: grads pile up
      if (rule.batched) g.set(acc); // the recorded gradient includes weight decay there
      if (sched && e > 0 && b === 0) rate = nextRate(sched, o.lr, rate, e); // scheduler.step() after each epoch
      rule.step(W, rule.batched ? g : acc, S + 1, upd, rate);
      var big = 0;
      for (j = 0; j < p; j++) {
        var w = P[(S + 1) * p + j] = Wn[j];
        var dj = rule.batched ? upd[j] : f(w - W[j]);
        U[S * p + j] = dj;
        G[S * p + j] = rule.batched ? g[j] : acc[j];
        big = Math.max(big, Math.abs(dj)); // NaN stays NaN, as torch's amax
      }
      R[S] = rate;
      L[S++] = loss;
      if (!isFinite(loss) || (max32 !== null && loss > max32)) { status = "diverged"; break; }
      if (tol32 !== null && big < tol32) { status = "converged"; break; }
    }
    for (j = 0; j < p; j++) W[j] = P[S * p + j];
    var last = lossOf(d, W, spec); // at the final params, as the recorder's final loss
    out.finalLoss = isFinite(last) ? last : Infinity;
    out.p = p;
    out.perEpoch = per;
    out.steps = S;
    out.status = status;
    out.divergedAt = status === "diverged" ? S - 1 : null;
    out.params = P.subarray(0, (S + 1) * p);
    out.loss = L.subarray(0, S);
    out.grad = G.subarray(0, S * p);
    out.update = U.subarray(0, S * p);
    out.lr = R.subarray(0, S);
    return out;
  };

  function rows(a, p) {
    var r = [];
    for (var i = 0; i < a.length; i += p) r.push(Array.prototype.slice.call(a, i, i + p));
    return r;
  }

  /**
   * Record gradient descent exactly as gdanim's recorder does (full batch, float32).
   * opts: data {x: [[..k]], y: [..]} (default gdanim.lab.data), lr, optimizer, loss,
   * epochs, init, optimizer options, gradient, delta, zero_grad, stop {tol, max_loss},
   * schedule {type, ...}; columns: true returns typed arrays as simulateInto does.
   * Returns {params: [[w0..wk]] (steps+1 rows), loss, grad, update, lr, status, steps, divergedAt}.
   *   var run = gdanim.lab.simulate({lr: 0.0083, epochs: 30, init: [-5, 10]}); run.status
   */
  lab.simulate = function (opts) {
    var out = lab.simulateInto(opts, null);
    if (opts && opts.columns) return out;
    var p = out.p;
    return {params: rows(out.params, p), loss: Array.prototype.slice.call(out.loss),
      grad: rows(out.grad, p), update: rows(out.update, p), lr: Array.prototype.slice.call(out.lr),
      status: out.status, steps: out.steps, divergedAt: out.divergedAt, finalLoss: out.finalLoss};
  };

  // --- any loss on the data (float64): level sets where the loss is not quadratic -------

  // The loss of one error e = yhat - y (before the sum or mean).
  function pointLoss(e, name, delta) {
    if (name === "sse" || name === "mse") return e * e;
    var z = Math.abs(e);
    return name === "huber" ? (z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)) : z;
  }

  /**
   * The loss at params w evaluated on the data (float64, any loss; huberDelta default 1).
   *   gdanim.lab.lossOn(gdanim.lab.data, [2.45, 3.94], "mae")
   */
  lab.lossOn = function (data, w, loss, huberDelta) {
    data = data || lab.data;
    var n = data.y.length, k = data.x[0].length, delta = huberDelta || 1, s = 0;
    for (var i = 0; i < n; i++) {
      var yhat = w[0];
      for (var j = 0; j < k; j++) yhat += w[j + 1] * data.x[i][j];
      s += pointLoss(yhat - data.y[i], loss, delta);
    }
    return loss === "sse" || loss === "sae" ? s : s / n;
  };

  /**
   * The loss (float64, on the data, any loss) at the nodes of an nx by ny grid over the
   * parameter pair [a, b] from lo to hi (corners included), the other parameters held at
   * fixed[...]. Returns Float64Array [ny * nx], row j (b = lo[1] + j * step) after row j - 1.
   *   var v = gdanim.lab.grid(data, {loss: "mae", pair: [0, 1], fixed: [0, 0], lo: [0, 2], hi: [5, 6], nx: 90, ny: 80})
   */
  lab.grid = function (data, o) {
    data = data || lab.data;
    var n = data.y.length, k = data.x[0].length, a = o.pair[0], b = o.pair[1], nx = o.nx, ny = o.ny;
    var name = o.loss || "sse", delta = o.huber_delta || 1, mean = name !== "sse" && name !== "sae";
    var base = new Float64Array(n), xa = new Float64Array(n), xb = new Float64Array(n), i, j, q;
    for (i = 0; i < n; i++) { // yhat = base + a * xa + b * xb, minus y
      var row = data.x[i], s = -data.y[i];
      for (j = 0; j <= k; j++) {
        var x = j === 0 ? 1 : row[j - 1];
        if (j === a) xa[i] = x; else if (j === b) xb[i] = x; else s += o.fixed[j] * x;
      }
      base[i] = s;
    }
    var out = new Float64Array(nx * ny), dx = (o.hi[0] - o.lo[0]) / (nx - 1), dy = (o.hi[1] - o.lo[1]) / (ny - 1);
    for (j = 0; j < ny; j++) {
      var vb = o.lo[1] + j * dy;
      for (q = 0; q < nx; q++) {
        var va = o.lo[0] + q * dx, sum = 0;
        for (i = 0; i < n; i++) sum += pointLoss(base[i] + va * xa[i] + vb * xb[i], name, delta);
        out[j * nx + q] = mean ? sum / n : sum;
      }
    }
    return out;
  };

  /**
   * The level set value = level of a grid (lab.grid) by marching squares: segments
   * [x0, y0, x1, y1, ...] in grid coordinates (x = column, y = row; a node is at whole
   * numbers), each crossing of a cell edge placed by linear interpolation. A saddle cell
   * is split as its centre (the mean of its corners) says. Cells with a non-finite
   * corner are left out.
   *   var seg = gdanim.lab.isolines(v, 90, 80, 3.0)
   */
  lab.isolines = function (values, nx, ny, level) {
    var out = [], cx = [0, 1, 1, 0], cy = [0, 0, 1, 1], v = [0, 0, 0, 0], hit = [];
    for (var j = 0; j + 1 < ny; j++) {
      for (var i = 0; i + 1 < nx; i++) {
        v[0] = values[j * nx + i]; v[1] = values[j * nx + i + 1];
        v[2] = values[(j + 1) * nx + i + 1]; v[3] = values[(j + 1) * nx + i];
        if (!(isFinite(v[0]) && isFinite(v[1]) && isFinite(v[2]) && isFinite(v[3]))) continue;
        hit.length = 0;
        for (var e = 0; e < 4; e++) { // edges: bottom, right, top, left (corner e to e + 1)
          var u = v[e], w = v[(e + 1) % 4];
          if ((u < level) === (w < level)) continue;
          var t = (level - u) / (w - u), nxt = (e + 1) % 4;
          hit.push(e, i + cx[e] + t * (cx[nxt] - cx[e]), j + cy[e] + t * (cy[nxt] - cy[e]));
        }
        if (hit.length === 6) {
          out.push(hit[1], hit[2], hit[4], hit[5]);
        } else if (hit.length === 12) { // a saddle: corners 0 and 2 on one side
          var joined = ((v[0] + v[1] + v[2] + v[3]) / 4 < level) === (v[0] < level);
          if (joined) out.push(hit[1], hit[2], hit[4], hit[5], hit[7], hit[8], hit[10], hit[11]);
          else out.push(hit[10], hit[11], hit[1], hit[2], hit[4], hit[5], hit[7], hit[8]);
        }
      }
    }
    return out;
  };

  // --- the quadratic view (float64) -------------------------------------------------

  /**
   * The loss as a quadratic form: xtx = X'X [p*p, row-major], xty = X'y, yty = y'y
   * (X with the intercept column), n, p and the loss they are for (sse or mse).
   *   var q = gdanim.lab.quadratic(gdanim.lab.data, "sse"); gdanim.lab.lossAt(q, [2.5, 4])
   */
  lab.quadratic = function (data, loss) {
    data = data || lab.data;
    var n = data.y.length, p = data.x[0].length + 1, xtx = new Float64Array(p * p), xty = new Float64Array(p);
    var row = new Float64Array(p), yty = 0;
    for (var i = 0; i < n; i++) {
      row[0] = 1;
      for (var a = 1; a < p; a++) row[a] = data.x[i][a - 1];
      var yi = data.y[i];
      yty += yi * yi;
      for (a = 0; a < p; a++) {
        xty[a] += row[a] * yi;
        for (var b = 0; b < p; b++) xtx[a * p + b] += row[a] * row[b];
      }
    }
    return {xtx: xtx, xty: xty, yty: yty, n: n, p: p, loss: loss || "sse"};
  };

  /**
   * The loss at params w from the quadratic q (float64; never below 0).
   *   gdanim.lab.lossAt(gdanim.lab.quadratic(data, "mse"), [0, 1])
   */
  lab.lossAt = function (q, w) {
    var p = q.p, s = q.yty;
    for (var a = 0; a < p; a++) {
      s -= 2 * w[a] * q.xty[a];
      for (var b = 0; b < p; b++) s += w[a] * q.xtx[a * p + b] * w[b];
    }
    s = Math.max(s, 0);
    return q.loss === "mse" ? s / q.n : s;
  };

  // Eigenvalues (ascending) and unit eigenvectors (columns of vecs, row-major) of a
  // symmetric p x p matrix, by cyclic Jacobi rotations.
  function jacobi(A, p) {
    var a = Float64Array.from(A), V = new Float64Array(p * p), i, j, k;
    for (i = 0; i < p; i++) V[i * p + i] = 1;
    for (var sweep = 0; sweep < 60; sweep++) {
      var off = 0, tot = 0;
      for (i = 0; i < p * p; i++) { tot += a[i] * a[i]; if (i % (p + 1)) off += a[i] * a[i]; }
      if (off <= 1e-32 * tot) break;
      for (i = 0; i < p - 1; i++) {
        for (j = i + 1; j < p; j++) {
          var aij = a[i * p + j];
          if (aij === 0) continue;
          var th = (a[j * p + j] - a[i * p + i]) / (2 * aij);
          var t = (th >= 0 ? 1 : -1) / (Math.abs(th) + Math.sqrt(th * th + 1));
          var c = 1 / Math.sqrt(t * t + 1), s = t * c;
          for (k = 0; k < p; k++) { // A <- A J (columns i, j), then J' A (rows i, j)
            var x = a[k * p + i], y = a[k * p + j];
            a[k * p + i] = c * x - s * y;
            a[k * p + j] = s * x + c * y;
          }
          for (k = 0; k < p; k++) {
            x = a[i * p + k]; y = a[j * p + k];
            a[i * p + k] = c * x - s * y;
            a[j * p + k] = s * x + c * y;
            x = V[k * p + i]; y = V[k * p + j];
            V[k * p + i] = c * x - s * y;
            V[k * p + j] = s * x + c * y;
          }
        }
      }
    }
    var order = [];
    for (i = 0; i < p; i++) order.push(i);
    order.sort(function (u, v) { return a[u * p + u] - a[v * p + v]; });
    return {values: order.map(function (u) { return a[u * p + u]; }),
      vectors: order.map(function (u) { var col = []; for (k = 0; k < p; k++) col.push(V[k * p + u]); return col; })};
  }

  // Solve the symmetric system M x = b (Gaussian elimination with partial pivoting).
  function solve(M, b, p) {
    var a = Float64Array.from(M), x = Float64Array.from(b), i, j, k;
    for (k = 0; k < p; k++) {
      var piv = k;
      for (i = k + 1; i < p; i++) if (Math.abs(a[i * p + k]) > Math.abs(a[piv * p + k])) piv = i;
      for (j = 0; j < p; j++) { var t = a[k * p + j]; a[k * p + j] = a[piv * p + j]; a[piv * p + j] = t; }
      t = x[k]; x[k] = x[piv]; x[piv] = t;
      for (i = k + 1; i < p; i++) {
        var m = a[i * p + k] / a[k * p + k];
        for (j = k; j < p; j++) a[i * p + j] -= m * a[k * p + j];
        x[i] -= m * x[k];
      }
    }
    for (k = p - 1; k >= 0; k--) {
      for (j = k + 1; j < p; j++) x[k] -= a[k * p + j] * x[j];
      x[k] /= a[k * p + k];
    }
    return Array.from(x);
  }

  /**
   * The Hessian's spectrum as gdanim/analysis.py reports it (float64): eigenvalues of
   * 2X'X (SSE) or 2X'X/n (MSE) ascending, critical_lr = 2/lambda_max, best_lr =
   * 2/(lambda_min + lambda_max), condition_number, ols (null when not unique), ols_loss.
   *   gdanim.lab.spectrum(gdanim.lab.data, "sse").critical_lr   // 0.008238... on lr.yaml
   */
  lab.spectrum = function (data, loss) {
    var q = data && data.xtx ? data : lab.quadratic(data, loss);
    loss = loss || q.loss;
    var p = q.p, scale = loss === "mse" ? 2 / q.n : 2;
    var lams = jacobi(q.xtx, p).values.map(function (v) { return Math.max(v, 0); });
    var lo = lams[0], hi = lams[p - 1], unique = lo > 1e-10 * Math.max(hi, 1);
    var ols = unique ? solve(q.xtx, q.xty, p) : null;
    var eig = lams.map(function (v) { return v * scale; });
    lo = unique ? eig[0] : 0;
    hi = eig[p - 1];
    return {loss: loss, eigenvalues: eig, critical_lr: hi > 0 ? 2 / hi : null,
      best_lr: hi > 0 ? 2 / (lo + hi) : null, condition_number: lo > 0 ? hi / lo : null,
      ols: ols, ols_loss: ols ? lab.lossAt({xtx: q.xtx, xty: q.xty, yty: q.yty, n: q.n, p: p, loss: loss}, ols) : null};
  };

  /**
   * How plain gradient descent behaves at lr (gdanim/analysis.py's Spectrum.regime):
   * {regime: monotone|oscillating|divergent, contraction: max|1 - lr*lambda|, lrLambdaMax}.
   *   gdanim.lab.regime(0.0083, gdanim.lab.spectrum(data, "sse")).regime   // "divergent"
   */
  lab.regime = function (lr, spectrum, weightDecay) {
    var lams = spectrum.eigenvalues, wd = weightDecay || 0, c = 0, top = -Infinity;
    for (var i = 0; i < lams.length; i++) {
      c = Math.max(c, Math.abs(1 - lr * (lams[i] + wd)));
      top = Math.max(top, lams[i] + wd);
    }
    var x = lr * top;
    return {regime: x >= 2 ? "divergent" : x <= 1 ? "monotone" : "oscillating", contraction: c, lrLambdaMax: x};
  };

  /**
   * The loss over the parameter pair [a, b] with the others held at fixed[...] (a full
   * params vector; its entries a and b are ignored): L(u) = min + (u - center)' H (u - center) / 2.
   * Returns {pair, center (null when H is singular), min, hessian [[haa, hab], [hab, hbb]],
   * eigenvalues [ascending], eigenvectors [[x, y] unit, one per eigenvalue], loss}.
   *   var s = gdanim.lab.slice(q, [0, 1], [0, 0]); gdanim.lab.ellipse(s, 2 * s.min)
   */
  lab.slice = function (q, pair, fixed) {
    var p = q.p, a = pair[0], b = pair[1], G = q.xtx, s = q.loss === "mse" ? 1 / q.n : 1;
    var ra = q.xty[a], rb = q.xty[b]; // X'y - X'X v over the held parameters v
    for (var k = 0; k < p; k++) {
      if (k === a || k === b) continue;
      ra -= G[a * p + k] * fixed[k];
      rb -= G[b * p + k] * fixed[k];
    }
    var gaa = G[a * p + a], gab = G[a * p + b], gbb = G[b * p + b], det = gaa * gbb - gab * gab;
    var H = [2 * s * gaa, 2 * s * gab, 2 * s * gbb], e = jacobi([H[0], H[1], H[1], H[2]], 2);
    var center = det > 1e-12 * Math.max(gaa * gbb, 1e-300) ? [(gbb * ra - gab * rb) / det, (gaa * rb - gab * ra) / det] : null;
    var w = Array.from(fixed);
    if (center) { w[a] = center[0]; w[b] = center[1]; }
    return {pair: [a, b], center: center, min: center ? lab.lossAt(q, w) : null,
      hessian: [[H[0], H[1]], [H[1], H[2]]], eigenvalues: e.values, eigenvectors: e.vectors, loss: q.loss};
  };

  /**
   * The contour L = level of a slice as an ellipse: center cx, cy, semi-axes rx, ry along
   * the eigenvectors, angle (radians) of the first eigenvector; null when level < min
   * or the slice has no center.
   *   var e = gdanim.lab.ellipse(s, level); ctx.ellipse(e.cx, e.cy, e.rx, e.ry, e.angle, 0, 2 * Math.PI)
   */
  lab.ellipse = function (slice, level) {
    if (!slice.center || !(level >= slice.min)) return null;
    var l = slice.eigenvalues, v = slice.eigenvectors[0], d = 2 * (level - slice.min);
    return {cx: slice.center[0], cy: slice.center[1], rx: Math.sqrt(d / l[0]), ry: Math.sqrt(d / l[1]),
      angle: Math.atan2(v[1], v[0])};
  };
})(typeof window !== "undefined" ? window : globalThis);

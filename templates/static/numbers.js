// gdanim numbers: every number on a page written as the frames and captions write it
// (gdanim.numbers.num in Python). Loaded before the other scripts of a page.
(function (root) {
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
  (root.gdanim = root.gdanim || {}).num = num;
})(window);

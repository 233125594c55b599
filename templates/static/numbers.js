// gdanim numbers and sentences: every number on a page written as the frames and captions
// write it (gdanim.numbers.num in Python), and the page's sentences filled in with their
// Korean particles agreeing (gdanim.i18n.with_particles). Loaded before the other scripts.
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

  // Korean particles written both ways after a field ({run}은(는), {loss}(으)로) are
  // picked by how the word before them is read, as gdanim.i18n.with_particles does:
  // [after a closed syllable, after an open one, after one closed by ㄹ].
  var PARTICLE = /이\(가\)|은\(는\)|을\(를\)|과\(와\)|\(으\)로/g;
  var CHOICES = {"이(가)": ["이", "가", "이"], "은(는)": ["은", "는", "은"], "을(를)": ["을", "를", "을"],
    "과(와)": ["과", "와", "과"], "(으)로": ["으로", "로", "로"]};
  var DIGIT_ENDS = "cLvcvvcLLv";  // 영 일 이 삼 사 오 육 칠 팔 구

  /** How `text` ends read aloud: "v" open, "c" closed, "L" closed by ㄹ, null unreadable. */
  function finalSound(text) {
    var t = text.replace(/[ )\]"'\u201d\u2019]+$/, "");
    if (!t) return null;
    var last = t.charAt(t.length - 1), code = last.charCodeAt(0);
    if (code >= 0xac00 && code <= 0xd7a3) {
      var jong = (code - 0xac00) % 28;
      return jong === 0 ? "v" : jong === 8 ? "L" : "c";
    }
    if (last >= "0" && last <= "9") {
      var number = /[\d.]+$/.exec(t)[0];
      if (number.indexOf(".") < 0 && number.replace(/^0+/, "").length > 1 && last === "0") return "c";  // 십 백 천 만
      return DIGIT_ENDS.charAt(Number(last));
    }
    var lower = last.toLowerCase();
    if (lower >= "a" && lower <= "z") return lower === "l" ? "L" : lower === "m" || lower === "n" ? "c" : "v";
    return last === "\u221e" ? "v" : null;  // ∞ 무한대
  }

  /**
   * `template` with each {name} filled from `fields` (a name not there stays as written)
   * and each Korean particle agreeing with the word before it.
   * gdanim.fill("{loss}(으)로", {loss: "263"}) -> "263으로"
   */
  function fill(template, fields) {
    var text = template.replace(/\{(\w+)\}/g, function (m, k) { return k in fields ? String(fields[k]) : m; });
    return text.replace(PARTICLE, function (m, offset) {
      var ends = finalSound(text.slice(0, offset));
      return ends === null ? m : CHOICES[m]["cvL".indexOf(ends)];
    });
  }

  var gdanim = root.gdanim = root.gdanim || {};
  gdanim.num = num;
  gdanim.fill = fill;
})(window);

// The live SMS counter of the compose and campaign pages: the rules of
// erp/messaging/encoding.py (GSM-7 160/153 with extension characters costing 2, UCS-2 70/67
// with characters outside the BMP costing 2), after the same punctuation normalisation.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";
  var NORMALISE = {
    "\u2019": "'", "\u2018": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " "
  };

  function normalise(text) {
    return Array.from(text).map(function (ch) { return NORMALISE[ch] || ch; }).join("");
  }

  function count(text) {
    var chars = Array.from(normalise(text));
    var gsm = chars.every(function (ch) { return BASIC.indexOf(ch) >= 0 || EXTENSION.indexOf(ch) >= 0; });
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var cost = function (ch) {
      if (gsm) { return EXTENSION.indexOf(ch) >= 0 ? 2 : 1; }
      return ch.codePointAt(0) > 0xffff ? 2 : 1;
    };
    var units = chars.reduce(function (n, ch) { return n + cost(ch); }, 0);
    var parts = 1, used = 0;
    if (units > single) {
      chars.forEach(function (ch) {
        var c = cost(ch);
        if (used + c > multi) { parts += 1; used = 0; }
        used += c;
      });
    } else {
      used = units;
    }
    var remaining = (parts === 1 ? single : multi) - used;
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, parts: parts, remaining: remaining };
  }

  function bind(area) {
    var out = document.getElementById(area.dataset.smsCounter);
    var costPerPart = parseFloat(area.dataset.costPerPart || "0");
    var show = function () {
      var c = count(area.value);
      out.querySelector("[data-units]").textContent = c.units;
      out.querySelector("[data-parts]").textContent = c.parts;
      out.querySelector("[data-encoding]").textContent = c.encoding;
      out.querySelector("[data-remaining]").textContent = c.remaining;
      var costEl = out.querySelector("[data-cost]");
      if (costEl) { costEl.textContent = (c.parts * costPerPart).toLocaleString(); }
      out.classList.toggle("sms-counter--long", c.parts > 1);
    };
    area.addEventListener("input", show);
    show();
  }

  window.viornetSmsCount = count;
  document.querySelectorAll("textarea[data-sms-counter]").forEach(bind);
})();

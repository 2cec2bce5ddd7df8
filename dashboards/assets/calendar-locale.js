// Dash's date pickers (date-fns) name months and weekdays with the first locale they find in
// window.dateFns.locale. The page carries the reader's names as JSON (#vn-calendar-names, from
// Django's catalogs); this builds the few parts of a date-fns locale the pickers use: month
// and day names for display, numeric formats and Monday-first weeks.
(function () {
  "use strict";
  var el = document.getElementById("vn-calendar-names");
  if (!el) {
    return; // English: the pickers' own
  }
  var n = JSON.parse(el.textContent);
  function month(i, options) {
    var width = options && options.width;
    if (width === "narrow") {
      return n.months_short[i].charAt(0);
    }
    return (width === "abbreviated" ? n.months_short : n.months)[i];
  }
  function day(i, options) {
    var width = options && options.width;
    if (width === "narrow") {
      return n.days_short[i].charAt(0);
    }
    return (width === "wide" ? n.days : n.days_short)[i];
  }
  function none() {
    return null; // typed dates are numeric (YYYY-MM-DD): no names to parse
  }
  var locale = {
    code: n.code,
    localize: {
      ordinalNumber: function (x) { return String(x); },
      era: function (i) { return i ? "AD" : "BC"; },
      quarter: function (q) { return "Q" + q; },
      month: month,
      day: day,
      dayPeriod: function (p) { return p; },
    },
    formatLong: {
      date: function () { return "dd/MM/yyyy"; },
      time: function () { return "HH:mm"; },
      dateTime: function () { return "{{date}} {{time}}"; },
    },
    match: {
      ordinalNumber: none, era: none, quarter: none, month: none, day: none, dayPeriod: none,
    },
    options: {weekStartsOn: 1, firstWeekContainsDate: 4},
  };
  window.dateFns = window.dateFns || {};
  window.dateFns.locale = {};
  window.dateFns.locale[n.code] = locale;
})();

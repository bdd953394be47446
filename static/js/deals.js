// Ticks every deal countdown ([data-countdown][data-ends], the end time the server gave)
// once a second. When a deal is over it says so; the price itself is always the server's.
(function () {
  "use strict";
  if (window.__dealCountdowns) return;
  window.__dealCountdowns = true;

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function format(ms) {
    var s = Math.floor(ms / 1000);
    var days = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    var clock = pad(h) + ":" + pad(m) + ":" + pad(rest);
    return days > 0 ? days + (days === 1 ? " day " : " days ") + clock : clock;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ends = Date.parse(el.getAttribute("data-ends"));
      if (isNaN(ends)) return;
      var value = el.querySelector("[data-countdown-value]");
      var left = ends - now;
      if (left <= 0) {
        el.classList.add("is-over");
        el.textContent = "This deal has ended: the price is confirmed at checkout.";
        el.removeAttribute("data-countdown");
        return;
      }
      if (value) value.textContent = format(left);
    });
  }

  function start() {
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// The hall screen (展厅大屏) of an exhibition: one slide at a time; every data-advance-seconds the next one (after the
// last, the cover again); a touch on the right of the screen or 下一页 goes on, on the left or 上一页 goes back; after
// data-idle-seconds without a touch the screen returns to the cover and starts over. No keyboard needed, no link out.
(function () {
  "use strict";

  function start(body) {
    var slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
    if (!slides.length) { return; }
    var idleMs = Math.max(5, parseInt(body.getAttribute("data-idle-seconds"), 10) || 120) * 1000;
    var advanceMs = Math.max(3, parseInt(body.getAttribute("data-advance-seconds"), 10) || 20) * 1000;
    var position = document.querySelector("[data-kiosk-position]");
    var current = 0;
    var advanceTimer = null;
    var idleTimer = null;

    function show(index) {
      current = (index + slides.length) % slides.length;
      slides.forEach(function (slide, i) { slide.hidden = i !== current; });
      body.setAttribute("data-current", String(current));
      if (position) { position.textContent = (current + 1) + " / " + slides.length; }
      var stage = document.querySelector(".kiosk__stage");
      if (stage) { stage.scrollTop = 0; }
    }

    function scheduleAdvance() {
      window.clearInterval(advanceTimer);
      advanceTimer = window.setInterval(function () { show(current + 1); }, advanceMs);
    }

    function touched() {
      // A visitor is here: wait for them (the timer restarts), and go home once they have left.
      scheduleAdvance();
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(function () { show(0); scheduleAdvance(); }, idleMs);
    }

    function on(selector, step) {
      var button = document.querySelector(selector);
      if (!button) { return; }
      button.addEventListener("click", function (event) {
        event.stopPropagation();
        if (step === 0) { show(0); } else { show(current + step); }
        touched();
      });
    }

    on("[data-kiosk-prev]", -1);
    on("[data-kiosk-next]", 1);
    on("[data-kiosk-home]", 0);
    document.querySelector(".kiosk__stage").addEventListener("click", function (event) {
      show(current + (event.clientX < window.innerWidth / 3 ? -1 : 1));
      touched();
    });
    ["pointerdown", "touchstart", "keydown", "wheel"].forEach(function (name) {
      document.addEventListener(name, touched, { passive: true });
    });
    // No link leads out of the exhibition (the server leaves none; a stray one is disarmed).
    Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (link) { link.removeAttribute("href"); });
    show(0);
    scheduleAdvance();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.querySelector("[data-kiosk]");
    if (body) { start(body); }
  });
}());

/* dangan — the public portal: loads the IIIF viewer's scripts (OpenSeadragon, ~350 KB) only when a unit's page
   images come into view (or at once when the page was opened to show them: ?hl= or #pages), and copies the
   citation text. Nothing inline (CSP); everything works without it except the image viewer. */
(function () {
  "use strict";

  function load(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function startViewer(root) {
    if (root.getAttribute("data-loading")) return;
    root.setAttribute("data-loading", "true");
    var sources = (root.getAttribute("data-scripts") || "").split(" ").filter(Boolean);
    sources.reduce(function (chain, src) {
      return chain.then(function () { return load(src); });
    }, Promise.resolve()).catch(function () {
      var status = root.querySelector("[data-role='status']");
      if (status) status.textContent = root.getAttribute("data-error") || "";
    });
  }

  function watchViewers() {
    var asked = new URLSearchParams(window.location.search).get("hl") || window.location.hash === "#pages";
    document.querySelectorAll("[data-lazy-viewer]").forEach(function (root) {
      if (asked || !("IntersectionObserver" in window)) {
        startViewer(root);
        return;
      }
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.disconnect();
            startViewer(root);
          }
        });
      }, { rootMargin: "400px" });
      observer.observe(root);
    });
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.classList.remove("js-only");
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) return;
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = button.getAttribute("data-copied") || button.textContent;
        });
      });
    });
  }

  function start() {
    watchViewers();
    copyButtons();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

/* dangan — the few behaviours the workspace needs beyond htmx. Every page also works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });

  // Hierarchy browser: a toggle loads its children once (htmx, "click once"), then only shows or hides them.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".tree-toggle");
    if (!toggle) return;
    var expanded = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", expanded ? "false" : "true");
    var group = document.getElementById(toggle.getAttribute("aria-controls"));
    if (group) group.hidden = expanded;
  });

  // After htmx adds "load more" results, move focus to the first new node so keyboard users keep their place.
  document.addEventListener("htmx:afterSettle", function () {
    var marker = document.querySelector("[data-focus-after-swap]");
    if (!marker) return;
    marker.removeAttribute("data-focus-after-swap");
    var link = marker.querySelector("a");
    if (link) link.focus();
  });
})();

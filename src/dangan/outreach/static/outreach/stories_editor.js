// The story editor (outreach/stories/edit.html): the unit picker (fetches the fragment, adds a 档号 to the units'
// list) and the image buttons (insert a figure at the cursor of the body, set the cover). No inline script (CSP).
(function () {
  "use strict";
  function field(name) { return document.querySelector("[data-story-" + name + "]"); }
  function insertAtCursor(area, text) {
    var start = area.selectionStart || 0, end = area.selectionEnd || 0;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
  }
  function escapeAttr(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-insert-image], [data-cover-image], [data-add-unit]");
    if (!target) { return; }
    if (target.hasAttribute("data-insert-image")) {
      insertAtCursor(field("body"), '\n<figure><img src="' + escapeAttr(target.getAttribute("data-insert-image")) +
        '" alt="' + escapeAttr(target.getAttribute("data-alt") || "") + '"><figcaption></figcaption></figure>\n');
    } else if (target.hasAttribute("data-cover-image")) {
      field("cover").value = target.getAttribute("data-cover-image");
    } else {
      var units = field("units"), value = target.getAttribute("data-add-unit");
      var lines = units.value.split(/\s+/).filter(Boolean);
      if (lines.indexOf(value) < 0) { lines.push(value); }
      units.value = lines.join("\n");
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-story-picker]");
    if (!form) { return; }
    event.preventDefault();
    var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      document.querySelector("[data-story-picker-results]").innerHTML = html;
    });
  });
})();

/* dangan — the few behaviours the workspace needs beyond htmx. Every page also works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The 菜单 button of narrow screens opens and closes the main navigation.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (nav) nav.classList.toggle("is-open", open);
  });

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

  // Pickers (combobox + listbox, ARIA 1.2): htmx fills the listbox as the person types; here the keyboard moves
  // through the options (↑ ↓ Home End), Enter or a click picks one into the hidden field, Esc closes the list.
  function pickerParts(el) {
    var root = el.closest && el.closest("[data-picker]");
    if (!root) return null;
    var input = root.querySelector("[data-picker-input]");
    return {
      root: root,
      input: input,
      list: document.getElementById(input.getAttribute("aria-controls")),
      target: document.querySelector(input.getAttribute("data-picker-target")),
      status: root.querySelector("[data-picker-status]")
    };
  }
  function pickerOptions(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
  }
  function pickerClose(p) {
    p.list.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }
  function pickerActivate(p, option) {
    pickerOptions(p).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }
  function pickerChoose(p, option) {
    p.input.value = option.getAttribute("data-label");
    if (p.target) p.target.value = option.getAttribute("data-value");
    if (p.status) p.status.textContent = "已选择：" + option.textContent.replace(/\s+/g, " ").trim();
    pickerClose(p);
  }
  document.addEventListener("input", function (event) {
    var p = event.target.matches && event.target.matches("[data-picker-input]") && pickerParts(event.target);
    if (p && p.target) p.target.value = "";  // typing again forgets the earlier choice
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var p = pickerParts(event.target);
    if (!p || event.target !== p.list) return;
    var any = p.list.querySelector('[role="option"]');
    p.list.hidden = !any || !p.input.value.trim();
    p.input.setAttribute("aria-expanded", p.list.hidden ? "false" : "true");
    p.input.removeAttribute("aria-activedescendant");
    if (p.status) {
      var n = pickerOptions(p).length;
      p.status.textContent = n ? "找到 " + n + " 条，用上下方向键选择" : "没有匹配的规范档案";
    }
  });
  document.addEventListener("keydown", function (event) {
    var p = event.target.matches && event.target.matches("[data-picker-input]") && pickerParts(event.target);
    if (!p) return;
    var options = pickerOptions(p);
    var current = document.getElementById(p.input.getAttribute("aria-activedescendant") || "");
    var index = options.indexOf(current);
    var open = !p.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      p.list.hidden = false;
      p.input.setAttribute("aria-expanded", "true");
      var step = event.key === "ArrowDown" ? 1 : -1;
      index = index < 0 ? (step > 0 ? 0 : options.length - 1) : (index + step + options.length) % options.length;
      pickerActivate(p, options[index]);
    } else if ((event.key === "Home" || event.key === "End") && open && options.length) {
      event.preventDefault();
      pickerActivate(p, options[event.key === "Home" ? 0 : options.length - 1]);
    } else if (event.key === "Enter" && open && current) {
      event.preventDefault();  // pick, do not submit yet
      pickerChoose(p, current);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      pickerClose(p);
    }
  });
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest('[data-picker] [role="option"]');
    if (option && option.getAttribute("aria-disabled") !== "true") {
      event.preventDefault();  // keep the focus in the input
      pickerChoose(pickerParts(option), option);
    }
  });
  document.addEventListener("focusout", function (event) {
    var p = event.target.matches && event.target.matches("[data-picker-input]") && pickerParts(event.target);
    if (p) pickerClose(p);
  });

  // Upload forms that state their limits: say at once, before sending gigabytes, when the chosen files exceed them
  // (the server refuses them anyway).
  document.addEventListener("change", function (event) {
    var input = event.target;
    var form = input.form;
    if (!input.matches || !input.matches('input[type="file"]') || !form || !form.hasAttribute("data-upload-limits")) return;
    var maxBytes = Number(form.getAttribute("data-max-bytes"));
    var maxFiles = Number(form.getAttribute("data-max-files"));
    var total = 0;
    for (var i = 0; i < input.files.length; i++) total += input.files[i].size;
    var message = "";
    if (input.files.length > maxFiles) message = "一次最多上传 " + maxFiles + " 个文件，请分批上传。";
    else if (total > maxBytes) message = "所选文件共 " + (total / 1048576).toFixed(1) + " MB，超过上限 " + (maxBytes / 1048576).toFixed(0) + " MB，请分批上传。";
    input.setCustomValidity(message);
    var error = document.getElementById(input.id + "-error");
    if (error) { error.textContent = message; error.hidden = !message; }
  });
})();

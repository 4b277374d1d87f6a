/* dangan — the IIIF viewer of a digitized unit: reads a Presentation 3.0 manifest, shows its pages (thumbnails,
   previous/next, page number, keyboard), zooms through the Image API's tiles (OpenSeadragon), searches the unit's
   text through its Content Search 2.0 service and draws the hits on the page, and shows the page's text beside the
   image. Everything comes from the manifest and the services it names; nothing runs inline (CSP). */
(function () {
  "use strict";

  function first(list) {
    return list && list.length ? list[0] : null;
  }

  function text(map) {
    if (!map) return "";
    var values = map["zh-Hans"] || map.zh || map.none || map[Object.keys(map)[0]] || [];
    return values.join(" ");
  }

  function serviceId(resource) {
    var service = first(resource && (resource.service || resource.services));
    return service ? (service.id || service["@id"]) : null;
  }

  // The pages of a manifest: what the viewer needs of each canvas.
  function readCanvases(manifest) {
    return (manifest.items || []).map(function (canvas, index) {
      var annotationPage = first(canvas.items);
      var painting = annotationPage ? first(annotationPage.items) : null;
      var body = painting ? painting.body : null;
      var thumb = first(canvas.thumbnail);
      var rendering = (canvas.rendering || []).filter(function (r) { return r.format === "text/plain"; });
      return {
        id: canvas.id,
        number: index + 1,
        label: text(canvas.label) || String(index + 1),
        width: canvas.width,
        height: canvas.height,
        service: serviceId(body),
        thumbnail: thumb ? thumb.id : null,
        textUrl: rendering.length ? rendering[0].id : null,
      };
    });
  }

  function searchService(manifest) {
    var services = (manifest.service || []).filter(function (s) {
      return s.type === "SearchService2" || s["@type"] === "SearchService2";
    });
    return services.length ? services[0].id : null;
  }

  function Viewer(root) {
    this.root = root;
    this.canvases = [];
    this.current = 0;
    this.hits = {}; // page number → [{x, y, w, h, text}]
    this.rightToLeft = false;
    this.part = function (role) { return root.querySelector('[data-role="' + role + '"]'); };
  }

  Viewer.prototype.status = function (message) {
    var status = this.part("status");
    status.textContent = message;
    status.hidden = !message;
  };

  Viewer.prototype.load = function () {
    var self = this;
    fetch(this.root.getAttribute("data-manifest"), { credentials: "same-origin", headers: { Accept: "application/ld+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (manifest) { self.start(manifest); })
      .catch(function () { self.status("无法加载页面清单（IIIF Manifest）。"); });
  };

  Viewer.prototype.start = function (manifest) {
    var self = this;
    this.canvases = readCanvases(manifest);
    this.search = searchService(manifest);
    this.rightToLeft = manifest.viewingDirection === "right-to-left";
    this.root.classList.toggle("is-rtl", this.rightToLeft);
    if (!this.canvases.length) {
      this.status("本档案没有数字化页面。");
      return;
    }
    this.part("page-count").textContent = String(this.canvases.length);
    this.part("page-input").max = String(this.canvases.length);
    this.buildThumbnails();
    this.osd = window.OpenSeadragon({
      element: this.part("image"),
      showNavigationControl: false,
      showNavigator: false,
      preserveViewport: false,
      visibilityRatio: 0.5,
      minZoomImageRatio: 0.5,
      maxZoomPixelRatio: 4,
      crossOriginPolicy: false,
      gestureSettingsMouse: { clickToZoom: false },
    });
    this.osd.addHandler("open", function () { self.drawHits(); self.status(""); });
    this.osd.addHandler("open-failed", function () { self.status("无法加载页面图像。"); });
    this.bind();
    this.show(0);
    // Opened from a search hit inside the full text (?hl=…): search the unit for it, show and highlight the hits.
    var asked = new URLSearchParams(window.location.search).get("hl");
    if (asked && asked.trim() && this.search) {
      this.part("search-input").value = asked.trim();
      this.find(asked.trim());
    }
  };

  Viewer.prototype.buildThumbnails = function () {
    var self = this;
    var list = this.part("thumbs");
    list.textContent = "";
    this.canvases.forEach(function (canvas, index) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "iiif-viewer__thumb";
      button.setAttribute("data-page", String(index + 1));
      button.setAttribute("aria-label", canvas.label);
      if (canvas.thumbnail) {
        var image = document.createElement("img");
        image.src = canvas.thumbnail;
        image.alt = "";
        image.loading = "lazy";
        button.appendChild(image);
      }
      var caption = document.createElement("span");
      caption.textContent = String(index + 1);
      button.appendChild(caption);
      button.addEventListener("click", function () { self.show(index); });
      item.appendChild(button);
      list.appendChild(item);
    });
  };

  Viewer.prototype.bind = function () {
    var self = this;
    this.root.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () { self.act(button.getAttribute("data-action")); });
    });
    var input = this.part("page-input");
    input.addEventListener("change", function () {
      var wanted = parseInt(input.value, 10);
      if (wanted >= 1 && wanted <= self.canvases.length) self.show(wanted - 1);
      else input.value = String(self.current + 1);
    });
    // Keys page through the document before OpenSeadragon takes them to pan (capture phase). In a document read
    // right to left, the next page lies to the left.
    this.root.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target.tagName === "INPUT" || target.tagName === "TEXTAREA") return;
      var forward = self.rightToLeft ? "ArrowLeft" : "ArrowRight";
      var backward = self.rightToLeft ? "ArrowRight" : "ArrowLeft";
      var action = { PageDown: "next", PageUp: "previous", Home: "first", End: "last" }[event.key];
      if (event.key === forward) action = "next";
      if (event.key === backward) action = "previous";
      if (event.key === "+" || event.key === "=") action = "zoom-in";
      if (event.key === "-") action = "zoom-out";
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      self.act(action);
    }, true);
    this.part("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      self.find(self.part("search-input").value.trim());
    });
  };

  Viewer.prototype.act = function (action) {
    var last = this.canvases.length - 1;
    if (action === "next") this.show(Math.min(this.current + 1, last));
    else if (action === "previous") this.show(Math.max(this.current - 1, 0));
    else if (action === "first") this.show(0);
    else if (action === "last") this.show(last);
    else if (this.osd && action === "zoom-in") this.osd.viewport.zoomBy(1.4);
    else if (this.osd && action === "zoom-out") this.osd.viewport.zoomBy(1 / 1.4);
    else if (this.osd && action === "home") this.osd.viewport.goHome();
  };

  Viewer.prototype.show = function (index) {
    var canvas = this.canvases[index];
    if (!canvas) return;
    var changed = index !== this.current || !this.opened;
    this.current = index;
    this.opened = true;
    this.part("page-input").value = String(index + 1);
    this.root.setAttribute("data-page", String(index + 1));
    this.root.querySelectorAll(".iiif-viewer__thumb").forEach(function (thumb) {
      var active = thumb.getAttribute("data-page") === String(index + 1);
      thumb.classList.toggle("is-current", active);
      if (active) thumb.setAttribute("aria-current", "page");
      else thumb.removeAttribute("aria-current");
    });
    if (!changed) {
      this.drawHits();
      this.markText();
      return;
    }
    this.status("正在加载第 " + (index + 1) + " 页…");
    this.osd.open(canvas.service + "/info.json");
    this.showText(canvas);
  };

  Viewer.prototype.showText = function (canvas) {
    var pane = this.part("text");
    var empty = function () {
      pane.textContent = "";
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = "本页尚无识别文本。";
      pane.appendChild(p);
    };
    if (!canvas.textUrl) {
      empty();
      return;
    }
    var wanted = canvas.number;
    var self = this;
    fetch(canvas.textUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (body) {
        if (self.current + 1 !== wanted) return;
        if (!body.trim()) {
          empty();
          return;
        }
        pane.textContent = "";
        body.split("\n").forEach(function (line) {
          var p = document.createElement("p");
          p.textContent = line;
          pane.appendChild(p);
        });
        self.markText();
      })
      .catch(empty);
  };

  // The matched words in the page's text, as the search service gave them (each hit's text as it is on the page).
  Viewer.prototype.markText = function () {
    var words = {};
    (this.hits[this.current + 1] || []).forEach(function (hit) { if (hit.text) words[hit.text] = true; });
    var wanted = Object.keys(words).sort(function (a, b) { return b.length - a.length; });
    this.part("text").querySelectorAll("p").forEach(function (p) {
      var line = p.textContent;
      if (!wanted.length || p.classList.contains("muted")) {
        p.textContent = line;
        return;
      }
      p.textContent = "";
      var at = 0;
      while (at < line.length) {
        var next = -1;
        var word = null;
        wanted.forEach(function (w) {
          var i = line.indexOf(w, at);
          if (i >= 0 && (next < 0 || i < next)) { next = i; word = w; }
        });
        if (next < 0) break;
        p.appendChild(document.createTextNode(line.slice(at, next)));
        var mark = document.createElement("mark");
        mark.textContent = word;
        p.appendChild(mark);
        at = next + word.length;
      }
      p.appendChild(document.createTextNode(line.slice(at)));
    });
  };

  Viewer.prototype.find = function (query) {
    var self = this;
    var section = this.part("hits-section");
    var list = this.part("hits");
    this.hits = {};
    list.textContent = "";
    if (!query || !this.search) {
      section.hidden = true;
      this.drawHits();
      this.markText();
      return;
    }
    var url = this.search + (this.search.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/ld+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (page) { self.listHits(page.items || [], query); })
      .catch(function () { self.status("检索失败，请稍后再试。"); });
  };

  Viewer.prototype.pageOf = function (target) {
    var canvasId = String(target).split("#")[0];
    for (var i = 0; i < this.canvases.length; i += 1) {
      if (this.canvases[i].id === canvasId) return i + 1;
    }
    return null;
  };

  Viewer.prototype.listHits = function (items, query) {
    var self = this;
    var section = this.part("hits-section");
    var list = this.part("hits");
    var firstPage = null;
    items.forEach(function (annotation) {
      var target = typeof annotation.target === "string" ? annotation.target : (annotation.target.id || "");
      var page = self.pageOf(target);
      var box = /#xywh=(\d+),(\d+),(\d+),(\d+)/.exec(target);
      if (!page || !box) return;
      var hit = { x: +box[1], y: +box[2], w: +box[3], h: +box[4], text: annotation.body ? annotation.body.value : query };
      (self.hits[page] = self.hits[page] || []).push(hit);
      if (firstPage === null) firstPage = page;
    });
    section.hidden = false;
    var pages = Object.keys(this.hits).map(Number).sort(function (a, b) { return a - b; });
    if (!pages.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "未找到“" + query + "”。";
      list.appendChild(none);
    }
    pages.forEach(function (page) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small button--quiet";
      button.textContent = "第 " + page + " 页：" + self.hits[page].length + " 处";
      button.addEventListener("click", function () { self.show(page - 1); });
      item.appendChild(button);
      list.appendChild(item);
    });
    this.status(pages.length ? "找到 " + items.length + " 处，分布在 " + pages.length + " 页。" : "");
    if (firstPage !== null) this.show(firstPage - 1);
    else {
      this.drawHits();
      this.markText();
    }
  };

  // Highlight boxes over the open page: canvas coordinates, scaled onto the image OpenSeadragon shows.
  Viewer.prototype.drawHits = function () {
    if (!this.osd) return;
    this.osd.clearOverlays();
    var hits = this.hits[this.current + 1] || [];
    var item = this.osd.world.getItemAt(0);
    if (!item || !hits.length) return;
    var canvas = this.canvases[this.current];
    var size = item.getContentSize();
    var scale = canvas.width ? size.x / canvas.width : 1;
    var self = this;
    hits.forEach(function (hit) {
      var mark = document.createElement("div");
      mark.className = "iiif-viewer__hit";
      mark.title = hit.text;
      var rect = item.imageToViewportRectangle(hit.x * scale, hit.y * scale, hit.w * scale, hit.h * scale);
      self.osd.addOverlay({ element: mark, location: rect });
    });
  };

  function start() {
    if (!window.OpenSeadragon) return;
    document.querySelectorAll("[data-iiif-viewer]").forEach(function (root) {
      if (root.getAttribute("data-started")) return;
      root.setAttribute("data-started", "true");
      new Viewer(root).load();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

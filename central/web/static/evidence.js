// Checking the evidence by eye: a zoom view for every frame and crop (with the page's
// overlay), and frame-by-frame stepping through the clip with the stop line and the
// offender's box drawn over it. The signed pictures are shown as served; nothing is drawn
// into them. Strings come from the page (the <template> and the buttons), not from here.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
  }
  function fixed(x, digits, sign) {
    var text = Math.abs(x).toFixed(digits);
    if (lang === "vi") { text = text.replace(".", ","); }
    if (Number(text.replace(",", ".")) === 0) { return text; }
    return (x < 0 ? "−" : sign ? "+" : "") + text;
  }

  // --- zoom ----------------------------------------------------------------------------------
  var MIN = 0.1, MAX = 24;
  var zoom = null;  // {dialog, view, stage, level, caption, original, w, h, scale, opener}

  function buildZoom() {
    var template = document.getElementById("zoom-template");
    if (!template) { return null; }
    var dialog = template.content.firstElementChild.cloneNode(true);
    document.body.appendChild(dialog);
    var z = {
      dialog: dialog,
      view: dialog.querySelector(".zoom-view"),
      stage: dialog.querySelector(".zoom-stage"),
      level: dialog.querySelector(".zoom-level"),
      caption: dialog.querySelector(".zoom-caption"),
      original: dialog.querySelector(".zoom-original"),
      w: 1, h: 1, scale: 1, opener: null
    };
    dialog.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) { return; }
      var what = button.getAttribute("data-zoom");
      if (what === "close") { dialog.close(); }
      else if (what === "fit") { fit(); }
      else { zoomBy(what === "in" ? 1.5 : 1 / 1.5); }
    });
    dialog.addEventListener("keydown", function (event) {
      event.stopPropagation();  // the review page's shortcuts (c confirms) stay out of here
      var step = 80;
      switch (event.key) {
        case "+": case "=": zoomBy(1.5); break;
        case "-": case "_": zoomBy(1 / 1.5); break;
        case "0": fit(); break;
        case "ArrowLeft": z.view.scrollLeft -= step; break;
        case "ArrowRight": z.view.scrollLeft += step; break;
        case "ArrowUp": z.view.scrollTop -= step; break;
        case "ArrowDown": z.view.scrollTop += step; break;
        default: return;  // Escape: the dialog closes itself
      }
      event.preventDefault();
    });
    dialog.addEventListener("close", function () {
      z.stage.textContent = "";
      if (z.opener) { z.opener.focus(); }
    });
    z.view.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoomBy(event.deltaY < 0 ? 1.25 : 0.8, event.clientX, event.clientY);
    }, {passive: false});
    var drag = null;
    z.view.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      drag = {x: event.clientX, y: event.clientY, left: z.view.scrollLeft, top: z.view.scrollTop};
      z.view.setPointerCapture(event.pointerId);
      z.view.classList.add("dragging");
    });
    z.view.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      z.view.scrollLeft = drag.left - (event.clientX - drag.x);
      z.view.scrollTop = drag.top - (event.clientY - drag.y);
    });
    function endDrag() { drag = null; z.view.classList.remove("dragging"); }
    z.view.addEventListener("pointerup", endDrag);
    z.view.addEventListener("pointercancel", endDrag);
    z.view.addEventListener("dblclick", function (event) {
      zoomBy(z.scale < 2 ? 3 / z.scale : 1 / z.scale, event.clientX, event.clientY);
    });
    return z;
  }

  function setScale(scale, clientX, clientY) {
    var z = zoom;
    scale = Math.max(MIN, Math.min(MAX, scale));
    var box = z.view.getBoundingClientRect();
    var cx = (clientX === undefined ? box.left + box.width / 2 : clientX) - box.left;
    var cy = (clientY === undefined ? box.top + box.height / 2 : clientY) - box.top;
    var px = (z.view.scrollLeft + cx) / z.scale, py = (z.view.scrollTop + cy) / z.scale;
    z.scale = scale;
    z.stage.style.width = Math.round(z.w * scale) + "px";  // laid out larger, not transformed
    z.stage.classList.toggle("pixels", scale >= 2);
    z.view.scrollLeft = px * scale - cx;
    z.view.scrollTop = py * scale - cy;
    z.level.textContent = Math.round(scale * 100) + "%";
    z.dialog.setAttribute("data-scale", scale.toFixed(3));
  }
  function zoomBy(factor, x, y) { setScale(zoom.scale * factor, x, y); }
  function fit() {
    var z = zoom;
    var scale = Math.min(z.view.clientWidth / z.w, z.view.clientHeight / z.h);
    setScale(Math.min(scale, 16));
    z.view.scrollLeft = 0;
    z.view.scrollTop = 0;
  }

  function openZoom(link) {
    zoom = zoom || buildZoom();
    if (!zoom) { return false; }
    var img = link.querySelector("img");
    if (!img) { return false; }
    var shot = link.querySelector(".shot");
    var content = (shot || img).cloneNode(true);
    var copy = content.tagName === "IMG" ? content : content.querySelector("img");
    copy.removeAttribute("class");
    zoom.w = img.naturalWidth || Number(img.getAttribute("width")) || 1;
    zoom.h = img.naturalHeight || Number(img.getAttribute("height")) || 1;
    zoom.stage.textContent = "";
    zoom.stage.appendChild(content);
    zoom.caption.textContent = link.getAttribute("data-caption") || img.alt || "";
    zoom.original.href = link.href;
    zoom.opener = link;
    zoom.scale = 1;
    zoom.dialog.showModal();
    fit();
    zoom.dialog.querySelector(".zoom-close").focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.zoomable");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;  // a modified click still opens the original in a new tab
    }
    if (openZoom(link)) { event.preventDefault(); }
  });

  // --- the clip, frame by frame --------------------------------------------------------------
  function setupClip(figure) {
    var data = {};
    try { data = JSON.parse(figure.getAttribute("data-clip") || "{}"); } catch (e) { data = {}; }
    var info = data.clip || {};
    var fps = info.fps || 10;  // older bundles do not say: the edge's default clip rate
    var start = typeof info.start_t === "number" ? info.start_t : null;
    var video = figure.querySelector("video");
    var box = figure.querySelector(".clip-box");
    var track = data.track || [];
    var fields = {};
    figure.querySelectorAll("[data-field]").forEach(function (el) {
      fields[el.getAttribute("data-field")] = el;
    });

    function count() {
      if (info.frames) { return info.frames; }
      return isFinite(video.duration) ? Math.max(1, Math.round(video.duration * fps)) : null;
    }
    function frameNow() { return Math.max(0, Math.floor(video.currentTime * fps + 1e-3)); }
    function boxAt(t) {
      if (!track.length || t < track[0].t - 1 / fps || t > track[track.length - 1].t + 1 / fps) {
        return null;
      }
      for (var i = 0; i < track.length; i++) {
        var a = track[i], b = track[i + 1];
        if (!b || t <= a.t) { return a.box; }
        if (t < b.t) {
          var f = (t - a.t) / (b.t - a.t);
          return a.box.map(function (v, k) { return v + (b.box[k] - v) * f; });
        }
      }
      return null;
    }
    function show() {
      var k = frameNow(), n = count();
      if (n) { k = Math.min(k, n - 1); }
      fields.frame.textContent = String(k + 1);
      fields.frames.textContent = n ? String(n) : "–";
      var t = start === null ? null : start + k / fps;
      fields.stream.textContent = t === null ? "–" : fixed(t, 3);
      fields.rel.textContent = t === null || data.cross_t === null || data.cross_t === undefined
        ? "–" : fixed(t - data.cross_t, 3, true);
      figure.setAttribute("data-frame", String(k));
      if (!box) { return; }
      var b = start === null ? null : boxAt(start + video.currentTime);
      box.setAttribute("visibility", b ? "visible" : "hidden");
      if (b) {
        box.setAttribute("x", b[0]); box.setAttribute("y", b[1]);
        box.setAttribute("width", b[2] - b[0]); box.setAttribute("height", b[3] - b[1]);
      }
    }
    function seek(k) {
      var n = count();
      k = Math.max(0, n ? Math.min(n - 1, k) : k);
      video.currentTime = (k + 0.5) / fps;  // the middle of frame k: no rounding onto its neighbour
      show();
    }
    function step(by) { video.pause(); seek(frameNow() + by); }
    function crossing() {
      if (start === null || typeof data.cross_t !== "number") { return null; }
      return Math.round((data.cross_t - start) * fps);
    }
    figure.querySelectorAll("button[data-step]").forEach(function (button) {
      button.addEventListener("click", function () { step(Number(button.getAttribute("data-step"))); });
    });
    figure.querySelectorAll("button[data-seek]").forEach(function (button) {
      button.hidden = crossing() === null;
      button.addEventListener("click", function () { video.pause(); seek(crossing()); });
    });
    ["loadedmetadata", "seeked", "timeupdate", "pause"].forEach(function (name) {
      video.addEventListener(name, show);
    });
    function openAtCrossing() {  // the clip's still shows the crossing until it is played
      if (crossing() !== null && video.currentTime === 0 && video.paused) { seek(crossing()); }
    }
    if (video.readyState >= 1) { openAtCrossing(); }
    else { video.addEventListener("loadedmetadata", openAtCrossing, {once: true}); }
    function playing() {
      show();
      if (!video.paused && video.requestVideoFrameCallback) { video.requestVideoFrameCallback(playing); }
    }
    video.addEventListener("play", playing);
    show();
    return step;
  }

  var steppers = [];
  document.querySelectorAll("figure.clip[data-clip]").forEach(function (figure) {
    steppers.push(setupClip(figure));
  });
  document.addEventListener("keydown", function (event) {
    if (!steppers.length || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(document.activeElement) || (zoom && zoom.dialog.open)) { return; }
    if (event.key === "," || event.key === ".") {
      event.preventDefault();
      steppers[0](event.key === "," ? -1 : 1);
    }
  });
})();

// Keyboard shortcuts for reviewing: c confirm, r reject, p edit the plate, j/k next/previous.
// Only where the page offers the action; never while typing in a field (Escape leaves it).
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
  }
  function go(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.assign(link.getAttribute("href")); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (typing(document.activeElement)) { return; }
    var confirmForm = document.getElementById("confirm-form");
    var reason = document.getElementById("reject-reason");
    var plate = document.getElementById("plate-input");
    switch (event.key) {
      case "c":
        if (confirmForm) { event.preventDefault(); confirmForm.requestSubmit(); }
        break;
      case "r":
        if (reason) { event.preventDefault(); reason.focus(); reason.scrollIntoView({block: "center"}); }
        break;
      case "p":
        if (plate) { event.preventDefault(); plate.focus(); plate.select(); }
        break;
      case "j":
        go("#next-case");
        break;
      case "k":
        go("#prev-case");
        break;
      default:
        return;
    }
  });
  // Changing a plate the camera was sure of needs a reason: show and require the field only
  // while the typed plate differs from the camera's read (the server checks it too).
  var plateInput = document.getElementById("plate-input");
  var plateReason = document.getElementById("plate-reason");
  var plateReasonLabel = document.getElementById("plate-reason-label");
  function bare(text) { return (text || "").toUpperCase().replace(/[^0-9A-Z]/g, ""); }
  function syncReason() {
    if (!plateInput || !plateReason || !plateReasonLabel) { return; }
    var changed = plateInput.dataset.confident === "yes" &&
      bare(plateInput.value) !== bare(plateInput.dataset.read);
    plateReason.required = changed;
    plateReasonLabel.hidden = !changed;
  }
  if (plateInput) { plateInput.addEventListener("input", syncReason); syncReason(); }
  // The reject form needs a reason: say so next to the select instead of a silent refusal.
  var rejectForm = document.getElementById("reject-form");
  if (rejectForm) {
    rejectForm.addEventListener("submit", function (event) {
      var select = document.getElementById("reject-reason");
      if (select && !select.value) { event.preventDefault(); select.focus(); }
    });
  }
})();

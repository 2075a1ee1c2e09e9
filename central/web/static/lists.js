// The cases list: a select-all box for the page's checkboxes and a count of the selected
// cases beside the bulk buttons. Without JavaScript every box still works one by one.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  var count = document.getElementById("bulk-count");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.pick-case"));
  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    if (count) { count.textContent = count.dataset.template.replace("{n}", String(n)); }
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
    boxes.forEach(function (b) {
      var row = b.closest("tr");
      if (row) { row.classList.toggle("picked", b.checked); }
    });
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  // A bulk rejection needs its reason; issuing notices does not.
  var reason = document.getElementById("bulk-reason");
  var reject = document.getElementById("bulk-reject");
  var notice = document.getElementById("bulk-notice");
  if (reason && reject) { reject.addEventListener("click", function () { reason.required = true; }); }
  if (reason && notice) { notice.addEventListener("click", function () { reason.required = false; }); }
  update();
})();

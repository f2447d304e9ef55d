// The running total of a participatory-budget ballot, as the resident ticks projects. The page
// shows the same total without a script (the "Add up my choices" button asks the server).
(function () {
  "use strict";
  function update(form) {
    var budget = Number(form.getAttribute("data-budget") || "0");
    var total = 0;
    form.querySelectorAll("input[name='option']").forEach(function (box) {
      if (box.checked) total += Number(box.getAttribute("data-cost") || "0");
    });
    var shown = document.getElementById("total-value");
    if (shown) shown.textContent = total.toLocaleString("en");
    var over = document.getElementById("over-budget");
    if (over) over.hidden = !(budget && total > budget);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ballot-form");
    if (!form || !form.getAttribute("data-budget")) return;
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();

// Sortable figure tables: a header button sorts its column (numbers by data-sort), toggling
// ascending/descending; aria-sort tells screen readers. Without JavaScript the table stays in
// server order (units by name, breakdowns by n).
(function () {
  "use strict";
  function value(cell, numeric) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    return numeric ? parseFloat(raw) : raw;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = th.querySelector("button.sort");
      if (!button) return;
      var numeric = button.getAttribute("data-sort-type") !== "text";
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a.cells[index], numeric), y = value(b.cells[index], numeric);
          var c = numeric ? x - y : x.localeCompare(y, "vi");
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();

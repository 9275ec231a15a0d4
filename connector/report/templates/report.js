(function () {
  "use strict";
  var table = document.getElementById("findings");
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) {
      return !d.open;
    });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
  });
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, i) { row.dataset.index = String(i); });
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function value(row, col, numeric) {
    var cell = row.cells[col];
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    return numeric ? Number(raw) : raw.toLowerCase();
  }

  function sortBy(col, direction) {
    var numeric = heads[col].dataset.sort === "num";
    var sign = direction === "ascending" ? 1 : -1;
    // Read each key once, then move the rows in one fragment: one reflow, fast on 10k rows.
    var keyed = rows.map(function (row, i) { return { row: row, key: value(row, col, numeric), i: i }; });
    keyed.sort(function (a, b) {
      var order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return order * sign || Number(a.row.dataset.index) - Number(b.row.dataset.index);
    });
    rows = keyed.map(function (k) { return k.row; });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
    heads.forEach(function (th, i) {
      if (th.dataset.sort) { th.setAttribute("aria-sort", i === col ? direction : "none"); }
    });
  }

  heads.forEach(function (th, col) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var current = th.getAttribute("aria-sort");
      var first = th.dataset.first || "ascending";
      var next = current === "ascending" ? "descending" : current === "descending" ? "ascending" : first;
      sortBy(col, next);
    });
  });

  var filter = document.getElementById("outcome-filter");
  var status = document.getElementById("filter-status");
  function applyFilter() {
    var wanted = filter.value, shown = 0;
    rows.forEach(function (row) {
      row.hidden = wanted !== "" && row.dataset.outcome !== wanted;
      if (!row.hidden) { shown += 1; }
    });
    status.textContent = wanted === "" ? "" : "Showing " + shown + " of " + rows.length + " findings";
  }
  filter.addEventListener("change", applyFilter);
  document.getElementById("toolbar").hidden = false;
})();

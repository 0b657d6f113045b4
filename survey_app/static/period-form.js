// The period form shows only the fields of the chosen kind: the year and its month, quarter or
// half (labelled and bounded for that kind), the year alone, or the two dates of a custom range.
// Hidden fields are disabled too, so the address carries only what applies.
(function () {
  "use strict";
  var form = document.querySelector("form.period-form");
  if (!form) return;
  var kind = form.querySelector("#kind");
  function show(name, on) {
    form.querySelectorAll('[data-period="' + name + '"]').forEach(function (field) {
      field.hidden = !on;
      field.querySelectorAll("input, select").forEach(function (input) { input.disabled = !on; });
    });
  }
  function update() {
    var option = kind.options[kind.selectedIndex];
    var label = option.getAttribute("data-part-label");
    var max = option.getAttribute("data-part-max");
    show("year", kind.value !== "custom");
    show("part", Boolean(label));
    show("custom", kind.value === "custom");
    if (label) {
      var part = form.querySelector("#part");
      form.querySelector('label[for="part"]').textContent = label;
      part.max = max;
      document.getElementById("part-max").textContent = max;
      if (Number(part.value) > Number(max)) part.value = max;
    }
  }
  kind.addEventListener("change", update);
})();

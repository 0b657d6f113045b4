// Progressive enhancement for citizen forms: hide items whose condition does not hold.
// The server enforces the same conditions; without JavaScript every item is shown with a hint.
(function () {
  "use strict";
  var form = document.querySelector("form");
  if (!form) return;
  var dependents = form.querySelectorAll("[data-when-item]");
  function valueOf(item) {
    var checked = form.querySelector('input[name="a.' + item + '"]:checked');
    return checked ? checked.value : null;
  }
  function update() {
    dependents.forEach(function (el) {
      var allowed = el.getAttribute("data-when-in").split(" ");
      var show = allowed.indexOf(valueOf(el.getAttribute("data-when-item"))) !== -1;
      el.hidden = !show;
      if (!show) {
        el.querySelectorAll("input,textarea").forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") input.checked = false;
          else input.value = "";
        });
      }
    });
  }
  form.addEventListener("change", update);
  update();
  var summary = document.getElementById("errors");
  if (summary) summary.focus();
})();

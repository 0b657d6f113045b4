// Keyboard-first paper entry: a valid single key moves the cursor to the next answer, and
// follow-up items whose condition does not hold are skipped. Without this script the form
// still works with Tab and Enter.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[name]"))
    .filter(function (i) { return i.type !== "hidden"; });

  function fieldOf(input) { return input.closest(".key-field"); }
  function applies(input) {
    var field = fieldOf(input);
    var item = field && field.getAttribute("data-when-item");
    if (!item) return true;
    var source = form.querySelector('[name="k.' + item + '"]');
    var allowed = field.getAttribute("data-when-in").trim().split(/\s+/);
    return source && allowed.indexOf(source.value.trim()) !== -1;
  }
  function refresh() {
    inputs.forEach(function (input) {
      var field = fieldOf(input);
      if (field && field.hasAttribute("data-when-item")) {
        var on = applies(input);
        field.classList.toggle("skipped", !on);
        if (!on) input.value = "";
      }
    });
  }
  function next(from) {
    for (var i = inputs.indexOf(from) + 1; i < inputs.length; i++) {
      if (applies(inputs[i])) { inputs[i].focus(); inputs[i].select(); return; }
    }
    form.querySelector("button[type=submit]").focus();
  }
  // A digit that is not one of the item's keys is pointed out beside the field at once (the
  // same words as the server's), tied to the input by aria-describedby in the template.
  function hint(input) {
    var keys = input.getAttribute("data-keys");
    var box = document.getElementById("e-" + input.id.slice(2));
    if (!keys || !box) return;
    var v = input.value.replace(/[\s,]/g, "");
    var wrong = /^\d+$/.test(v) && v.split("").some(function (d) { return keys.indexOf(d) === -1; });
    if (!wrong && input.getAttribute("data-multi") !== "1" && v.length > 1 && /^\d+$/.test(v)) wrong = true;
    if (wrong) {
      box.textContent = "Phím không hợp lệ; dùng: " + keys.split("").join(", ") + ".";
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
    } else { // edited since the last message: that message no longer describes the field
      box.textContent = "";
      box.hidden = true;
      input.removeAttribute("aria-invalid");
    }
  }
  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      refresh();
      hint(input);
      var keys = input.getAttribute("data-keys");
      if (!keys || input.getAttribute("data-multi") === "1") return;
      var v = input.value.trim();
      if (v.length === 1 && keys.indexOf(v) !== -1) next(input);
    });
  });
  refresh();
})();

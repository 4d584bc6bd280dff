// The gallery's prompt page: assemble the finished prompt as the variables are typed, copy
// it with one button (and count the copy with a small POST). Without JavaScript the form
// asks the server for the same finished prompt, and the copy form only counts.
(function () {
  "use strict";
  var fill = document.getElementById("gallery-fill");
  var output = document.getElementById("filled-prompt");
  var copyForm = document.getElementById("gallery-copy");
  if (!fill || !output || !copyForm) return;

  var placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

  function values() {
    var result = {};
    fill.querySelectorAll("[data-variable]").forEach(function (field) {
      result[field.dataset.variable] = field.value;
    });
    return result;
  }

  function render(text, vars) {
    return text.replace(placeholder, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : whole;
    });
  }

  function assemble() {
    var vars = values();
    var parts = [fill.dataset.system || "", fill.dataset.template || ""].filter(function (part) {
      return part.trim() !== "";
    });
    output.value = parts.map(function (part) { return render(part, vars); }).join("\n\n");
  }

  fill.addEventListener("input", assemble);
  fill.addEventListener("submit", function (event) { event.preventDefault(); assemble(); });

  var status = document.getElementById("copy-status");
  copyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    assemble();
    var text = output.value;
    var copied = navigator.clipboard && navigator.clipboard.writeText
      ? navigator.clipboard.writeText(text)
      : Promise.reject(new Error("no clipboard"));
    copied.then(function () {
      status.textContent = status.dataset.copied;
      return fetch(copyForm.action, {
        method: "POST",
        body: new FormData(copyForm),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
    }).catch(function () {
      status.textContent = status.dataset.failed;
      output.focus();
      output.select();
    }).finally(function () {
      // The page stays: the next copy (after changing a variable) is a new one.
      delete copyForm.dataset.submitted;
    });
  });
})();

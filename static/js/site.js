// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  navigator.clipboard.writeText(source.value ?? source.textContent).then(() => {
    button.dataset.copied = "true";
    setTimeout(() => delete button.dataset.copied, 2000);
  });
});

// Disable a form's submit buttons once it is sent, so a double click posts once.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitted === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "true";
  setTimeout(() => delete form.dataset.submitted, 5000);
});

// A form that comes back with errors: focus goes to its error summary (or, without one, to
// the first field marked invalid), so keyboard and screen-reader users start from what to
// fix. The summary is the page's one alert; field errors are read with their fields.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("main .form-errors");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
    return;
  }
  const invalid = document.querySelector("main [aria-invalid='true']");
  if (invalid) invalid.focus();
});

// On a phone, an entry's sample tasks start folded (their titles stay, one tap opens
// each), so a page of long outputs is not a long scroll; on a wide screen they stay open.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 40rem)").matches) return;
  for (const block of document.querySelectorAll("details[data-fold-on-mobile]")) {
    block.open = false;
  }
});

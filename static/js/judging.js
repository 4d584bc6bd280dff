// The score sheet's keys; the sheet works without this file (radio buttons, tab, buttons).
//   0-9       choose that level of the criterion in focus (or of the current one)
//   n / j     next criterion        p / k   previous criterion
//   c         the criterion's comment (Esc comes back from it)
//   s         submit                Ctrl+Enter submits from anywhere, a comment too
(() => {
  const form = document.querySelector("form[data-score-sheet]");
  if (!form) return;
  const criteria = Array.from(form.querySelectorAll("fieldset[data-criterion]"));
  if (!criteria.length || criteria[0].disabled) return;
  let current = -1;

  const isTyping = (element) =>
    element instanceof HTMLTextAreaElement ||
    (element instanceof HTMLInputElement && !["radio", "checkbox"].includes(element.type)) ||
    element instanceof HTMLSelectElement;

  const indexOf = (element) => criteria.findIndex((fieldset) => fieldset.contains(element));

  const firstUnscored = () => {
    const index = criteria.findIndex((fieldset) => !fieldset.querySelector("input[type=radio]:checked"));
    return index === -1 ? 0 : index;
  };

  const focusCriterion = (index) => {
    if (index >= criteria.length) {
      form.querySelector("button[value=submit]")?.focus();
      current = criteria.length - 1;
      return;
    }
    const fieldset = criteria[Math.max(index, 0)];
    const radio =
      fieldset.querySelector("input[type=radio]:checked") || fieldset.querySelector("input[type=radio]");
    radio?.focus();
    current = Math.max(index, 0);
  };

  const submit = () => form.requestSubmit(form.querySelector("button[value=submit]") || undefined);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const target = document.activeElement;
    if (isTyping(target)) {
      if (event.key === "Escape" && indexOf(target) !== -1) {
        event.preventDefault();
        focusCriterion(indexOf(target));
      }
      return;
    }
    const here = indexOf(target);
    if (here !== -1) current = here;
    if (/^[0-9]$/.test(event.key)) {
      const index = current === -1 ? firstUnscored() : current;
      const radio = criteria[index].querySelector(`input[type=radio][value="${event.key}"]`);
      if (!radio) return;
      event.preventDefault();
      radio.click();
      radio.focus();
      current = index;
    } else if (event.key === "n" || event.key === "j") {
      event.preventDefault();
      focusCriterion(current === -1 ? firstUnscored() : current + 1);
    } else if (event.key === "p" || event.key === "k") {
      event.preventDefault();
      focusCriterion(current === -1 ? 0 : Math.max(current - 1, 0));
    } else if (event.key === "c" && current !== -1) {
      event.preventDefault();
      const details = criteria[current].querySelector("details");
      if (details) details.open = true;
      criteria[current].querySelector("textarea")?.focus();
    } else if (event.key === "s") {
      event.preventDefault();
      submit();
    }
  });
  // The keys are offered only where they work: without this file the hint stays hidden.
  document.getElementById("sheet-keys")?.removeAttribute("hidden");
})();

// New-contest form: fill the web address name from the title as it is typed, until the
// organiser types a name of their own. The server makes the suggestion (one rule, in
// contest/organise/slugs.py); without this file the form suggests it when saved.
(() => {
  const form = document.querySelector("form[data-slug-suggestion]");
  if (!form) return;
  const title = form.querySelector("[name=title]");
  const slug = form.querySelector("[name=slug]");
  const opensAt = form.querySelector("[name=opens_at]");
  if (!title || !slug) return;
  let suggested = form.dataset.slugSuggested || "";
  let timer = 0;

  const suggest = async () => {
    if (slug.value !== "" && slug.value !== suggested) return; // typed by hand: leave it
    const query = new URLSearchParams({ title: title.value, opens_at: opensAt ? opensAt.value : "" });
    try {
      const response = await fetch(`${form.dataset.slugSuggestion}?${query}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      if (slug.value === "" || slug.value === suggested) {
        slug.value = data.slug;
        suggested = data.slug;
      }
    } catch {
      // Offline or signed out: the form still suggests a name when it is saved.
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 300);
  };
  title.addEventListener("input", later);
  if (opensAt) opensAt.addEventListener("change", later);
})();

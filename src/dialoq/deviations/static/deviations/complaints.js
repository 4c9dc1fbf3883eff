// Complaints: a live character counter for the text, and the print button of the
// form link. Without JavaScript the counter shows the count of the last sending.
document.querySelectorAll("[data-counter-for]").forEach((counter) => {
  const field = document.getElementById(counter.dataset.counterFor);
  const status = document.getElementById(counter.dataset.counterStatus);
  const limit = Number(counter.dataset.limit);
  const format = new Intl.NumberFormat(document.documentElement.lang || "de");
  let timer = null;
  const update = () => {
    const used = field.value.length;
    const text = counter.dataset.template
      .replace("{used}", format.format(used))
      .replace("{limit}", format.format(limit));
    counter.textContent = text;
    counter.classList.toggle("overdue", used > limit);
    // Screen readers hear the count once typing pauses, not at every key.
    clearTimeout(timer);
    timer = setTimeout(() => { status.textContent = text; }, 1500);
  };
  field.addEventListener("input", update);
});
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

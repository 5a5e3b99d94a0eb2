// LiênThông: the little behaviour pages have besides htmx. The Content-Security-Policy
// allows no inline script or event handler, so templates mark elements with data-*
// attributes and this file, loaded from the site itself, gives them their behaviour.
"use strict";

// <select data-submit-on-change>: choosing an option sends its form (the language menu;
// a <noscript> button does it without JavaScript).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change")) {
    field.form?.submit();
  }
});

// <form data-confirm="Question?">: sent only once the person confirms.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// The header's menu button (shown on narrow screens by the style sheet): it folds and
// unfolds the menu. Without JavaScript the button stays hidden and the menu open.
for (const button of document.querySelectorAll(".menu-button")) {
  const menu = document.getElementById(button.getAttribute("aria-controls") || "");
  if (!menu) continue;
  button.hidden = false;
  menu.classList.add("folded");
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("folded", !open);
  });
}

// <input data-enter-searches> inside a form (the transfer's agency search): Enter runs
// the search instead of sending the form without a choice.
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key === "Enter" && field instanceof HTMLInputElement && field.hasAttribute("data-enter-searches")) {
    event.preventDefault();
    field.dispatchEvent(new Event("search", { bubbles: true }));
  }
});

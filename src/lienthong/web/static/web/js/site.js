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

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

// <div data-live-source="…/su-kien/?tu=N" data-live-fragment="…&phan=noi-dung">: the
// steering pages. The server sends a "change" event (Server-Sent Events) when an event
// has changed the figures; the part of the page with the figures is then fetched again
// and swapped in, and [data-live-status] says when. A server that cannot keep one more
// stream open answers 204 and the page asks for the revision every 4 seconds instead.
for (const box of document.querySelectorAll("[data-live-source]")) {
  const fragment = box.getAttribute("data-live-fragment");
  const status = document.querySelector("[data-live-status]");
  let revision = box.getAttribute("data-live-revision") || "";
  const refresh = () => {
    fetch(fragment, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        box.innerHTML = html;
        if (window.htmx) window.htmx.process(box);
        if (status) {
          const at = new Date().toLocaleTimeString("vi-VN");
          status.textContent = (status.getAttribute("data-updated") || "Đã cập nhật lúc") + " " + at;
        }
        box.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
      })
      .catch(() => {});
  };
  const poll = () => {
    const url = box.getAttribute("data-live-poll");
    if (!url) return;
    window.setInterval(() => {
      fetch(url, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : ""))
        .then((now) => {
          if (now && now !== revision) {
            revision = now;
            refresh();
          }
        })
        .catch(() => {});
    }, 4000);
  };
  if (!("EventSource" in window)) {
    poll();
    continue;
  }
  const source = new EventSource(box.getAttribute("data-live-source"));
  source.addEventListener("change", (event) => {
    try {
      revision = String(JSON.parse(event.data).revision);
    } catch (_error) {
      /* a malformed event only costs a refresh */
    }
    refresh();
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) poll(); // 204: no stream for us now
  });
}

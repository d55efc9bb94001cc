import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// Content that htmx swaps in needs GOV.UK components initialised too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

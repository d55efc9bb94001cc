import { initAll } from "../govuk/govuk-frontend.min.js";
import { enhancePickers } from "./pickers.mjs";

initAll();
enhancePickers();

// Content that htmx swaps in needs GOV.UK components initialised too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
  enhancePickers(event.detail.elt);
});

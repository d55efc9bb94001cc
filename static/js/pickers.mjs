// Progressive enhancement of the pickers (templates/includes/picker.html): the
// search box becomes an accessible autocomplete (GOV.UK's accessible-autocomplete) that asks the
// picker's JSON endpoint as the user types, and choosing a suggestion ticks it in the options below.
// Without JavaScript the search box and its "Find" button send the form back with the matches.
import "../autocomplete/accessible-autocomplete.min.js";

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]);

function chooseOption(picker, result) {
  const name = picker.dataset.fieldName;
  const multiple = picker.dataset.multiple === "true";
  const kind = multiple ? "checkboxes" : "radios";
  const options = picker.querySelector(`.govuk-${kind}`);
  let input = options.querySelector(`input[value="${CSS.escape(String(result.id))}"]`);
  if (!input) {
    const empty = options.querySelector("p.govuk-body");
    const item = document.createElement("div");
    item.className = `govuk-${kind}__item`;
    input = document.createElement("input");
    input.className = `govuk-${kind}__input`;
    input.type = multiple ? "checkbox" : "radio";
    input.name = name;
    input.value = String(result.id);
    // The first option carries the field's id, so the error summary's link lands on it.
    input.id = empty && empty.id ? empty.id : `${picker.id}-${result.id}`;
    const label = document.createElement("label");
    label.className = `govuk-label govuk-${kind}__label`;
    label.htmlFor = input.id;
    label.textContent = result.label;
    item.append(input, label);
    if (empty) empty.remove();
    options.append(item);
  }
  input.checked = true;
}

function enhance(picker) {
  const search = picker.querySelector("input[type=search]");
  const form = picker.closest("form");
  const token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!search || !token || !picker.dataset.findUrl) return;
  const wrapper = document.createElement("div");
  wrapper.className = "app-picker__autocomplete govuk-!-width-two-thirds";
  search.replaceWith(wrapper);
  let latest = 0;
  window.accessibleAutocomplete({
    element: wrapper,
    id: search.id,
    name: search.name,
    minLength: 2,
    showNoOptionsFound: true,
    confirmOnBlur: false,
    inputClasses: "govuk-input",
    tNoResults: () => "Nothing you can see matches",
    templates: {
      inputValue: (result) => (result ? result.label : ""),
      suggestion: (result) => (typeof result === "string" ? escapeHtml(result) : escapeHtml(result.label)),
    },
    source: (query, populateResults) => {
      const asked = ++latest;
      fetch(picker.dataset.findUrl, {
        method: "POST",
        headers: { "X-CSRFToken": token.value },
        body: new URLSearchParams({ q: query }),
        credentials: "same-origin",
      })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((answer) => {
          if (asked === latest) populateResults(answer.results);
        })
        .catch(() => populateResults([]));
    },
    onConfirm: (result) => {
      // An answer to an earlier keystroke still on its way would open the list again under the
      // choice (and move the buttons below it as they are pressed), so it is dropped.
      latest += 1;
      if (result && typeof result === "object") chooseOption(picker, result);
    },
  });
  const input = wrapper.querySelector("input");
  const hint = search.getAttribute("aria-describedby");
  if (input && hint) input.setAttribute("aria-describedby", `${hint} ${input.getAttribute("aria-describedby") || ""}`.trim());
}

export function enhancePickers(scope = document) {
  scope.querySelectorAll("[data-app-picker]").forEach(enhance);
}

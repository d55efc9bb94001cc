// Runs at the top of <body>: lets GOV.UK Frontend's styles know JavaScript is available.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");

// DA4 "USER ACCOUNT APPLICATION": the total fee as the maker types (the server shows it again
// on PREVIEW and SUBMIT). A static file, not inline script: the Content-Security-Policy allows
// scripts from 'self' only (issue 10).
(function () {
  "use strict";
  const output = document.getElementById("fee-total");
  if (!output || !output.dataset.feeInput) {
    return;
  }
  const input = document.getElementById(output.dataset.feeInput);
  const each = Number(output.dataset.feePerAccount);
  if (!input) {
    return;
  }
  input.addEventListener("input", (event) => {
    const n = Number.parseInt(event.target.value, 10);
    const total = Number.isInteger(n) && n >= 0 ? n * each : 0;
    output.value = "HK$" + total.toLocaleString("en-US", {minimumFractionDigits: 2});
  });
})();

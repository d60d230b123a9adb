// Texting panel: a template fills the message box; Ctrl+Enter (or Cmd+Enter) sends.
// Event delegation, so the htmx-swapped panel keeps working. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-fill]")) return;
    var option = select.options[select.selectedIndex];
    var box = document.querySelector(select.getAttribute("data-fill"));
    if (box && option && option.getAttribute("data-text")) {
      box.value = option.getAttribute("data-text");
      box.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (!box.matches || !box.matches(".send-text textarea")) return;
    event.preventDefault();
    var form = box.form;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });
})();

/* The public booking form. Embedded in the company's site, this page's own URL
   is not where the visitor landed: the embedding page is (document.referrer),
   unless it passed its own. A file, not an inline script: the
   Content-Security-Policy allows scripts from Leadline only. */
(function () {
  "use strict";
  var field = document.querySelector("input[name=landing_page]");
  if (field && window.self !== window.top && document.referrer &&
      field.value.indexOf(location.origin + location.pathname) === 0) {
    field.value = document.referrer;
  }
})();

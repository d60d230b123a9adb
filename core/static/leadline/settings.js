/* Settings (Django's admin): what its own scripts build without an accessible
   name. Loaded by templates/admin/base_site.html. */
(function () {
  "use strict";

  /* filter_horizontal (SelectFilter2.js) puts the filter box's name in an
     aria-label on a bare <span> inside its <label>: ARIA does not allow a name
     on a generic element (axe: aria-prohibited-attr, serious), so screen readers
     may drop it. As an image (the magnifier it shows) the name is allowed. */
  function nameFilterIcons() {
    document.querySelectorAll(".selector .search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // SelectFilter builds its boxes on window load; run after every load listener.
  window.addEventListener("load", function () { setTimeout(nameFilterIcons); });
})();

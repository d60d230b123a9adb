/* Leadline's shared behaviour. No inline scripts anywhere: every page loads
   this file (a Content-Security-Policy without 'unsafe-inline' applies). */
(function () {
  "use strict";

  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), ' +
    'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

  function visible(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), visible);
  }

  /* --- Dialogs (the Create Lead flyout): take focus, keep it, close on Esc. --- */
  var opener = null;

  function openDialog(dialog) {
    if (!dialog || dialog.dataset.trapped) return;
    dialog.dataset.trapped = "1";
    var first = dialog.querySelector("[autofocus]") || dialog.querySelector("[aria-invalid=true]") ||
      focusables(dialog).filter(function (el) { return !el.hasAttribute("data-close-dialog"); })[0];
    (first || dialog).focus();
  }

  function closeDialog(dialog) {
    var slot = dialog.closest("[data-dialog-slot]");
    if (slot) slot.innerHTML = ""; else dialog.remove();
    if (opener && document.body.contains(opener)) opener.focus();
    opener = null;
  }

  document.addEventListener("click", function (e) {
    var close = e.target.closest("[data-close-dialog]");
    if (close) { e.preventDefault(); closeDialog(close.closest("[role=dialog]")); return; }
    var open = e.target.closest("[aria-haspopup=dialog]");
    if (open) opener = open;
  });

  document.addEventListener("keydown", function (e) {
    var dialog = document.querySelector("[role=dialog][data-trapped]");
    if (!dialog) return;
    if (e.key === "Escape") { e.preventDefault(); closeDialog(dialog); return; }
    if (e.key !== "Tab") return;
    var items = focusables(dialog);
    if (!items.length) { e.preventDefault(); dialog.focus(); return; }
    var first = items[0], last = items[items.length - 1];
    if (!dialog.contains(document.activeElement)) { e.preventDefault(); first.focus(); }
    else if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });

  function scanDialogs(root) {
    (root || document).querySelectorAll("[role=dialog][data-trap]").forEach(openDialog);
  }
  document.addEventListener("DOMContentLoaded", function () { scanDialogs(document); });
  document.addEventListener("htmx:afterSettle", function (e) { scanDialogs(e.target); });

  /* --- "/" jumps to the page's search box unless one is typing elsewhere. --- */
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
    var box = document.querySelector("[data-slash-focus]");
    if (!box) return;
    e.preventDefault();
    box.focus();
    if (box.select) box.select();
  });

  /* --- Polls swap only what changed (data-swap-if-changed on the target): the
     same answer again leaves the DOM, its focus and screen readers alone. A
     fragment whose root carries data-sig is compared by that signature. --- */
  function sigOf(html) {
    var m = /data-sig="([^"]*)"/.exec(html);
    return m ? m[1] : null;
  }
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.hasAttribute("data-swap-if-changed")) return;
    if (e.detail.xhr && e.detail.xhr.status !== 200) { e.detail.shouldSwap = false; return; }
    var incoming = e.detail.serverResponse || "";
    var now = sigOf(target.innerHTML), next = sigOf(incoming);
    var same = next !== null ? now === next : target.innerHTML.trim() === incoming.trim();
    if (same) e.detail.shouldSwap = false;
  });

  /* --- The navigation's menu on phones. --- */
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var region = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (region) region.classList.toggle("open", open);
  });

  /* --- Small declarative helpers used by templates instead of inline handlers. --- */
  document.addEventListener("click", function (e) {
    var remove = e.target.closest("[data-remove-closest]");
    if (remove) {
      var gone = remove.closest(remove.getAttribute("data-remove-closest"));
      var focus = document.getElementById(remove.getAttribute("data-focus") || "");
      if (gone) gone.remove();
      if (focus) focus.focus();
    }
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.hasAttribute && t.hasAttribute("data-set-target")) {
      var target = document.getElementById(t.getAttribute("data-set-target"));
      if (target) target.value = t.getAttribute("data-set-value") || t.value;
      var check = document.getElementById(t.getAttribute("data-check") || "");
      if (check) check.checked = true;
    }
  });

  /* --- Arrival-window pickers: picking a window fills the form's start. ---
     The container names the inputs: data-fill-start (one datetime-local) or
     data-fill-date + data-fill-time. */
  function fill(id, value) {
    var input = document.getElementById(id || "");
    if (!input) return;
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t.hasAttribute || !t.hasAttribute("data-slot-start")) return;
    var box = t.closest("[data-slot-fill]");
    if (!box) return;
    fill(box.getAttribute("data-fill-start"), t.getAttribute("data-slot-start"));
    fill(box.getAttribute("data-fill-date"), t.getAttribute("data-slot-date"));
    fill(box.getAttribute("data-fill-time"), t.getAttribute("data-slot-time"));
  });
})();

/* Follow Up: select all, and j/k/x to move and pick rows ("/" is in app.js). */
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll(".queue tbody a.rowlink"));
  var all = document.getElementById("all");
  if (all) all.addEventListener("change", function () {
    document.querySelectorAll(".queue input[name=ids]").forEach(function (b) { b.checked = all.checked; });
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target, typing = /INPUT|SELECT|TEXTAREA/.test(t.tagName) && t.type !== "checkbox";
    if (typing || e.ctrlKey || e.metaKey || e.altKey || !rows.length) return;
    var i = rows.indexOf(document.activeElement.closest("tr") ? document.activeElement.closest("tr").querySelector("a.rowlink") : null);
    if (e.key === "j") { rows[Math.min(i + 1, rows.length - 1)].focus(); e.preventDefault(); }
    if (e.key === "k") { rows[Math.max(i - 1, 0)].focus(); e.preventDefault(); }
    if (e.key === "x" && i >= 0) { var b = rows[i].closest("tr").querySelector("input[name=ids]"); b.checked = !b.checked; }
  });
})();

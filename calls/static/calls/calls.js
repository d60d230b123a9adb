/* The Calls screen: ringing clocks that tick without a request, and the
   opt-in ring and browser notification for a new bubble (remembered in
   localStorage on this browser). */
(function () {
  "use strict";

  var KEY_RING = "leadline.calls.ring", KEY_NOTIFY = "leadline.calls.notify";
  var known = null;
  var rings = 0;

  function stored(key) { try { return localStorage.getItem(key) === "1"; } catch (e) { return false; } }
  function store(key, on) { try { localStorage.setItem(key, on ? "1" : "0"); } catch (e) { /* private mode */ } }
  function canNotify() { return "Notification" in window; }

  function words(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    function two(n) { return n < 10 ? "0" + n : String(n); }
    if (h) return h + " h " + two(m) + " min";
    if (m) return m + " min " + two(s) + " s";
    return s + " s";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("#bubbles [data-elapsed]").forEach(function (el) {
      if (!el.dataset.loadedAt) el.dataset.loadedAt = String(now);
      var secs = parseInt(el.dataset.elapsed, 10) + Math.floor((now - parseInt(el.dataset.loadedAt, 10)) / 1000);
      var text = words(secs);
      if (el.textContent !== text) el.textContent = text;
    });
  }

  function callIds(root) {
    return Array.prototype.map.call(root.querySelectorAll("[data-call-id]"), function (el) {
      return el.getAttribute("data-call-id");
    });
  }

  function ring() {
    var audio = document.getElementById("ring-audio");
    if (!audio) return;
    rings += 1;
    audio.dataset.rings = String(rings);
    try {
      audio.currentTime = 0;
      var played = audio.play();
      if (played && played.catch) played.catch(function () { /* autoplay refused: the bubble still shows */ });
    } catch (e) { /* no audio output */ }
  }

  function tell(bubble) {
    var who = bubble.getAttribute("data-caller") || "Unknown caller";
    var status = document.getElementById("calls-announce");
    if (status) status.textContent = "New call from " + who;
    if (stored(KEY_RING)) ring();
    if (stored(KEY_NOTIFY) && canNotify() && Notification.permission === "granted") {
      var note = new Notification("Incoming call", { body: who, tag: "call-" + bubble.getAttribute("data-call-id") });
      note.onclick = function () { window.focus(); bubble.focus(); note.close(); };
    }
  }

  function setUp() {
    var box = document.getElementById("bubbles");
    if (!box) return;
    known = callIds(box);
    tick();
    window.setInterval(tick, 1000);

    var ringBox = document.getElementById("opt-ring");
    if (ringBox) {
      ringBox.checked = stored(KEY_RING);
      ringBox.addEventListener("change", function () {
        store(KEY_RING, ringBox.checked);
        if (ringBox.checked) ring(); // let the person hear it now (and unlock audio with this click)
      });
    }
    var notifyBox = document.getElementById("opt-notify");
    var help = document.getElementById("opt-notify-help");
    function say(text) { if (help) { help.textContent = text; help.hidden = !text; } }
    if (notifyBox) {
      if (!canNotify()) {
        notifyBox.disabled = true;
        say("This browser has no notifications.");
        return;
      }
      notifyBox.checked = stored(KEY_NOTIFY) && Notification.permission === "granted";
      notifyBox.addEventListener("change", function () {
        if (!notifyBox.checked) { store(KEY_NOTIFY, false); say(""); return; }
        if (Notification.permission === "granted") { store(KEY_NOTIFY, true); return; }
        Notification.requestPermission().then(function (answer) {
          var ok = answer === "granted";
          notifyBox.checked = ok;
          store(KEY_NOTIFY, ok);
          say(ok ? "" : "The browser did not allow notifications for this site.");
        });
      });
    }
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "bubbles" || known === null) return;
    var now = callIds(e.detail.target);
    var fresh = now.filter(function (id) { return known.indexOf(id) < 0; });
    known = now;
    tick();
    if (fresh.length) {
      var bubble = e.detail.target.querySelector('[data-call-id="' + fresh[0] + '"]');
      if (bubble) tell(bubble);
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();

// Meeting pages, live: optional enhancement. Without this file the pages refresh themselves
// (a <noscript> refresh) and every action works by its form.
(function () {
  "use strict";

  // --- countdowns: counted from the page's own clock, so a phone's wrong time does not matter
  var loadedAt = Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clockText(seconds) {
    var s = Math.abs(Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (seconds < 0 ? "+" : "") + (h ? h + ":" + pad(m) : m) + ":" + pad(r);
  }
  function tick() {
    var nodes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (!node.getAttribute("data-ends-at")) { continue; }  // paused: the clock stands still
      var left = Number(node.getAttribute("data-remaining")) - (Date.now() - loadedAt) / 1000;
      node.textContent = clockText(left);
      if (node.parentNode) { node.parentNode.classList.toggle("countdown-over", left < 0); }
    }
  }
  setInterval(tick, 1000);

  // --- live updates by Server-Sent Events
  var live = document.querySelector("[data-live]");
  var status = document.querySelector("[data-live-status]");
  function say(text) {
    if (!status) { return; }
    status.textContent = text || "";
    status.hidden = !text;
  }
  var refreshing = false, again = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var now = document.querySelectorAll("[data-live-region]");
        var next = fresh.querySelectorAll("[data-live-region]");
        for (var i = 0; i < now.length && i < next.length; i++) { now[i].innerHTML = next[i].innerHTML; }
        var version = fresh.querySelector("[data-live]");
        if (live && version) { live.setAttribute("data-version", version.getAttribute("data-version")); }
        loadedAt = Date.now();
        tick();
      })
      .catch(function () { /* the next event or reconnect tries again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }
  function onEvent(message) {
    var event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    if (event.type === "turnout") {
      var counts = document.querySelectorAll('[data-turnout-topic="' + event.topic + '"]');
      for (var i = 0; i < counts.length; i++) { counts[i].textContent = String(event.ballots); }
      return;
    }
    if (event.type === "agenda" && live && Number(event.version) <= Number(live.getAttribute("data-version"))) {
      return;
    }
    refresh();
  }
  if (live && window.EventSource) {
    var delay = 1000, source = null;
    var connect = function () {
      var url = live.getAttribute("data-events") + "?since=" + encodeURIComponent(live.getAttribute("data-version"));
      source = new EventSource(url);
      source.onmessage = onEvent;
      source.onopen = function () { delay = 1000; say(""); };
      source.onerror = function () {
        say(status && status.getAttribute("data-text-reconnecting"));
        if (source.readyState === EventSource.CLOSED) {
          // The browser gave up: back off (with jitter, so a room does not return all at once).
          source = null;
          setTimeout(connect, delay + Math.random() * delay);
          delay = Math.min(delay * 2, 30000);
        }
      };
    };
    connect();
  }

  // --- notes saved as they are typed, and kept on the phone until the server has them
  var form = document.querySelector("form[data-autosave]");
  if (form && window.fetch) {
    var key = form.getAttribute("data-draft-key");
    var note = form.querySelector("[data-autosave-status]");
    var fields = form.querySelectorAll("textarea, input[type=checkbox]");
    var timer = null, dirty = false;
    var read = function () {
      var values = {};
      for (var i = 0; i < fields.length; i++) {
        values[fields[i].name] = fields[i].type === "checkbox" ? fields[i].checked : fields[i].value;
      }
      return values;
    };
    var show = function (name) { if (note) { note.textContent = form.getAttribute("data-text-" + name) || ""; } };
    var keep = function () { try { localStorage.setItem(key, JSON.stringify(read())); } catch (e) { /* full or private */ } };
    var save = function () {
      timer = null;
      var values = read();
      if (!values.key_points && !values.agreements && !values.dissent) { return; }
      dirty = false;
      show("saving");
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-Autosave": "1" }, keepalive: true
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        if (!dirty) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
        show("saved");
      }).catch(function () { dirty = true; show("failed"); });
    };
    var changed = function () {
      dirty = true;
      keep();
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 1000);
    };
    // A draft left from before the phone slept or lost its connection comes back, and is saved.
    try {
      var draft = JSON.parse(localStorage.getItem(key) || "null");
      if (draft) {
        for (var i = 0; i < fields.length; i++) {
          if (!(fields[i].name in draft)) { continue; }
          if (fields[i].type === "checkbox") { fields[i].checked = !!draft[fields[i].name]; }
          else { fields[i].value = draft[fields[i].name]; }
        }
        changed();
      }
    } catch (e) { /* no storage */ }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } });
    window.addEventListener("online", function () { if (dirty) { save(); } });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && dirty) { save(); }
    });
  }
})();

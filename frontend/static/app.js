// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var btn = form.querySelector("[data-confirm]");
    if (btn && !window.confirm(btn.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });
})();

// Live updates (server/live.go): an element with data-live names a
// version's event stream. On a version page a notice says how many
// comments came or changed and offers a reload; on an open ballot the
// table's counts are refreshed in place (choice counts only arrive when
// the ballot shows them). Without JavaScript or EventSource the page is
// simply as it was served.
(function () {
  "use strict";
  if (!window.EventSource || !document.querySelector) {
    return;
  }
  var el = document.querySelector("[data-live]");
  if (!el) {
    return;
  }
  var notice = null;
  function say(text, reload) {
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "live-notice";
      notice.setAttribute("role", "status");
      el.insertBefore(notice, el.children.length > 1 ? el.children[1] : null);
    }
    notice.textContent = text + " ";
    if (reload) {
      var a = document.createElement("a");
      a.href = window.location.pathname + window.location.search;
      a.textContent = el.getAttribute("data-live-reload");
      notice.appendChild(a);
    }
  }
  var ballot = el.getAttribute("data-ballot");
  var changed = 0;
  var es = new EventSource(el.getAttribute("data-live"));
  function parse(ev) {
    try {
      return JSON.parse(ev.data);
    } catch (e) {
      return null;
    }
  }
  es.addEventListener("comment", function (ev) {
    if (ballot || !parse(ev)) {
      return;
    }
    changed += 1;
    say(el.getAttribute("data-live-comments").replace("%d", String(changed)), true);
  });
  es.addEventListener("ballot", function (ev) {
    var b = parse(ev);
    if (!ballot || !b || String(b.ballot_id) !== ballot) {
      return;
    }
    if (b.status === "closed") {
      say(el.getAttribute("data-live-closed"), true);
      es.close();
      return;
    }
    Object.keys(b.tallies || {}).forEach(function (group) {
      var row = el.querySelector('tr[data-group="' + group + '"]');
      var t = b.tallies[group];
      if (!row) {
        return;
      }
      ["voted", "approve", "reject", "abstain"].forEach(function (f) {
        var cell = row.querySelector('[data-f="' + f + '"]');
        if (cell && typeof t[f] === "number") {
          cell.textContent = String(t[f]);
        }
      });
      var turnout = row.querySelector('[data-f="turnout"]');
      if (turnout && typeof t.turnout_percent === "number") {
        turnout.textContent = Math.round(t.turnout_percent) + "%";
      }
    });
    say(el.getAttribute("data-live-updated"), true);
  });
  es.addEventListener("resync", function () {
    say(el.getAttribute("data-live-resync"), true);
  });
  es.addEventListener("bye", function (ev) {
    var m = parse(ev);
    if (m && m.reason === "signed_out") {
      es.close();
    }
  });
})();

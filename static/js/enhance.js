// Optional enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // The phone menu as a disclosure button; without this file the link opens it by :target.
  var menu = document.getElementById("site-menu");
  var link = menu && menu.querySelector(".menu-link");
  if (menu && link) {
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      menu.classList.add("is-open");
      link.setAttribute("aria-expanded", "true");
      var first = menu.querySelector(".nav-list a");
      if (first) { first.focus(); }
    });
    var close = menu.querySelector(".menu-close");
    if (close) {
      close.addEventListener("click", function (event) {
        event.preventDefault();
        menu.classList.remove("is-open");
        link.setAttribute("aria-expanded", "false");
        link.focus();
      });
    }
  }
  // The topic form: show the chosen method's settings at once; without this file the
  // "Show this method's settings" button asks the server for them.
  var method = document.getElementById("field-voting_method");
  if (method) {
    var seats = document.querySelector("[data-seats]");
    var multi = seats ? (seats.getAttribute("data-multi-winner") || "").split(" ") : [];
    var show = function () {
      var chosen = method.value;
      document.querySelectorAll("fieldset[data-method]").forEach(function (set) {
        var on = set.getAttribute("data-method") === chosen;
        set.hidden = !on;
        set.disabled = !on;
      });
      if (seats) { seats.hidden = multi.indexOf(chosen) < 0; }
    };
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    method.addEventListener("change", show);
    show();
  }
});

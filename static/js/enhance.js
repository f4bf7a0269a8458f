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
});

// Optional enhancement only: a budget ballot's running total as projects are ticked.
// Without this file the "check my choices" button shows the same total from the server.
document.addEventListener("DOMContentLoaded", function () {
  var choices = document.querySelector(".budget-choices[data-budget]");
  var tally = document.getElementById("budget-tally");
  if (!choices || !tally) { return; }
  var budget = Number(choices.getAttribute("data-budget")) || 0;
  var lang = document.documentElement.lang || "en";
  var money;
  try {
    money = new Intl.NumberFormat(lang, {
      style: "currency", currency: tally.getAttribute("data-currency") || "NOK",
      maximumFractionDigits: 0, minimumFractionDigits: 0
    });
  } catch (error) {
    return;
  }
  var total = tally.querySelector("[data-total]");
  var left = tally.querySelector("[data-left]");
  var leftLabel = tally.querySelector("[data-left-label]");
  var meter = tally.querySelector("[data-meter]");
  function update() {
    var sum = 0;
    choices.querySelectorAll("input[type=checkbox][data-cost]").forEach(function (box) {
      if (box.checked) { sum += Number(box.getAttribute("data-cost")) || 0; }
    });
    var rest = budget - sum;
    total.textContent = money.format(sum);
    left.textContent = money.format(Math.abs(rest));
    leftLabel.textContent = tally.getAttribute(rest < 0 ? "data-label-over" : "data-label-left");
    tally.classList.toggle("over-budget", rest < 0);
    if (meter) { meter.value = Math.min(sum, budget); }
  }
  choices.addEventListener("change", update);
  update();
});

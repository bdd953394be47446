/* "Frequently bought together": keeps the total and the button in step with the ticks.
   The form works without this script ("Add all" and "Add selected" both post). */
(function () {
  "use strict";
  var formatter = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });

  function pence(value) {
    // Prices arrive as "12.50": whole pence avoid floating-point sums.
    var parts = String(value).split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function setUp(block) {
    var boxes = Array.prototype.slice.call(block.querySelectorAll('input[type="checkbox"][name="products"]'));
    var total = block.querySelector("[data-fbt-total]");
    var submit = block.querySelector("[data-fbt-submit]");
    var selected = block.querySelector("[data-fbt-selected]");
    if (!boxes.length || !total || !submit) return;
    if (selected) selected.hidden = true;

    function update() {
      var ticked = boxes.filter(function (box) { return box.checked; });
      var sum = ticked.reduce(function (acc, box) { return acc + pence(box.dataset.price); }, 0);
      total.textContent = formatter.format(sum / 100);
      boxes.forEach(function (box) {
        var picture = block.querySelector('[data-fbt-picture="' + box.value + '"]');
        if (picture) picture.classList.toggle("is-unticked", !box.checked);
      });
      if (ticked.length === boxes.length) {
        submit.value = "all";
        submit.textContent = "Add all " + boxes.length + " to cart";
      } else {
        submit.value = "selected";
        submit.textContent = ticked.length === 1 ? "Add selected item to cart" : "Add selected to cart";
      }
      submit.disabled = ticked.length === 0;
    }

    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  document.querySelectorAll("[data-fbt]").forEach(setUp);
})();

// Progressive enhancement for the cart page: each line's "Update" button appears only once
// its quantity has been changed, so the page stays calm. Without JavaScript the buttons
// are always shown and everything works the same.
(function () {
  "use strict";
  document.querySelectorAll("form[data-quantity-form]").forEach(function (form) {
    var input = form.querySelector("input[name=quantity]");
    var button = form.querySelector("[data-update-button]");
    if (!input || !button) return;
    var initial = input.value;
    var sync = function () { button.hidden = input.value === initial; };
    input.addEventListener("input", sync);
    sync();
  });
})();

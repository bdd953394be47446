// The "Place order" button disables itself after the first click so a double click sends
// one request. The server doesn't rely on this: the form's one-time token makes a second
// submit return the first order.
(function () {
  "use strict";
  var form = document.querySelector("form[data-place-order]");
  if (!form) return;
  form.addEventListener("submit", function () {
    var button = form.querySelector("[data-place-button]");
    if (!button) return;
    window.setTimeout(function () {
      button.disabled = true;
      button.textContent = "Placing your order…";
    }, 0);
  });
})();

// Catalog niceties; every page works without them.
(function () {
  "use strict";

  // Sorting applies as soon as an option is chosen; the Apply button stays for no-JS.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var apply = form.querySelector(".sort-apply");
    if (apply) apply.hidden = true;
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
  });

  // Product gallery: a thumbnail shows its picture in the main frame instead of opening it.
  var main = document.querySelector("[data-gallery-main]");
  if (main) {
    var mainImg = main.querySelector("img");
    document.querySelectorAll("[data-gallery-thumb]").forEach(function (thumb) {
      thumb.addEventListener("click", function (event) {
        event.preventDefault();
        mainImg.removeAttribute("srcset");
        mainImg.src = thumb.dataset.medium;
        main.href = thumb.href;
        document.querySelectorAll("[data-gallery-thumb]").forEach(function (other) {
          other.removeAttribute("aria-current");
        });
        thumb.setAttribute("aria-current", "true");
      });
    });
  }
})();

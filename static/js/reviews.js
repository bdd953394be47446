// "Was this helpful?" without leaving the page; without JavaScript the form posts and the
// page comes back at the same review.
(function () {
  "use strict";

  function countText(count) {
    if (!count) return "";
    return count + (count === 1 ? " person" : " people") + " found this helpful";
  }

  document.querySelectorAll("form[data-helpful-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      if (button) button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (result) {
          var box = form.closest("[data-helpful]");
          if (!result.ok) {
            form.querySelector(".review-helpful-question").textContent = result.data.error || "Sorry, that didn't work.";
            return;
          }
          var done = document.createElement("span");
          done.className = "review-helpful-done";
          done.textContent = "✓ You found this helpful";
          form.replaceWith(done);
          var count = box && box.querySelector("[data-helpful-count]");
          if (count) {
            count.dataset.helpfulCount = result.data.helpful_count;
            count.textContent = countText(result.data.helpful_count);
          }
        })
        .catch(function () {
          // Network trouble: fall back to the plain form post.
          form.submit();
        });
    });
  });
})();

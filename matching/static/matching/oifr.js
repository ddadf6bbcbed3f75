// In a private place the harm declaration is required (rule 18): show it, and mark it required, only then.
(function () {
  "use strict";
  var form = document.getElementById("oifr-form");
  if (!form) return;
  var place = form.querySelector("select[name=place_type]");
  var declaration = form.querySelector("textarea[name=harm_declaration]");
  var field = declaration && declaration.closest(".field");
  if (!place || !field) return;
  var privatePlaces = form.dataset.privatePlaces.split(" ");
  function update() {
    var isPrivate = privatePlaces.indexOf(place.value) !== -1;
    var hasError = field.classList.contains("field-error");
    field.hidden = !isPrivate && !hasError;
    declaration.required = isPrivate;
    declaration.setAttribute("aria-required", isPrivate ? "true" : "false");
  }
  place.addEventListener("change", update);
  update();
})();

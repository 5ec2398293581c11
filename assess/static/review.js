// The reviewer's decision form: the justification becomes required (and says so) as soon as the chosen value
// differs from the claimed one, before anything is submitted. The server applies the same rule.
(function () {
  "use strict";
  var form = document.getElementById("review-decide");
  if (!form) { return; }
  var field = form.querySelector('[name="reviewer_value"]');
  var note = form.querySelector('[name="reviewer_note"]');
  var marks = form.querySelectorAll("[data-note-required], [data-note-warning]");

  function number(text) {
    var t = (text || "").trim().replace(",", ".");
    return t === "" ? null : Number(t);
  }

  function update() {
    var value = number(field.value);
    var differs = value !== null && value !== number(form.dataset.claimed);
    note.required = differs;
    marks.forEach(function (el) { el.hidden = !differs; });
  }

  field.addEventListener("input", update);
  field.addEventListener("change", update);
  update();
})();

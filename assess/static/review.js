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

  // What was sent is kept for this tab until the next page: a refused decision gets all of it back (the server
  // keeps only the start of a long justification).
  var key = "mandiri-review:" + form.dataset.answer;
  var sent = null;
  try {
    sent = JSON.parse(sessionStorage.getItem(key) || "null");
    sessionStorage.removeItem(key);
  } catch (e) { sent = null; }
  if (sent && form.dataset.refused === "1") {
    field.value = sent.value;
    note.value = sent.note;
  }
  form.addEventListener("submit", function () {
    try { sessionStorage.setItem(key, JSON.stringify({ value: field.value, note: note.value })); } catch (e) { /* full */ }
  });

  field.addEventListener("input", update);
  field.addEventListener("change", update);
  update();
})();

// What-if mode: on every change, ask the server's engine for the index (nothing is saved).
// Without JavaScript the "Hitung" button re-renders the page with the same result.
(function () {
  "use strict";
  var form = document.getElementById("whatif-form");
  var result = document.getElementById("whatif-result");
  if (!form || !result) { return; }
  var token = form.querySelector('input[name="csrf_token"]');
  var pending = 0;

  function values() {
    var out = {};
    form.querySelectorAll(".whatif-value").forEach(function (el) { out[el.name.slice(2)] = el.value; });
    return out;
  }

  function show(data) {
    result.querySelector('[data-testid="whatif-index"]').textContent = data.index_display;
    var chip = result.querySelector('[data-testid="whatif-predikat"] .chip');
    if (chip) {
      chip.textContent = data.predikat;
      chip.dataset.predikat = data.predikat;
      chip.className = "chip chip-predikat chip-predikat-" + data.predikat_band;
    }
    result.querySelector('[data-testid="whatif-band"]').hidden = !data.band_warning;
    [["aspect", data.aspects], ["domain", data.domains]].forEach(function (pair) {
      Object.keys(pair[1]).forEach(function (code) {
        var cell = document.querySelector("#whatif-parts [data-" + pair[0] + '="' + code + '"]');
        if (cell) { cell.textContent = pair[1][code].display + " · " + pair[1][code].predikat; }
      });
    });
  }

  function items() {
    var out = [];
    form.querySelectorAll(".whatif-item:checked").forEach(function (el) { out.push(el.name.slice(5)); });
    return out;
  }

  function compute() {
    var mine = ++pending;
    fetch(result.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ values: values(), items: items() })
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (mine === pending && data.index_display) { show(data); }
    });
  }

  form.addEventListener("change", function (event) {
    var cls = event.target.classList;
    if (cls.contains("whatif-value") || cls.contains("whatif-item")) { compute(); }
  });
})();

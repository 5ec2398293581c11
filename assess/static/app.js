/* Mandiri: a little JavaScript where it helps. Every page works without it. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrfToken = () => { const m = $('meta[name="csrf-token"]'); return m ? m.content : ""; };
  /* The page's texts in its language: a JSON data island written by base.html (never executed). */
  const texts = (() => {
    const island = document.getElementById("mandiri-i18n");
    try { return island ? JSON.parse(island.textContent) : {}; } catch (e) { return {}; }
  })();
  const t = (key) => texts[key] || key;

  /* Keep CSRF tokens fresh for people who keep a form open for hours. */
  function refreshCsrf() {
    fetch("/csrf", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data || !data.token) return;
        const meta = $('meta[name="csrf-token"]');
        if (meta) meta.content = data.token;
        $$('input[name="csrf_token"]').forEach((el) => { el.value = data.token; });
        /* Upload forms carry the token in their address too: the server checks it before reading the file. */
        $$('form[action*="csrf_token="]').forEach((f) => {
          const url = new URL(f.action); url.searchParams.set("csrf_token", data.token); f.action = url.toString();
        });
      })
      .catch(() => {});
  }
  setInterval(refreshCsrf, 20 * 60 * 1000);

  /* Signing out forgets this browser's unsaved drafts, so the next person at a shared computer never sees them. */
  $$("form[data-logout]").forEach((f) => f.addEventListener("submit", () => {
    Object.keys(localStorage).filter((k) => k.indexOf("mandiri-draft:") === 0).forEach((k) => localStorage.removeItem(k));
  }));

  /* A form that asks first: its data-confirm is the question (deleting a saved scenario). */
  document.addEventListener("submit", (e) => {
    const f = e.target;
    if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });

  /* Canned comments: "Sisipkan" puts the chosen text at the cursor (without JavaScript the server inserts it). */
  document.addEventListener("click", (event) => {
    const button = event.target.closest ? event.target.closest("[data-canned-insert]") : null;
    if (!button || !button.form) return;
    const select = button.form.querySelector("[data-canned-select]");
    const area = button.form.querySelector("textarea[name=body]");
    const option = select && select.options[select.selectedIndex];
    if (!area || !option || !option.getAttribute("data-body")) return;
    event.preventDefault();
    const text = option.getAttribute("data-body");
    const value = area.value;
    const start = typeof area.selectionStart === "number" ? area.selectionStart : value.length;
    const end = typeof area.selectionEnd === "number" ? area.selectionEnd : value.length;
    const before = value.slice(0, start);
    const sep = before && !/\n$/.test(before) ? "\n\n" : "";
    area.value = before + sep + text + value.slice(end);
    const caret = (before + sep + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });

  /* Autosave the answer's text in the browser and offer it back after a failed submit or a lost session. */
  const form = $("form[data-autosave]");
  if (form) {
    const key = "mandiri-draft:" + form.dataset.autosave;
    const saved = JSON.parse(form.dataset.saved || "{}");
    const names = Object.keys(saved);
    const read = () => {
      const values = {};
      names.forEach((n) => {
        const el = form.elements[n];
        if (!el) return;
        if (el instanceof RadioNodeList) values[n] = el.value || "";
        else values[n] = el.value;
      });
      return values;
    };
    const differs = (a, b) => names.some((n) => (a[n] || "") !== (b[n] || ""));
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    const banner = $("#draft-banner");
    if (draft && draft.values && differs(draft.values, saved)) {
      if (differs(draft.values, read()) && banner) {
        const when = $("[data-draft-time]", banner);
        if (when) when.textContent = new Date(draft.at).toLocaleString();
        banner.hidden = false;
      }
    } else if (draft) {
      localStorage.removeItem(key);
    }
    if (banner) {
      $("[data-draft-restore]", banner).addEventListener("click", () => {
        names.forEach((n) => {
          const el = form.elements[n];
          if (!el || draft.values[n] === undefined) return;
          if (el instanceof RadioNodeList) {
            Array.from(el).forEach((r) => { r.checked = r.value === draft.values[n]; });
          } else el.value = draft.values[n];
        });
        banner.hidden = true;
      });
      $("[data-draft-discard]", banner).addEventListener("click", () => {
        localStorage.removeItem(key);
        banner.hidden = true;
      });
    }
    let timer = null;
    const status = $("[data-autosave-status]");
    const store = () => {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: read() }));
      if (status) status.textContent = t("Draf tersimpan di peramban ini") + " " + new Date().toLocaleTimeString();
    };
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(store, 400); });
    form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(store, 400); });
    form.addEventListener("submit", store);
    /* Text typed before this script ran (a slow connection) is kept too, unless a draft is being offered back. */
    if ((!banner || banner.hidden) && differs(read(), saved)) store();

    /* Graded indicators: the value recomputed by the engine as items are ticked. */
    const valueBox = $("#graded-value");
    if (valueBox && form.dataset.valueUrl) {
      const recompute = () => {
        const data = new FormData(form);
        fetch(form.dataset.valueUrl, { method: "POST", body: data, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken() } })
          .then((r) => (r.ok ? r.json() : null))
          .then((d) => {
            if (!d) return;
            valueBox.textContent = d.display;
            const barValue = $("[data-bar-value]");
            if (barValue) barValue.textContent = d.display;
          })
          .catch(() => {});
      };
      form.addEventListener("change", (e) => {
        if (e.target.type === "checkbox" || e.target.name === "source_value") recompute();
      });
    }
  }

  /* The indicator page: the sticky bar shows the level being claimed; a save comes back to the block it was made
     from (the form's "tempat", read by the server for the address's fragment). */
  if (form) {
    const barValue = $("[data-bar-value]");
    const showLevel = (radio) => {
      const title = radio.closest("label") && $(".level-title", radio.closest("label"));
      barValue.textContent = radio.value === "0" || !title ? "–" : title.textContent.trim().replace(/^\S+\s+/, "");
    };
    form.addEventListener("change", (e) => { if (barValue && e.target.name === "level") showLevel(e.target); });
    /* A level chosen before this script ran (a slow connection) is shown too. */
    const checked = $('input[name="level"]:checked', form);
    if (barValue && checked) showLevel(checked);
    const place = $("[data-place]", form);
    if (place) {
      document.addEventListener("focusin", (e) => {
        const block = e.target.closest ? e.target.closest("[data-place-block]") : null;
        if (block && block.id) place.value = block.id;
      });
    }
  }

  /* Upload from the indicator page: a file chosen at a level or butir goes into the library and is linked there in
     one request, without leaving the page (the typed text stays); without JavaScript its "Unggah" button posts it. */
  $$("form[data-answer-upload-form]").forEach((uform) => {
    const input = document.querySelector('input[type="file"][form="' + uform.id + '"]');
    if (!input || !window.FormData || !window.XMLHttpRequest) return;
    const box = input.closest("[data-answer-upload]");
    const status = $("[data-upload-status]", box);
    const button = $("[data-upload-send]", box);
    if (button) button.hidden = true;
    const maxBytes = parseInt(uform.dataset.maxBytes, 10);
    const allowed = (uform.dataset.extensions || "").split(",");
    const say = (text, ok) => {
      status.textContent = text;
      status.className = "answer-upload-status small " + (ok ? "ok" : "error");
    };
    const addRow = (result) => {
      const table = $("[data-linked-table]");
      if (!table) return;
      const row = document.createElement("tr");
      row.setAttribute("data-testid", "linked-evidence");
      const cells = $$("thead th", table).map(() => row.appendChild(document.createElement("td")));
      const a = document.createElement("a");
      a.href = result.url; a.lang = "id"; a.textContent = result.title;
      cells[0].appendChild(a);
      if (cells[1]) cells[1].textContent = result.supports;
      cells.slice(2, 4).forEach((c) => { c.textContent = "–"; });
      $("tbody", table).appendChild(row);
      table.hidden = false;
      const none = $("[data-no-links]");
      if (none) none.hidden = true;
    };
    const send = () => {
      const file = input.files[0];
      if (!file) return;
      const ext = (file.name.split(".").pop() || "").toLowerCase();
      if (file.size > maxBytes || allowed.indexOf(ext) < 0) {
        say(file.name + ": " + (file.size > maxBytes ? uform.dataset.msgBig : uform.dataset.msgType), false);
        input.value = "";
        return;
      }
      const data = new FormData(uform);
      if (csrfToken()) data.set("unggah-csrf_token", csrfToken());
      say(uform.dataset.msgSending + " " + file.name, true);
      const xhr = new XMLHttpRequest();
      xhr.addEventListener("load", () => {
        let result = null;
        try { result = JSON.parse(xhr.responseText).results[0]; } catch (e) { result = null; }
        if (result && result.ok) {
          say(uform.dataset.msgDone + ": " + result.title, true);
          addRow(result);
        } else {
          say((result && result.name ? result.name + ": " : "") + (result && result.message ? result.message : uform.dataset.msgFailed + " (" + xhr.status + ")"), false);
        }
        input.value = "";
      });
      xhr.addEventListener("error", () => { say(uform.dataset.msgFailed, false); input.value = ""; });
      xhr.open("POST", uform.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken() || data.get("unggah-csrf_token"));
      xhr.send(data);
    };
    input.addEventListener("change", send);
    /* A file chosen before this script ran (a slow connection) is sent too, not silently dropped. */
    if (input.files.length) send();
  });

  /* Upload: drag and drop, size and type checked before sending, one request and one progress bar per file. */
  const upload = $("#upload-form");
  if (upload && window.FormData && window.XMLHttpRequest) {
    const input = $('input[type="file"]', upload);
    const list = $("#upload-list");
    const zone = $("#dropzone");
    const maxBytes = parseInt(upload.dataset.maxBytes, 10);
    const allowed = (upload.dataset.extensions || "").split(",");
    const mb = (n) => (n / 1048576).toFixed(1) + " MB";
    let queue = [];

    const addFiles = (files) => {
      Array.from(files).forEach((file) => {
        const li = document.createElement("li");
        const ext = (file.name.split(".").pop() || "").toLowerCase();
        li.innerHTML = '<span class="name"></span> <span class="size muted small"></span> <progress max="100" value="0"></progress> <span class="msg"></span>';
        $(".name", li).textContent = file.name;
        $(".size", li).textContent = mb(file.size);
        if (file.size > maxBytes) {
          $(".msg", li).textContent = t("Terlalu besar: batasnya") + " " + mb(maxBytes) + ".";
          li.className = "error";
        } else if (allowed.indexOf(ext) < 0) {
          $(".msg", li).textContent = t("Jenis berkas tidak diterima.");
          li.className = "error";
        } else {
          queue.push({ file, li });
        }
        list.appendChild(li);
      });
    };
    input.addEventListener("change", () => { addFiles(input.files); });
    /* Files chosen before this script ran (a slow connection) are queued too, not silently dropped. */
    if (input.files.length) addFiles(input.files);
    ["dragenter", "dragover"].forEach((ev) => zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach((ev) => zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
    zone.addEventListener("drop", (e) => { addFiles(e.dataTransfer.files); });

    const send = (entry) => new Promise((resolve) => {
      const data = new FormData();
      data.append("csrf_token", csrfToken() || $('input[name="csrf_token"]', upload).value);
      const owner = upload.elements.owner_unit_id;
      if (owner) data.append("owner_unit_id", owner.value);
      data.append("files", entry.file, entry.file.name);
      const xhr = new XMLHttpRequest();
      const bar = $("progress", entry.li);
      const msg = $(".msg", entry.li);
      xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); });
      xhr.addEventListener("load", () => {
        let result = null;
        try { const body = JSON.parse(xhr.responseText); result = body.results ? body.results[0] : body; } catch (e) { result = null; }
        if (result && result.ok) {
          bar.value = 100;
          entry.li.className = "ok";
          msg.innerHTML = '<a></a>';
          $("a", msg).href = result.url;
          $("a", msg).textContent = t("Tersimpan") + ": " + result.title;
        } else {
          entry.li.className = "error";
          msg.textContent = result && result.message ? result.message : t("Gagal mengunggah") + " (" + xhr.status + ")";
          if (result && result.existing_url) {
            const a = document.createElement("a"); a.href = result.existing_url; a.textContent = " " + t("Lihat dokumen yang ada");
            msg.appendChild(a);
          }
        }
        resolve(result && result.ok);
      });
      xhr.addEventListener("error", () => { entry.li.className = "error"; msg.textContent = t("Koneksi terputus; coba lagi."); resolve(false); });
      xhr.open("POST", upload.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken() || $('input[name="csrf_token"]', upload).value);
      xhr.send(data);
    });

    upload.addEventListener("submit", async (e) => {
      e.preventDefault();
      const todo = queue; queue = [];
      let any = false;
      for (const entry of todo) { if (await send(entry)) any = true; }
      input.value = "";
      if (any && !$("#reload-library")) {
        const a = document.createElement("a");
        a.id = "reload-library"; a.href = window.location.href; a.className = "button";
        a.textContent = t("Perbarui daftar dokumen");
        list.after(a);
      }
    });
  }
})();

// Export progress: poll the job's status; the page reloads when the export has finished or failed.
(function () {
  const box = document.getElementById("export-progress");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const set = (sel, text) => { const el = box.querySelector(sel); if (el) el.textContent = text; };
  async function poll() {
    try {
      const res = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (res.ok) {
        const s = await res.json();
        const bar = box.querySelector("[data-export-bar]");
        if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
        set("[data-export-percent]", s.percent + "%");
        set("[data-export-state]", s.state_label);
        set("[data-export-label]", s.label || "");
        if (!s.active) { window.location.reload(); return; }
      }
    } catch (e) { /* a missed poll is retried below */ }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1000);
})();

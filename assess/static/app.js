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

  /* Sizes and times in the page's language, not the browser's: "1,4 MB" and "10.32" in Indonesian. */
  const pageLocale = () => (document.documentElement.lang === "en" ? "en-GB" : "id-ID");
  const decimals = (n, places) => new Intl.NumberFormat(pageLocale(), { maximumFractionDigits: places }).format(n);
  const fileSize = (n) => {
    const units = [["GB", 1073741824, 1], ["MB", 1048576, 1], ["KB", 1024, 0]];
    for (let i = 0; i < units.length; i += 1) {
      const [unit, factor, places] = units[i];
      if (n >= factor) {
        const amount = Math.round((n / factor) * 10 ** places) / 10 ** places;
        if (amount >= 1024 && i > 0) return decimals(1, 0) + " " + units[i - 1][0];
        return decimals(amount, places) + " " + unit;
      }
    }
    return decimals(n, 0) + (pageLocale() === "en-GB" ? " bytes" : " byte");
  };
  const clockTime = (when) => when.toLocaleTimeString(pageLocale(), { hour: "2-digit", minute: "2-digit" });
  const dateTime = (when) => when.toLocaleString(pageLocale(), { dateStyle: "medium", timeStyle: "short" });

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

  /* Before the sign-in ends: a warning with "Tetap masuk" (one small request that counts as use); once it has
     ended, a link to sign in again that comes back here. The time left is shared by the tabs of this browser. */
  const sessionMeta = $('meta[name="session-expires-in"]');
  const signInAgainUrl = () => ((sessionMeta && sessionMeta.dataset.loginUrl) || "/login") + "?next="
    + encodeURIComponent(window.location.pathname + window.location.search);
  const warnBefore = sessionMeta ? parseInt(sessionMeta.dataset.warnSeconds, 10) * 1000 : 0;
  if (sessionMeta && warnBefore > 0) {
    const shared = "mandiri-session-ends";
    let ends = Date.now() + parseInt(sessionMeta.content, 10) * 1000;
    let timer = null;
    const box = document.createElement("div");
    box.id = "session-warning";
    box.className = "session-warning";
    box.setAttribute("role", "status");
    const main = $("#main");
    if (main) main.prepend(box); else document.body.prepend(box);
    const showExpired = () => {
      box.setAttribute("role", "alert");
      box.innerHTML = '<span></span> <a data-session-login></a>';
      box.firstChild.textContent = t("Sesi Anda telah berakhir. Teks yang Anda ketik tersimpan di peramban ini.");
      const link = $("[data-session-login]", box);
      link.textContent = t("Masuk lagi");
      link.href = signInAgainUrl();
    };
    const showWarning = () => {
      if (!$("[data-session-keep]", box)) {
        box.innerHTML = '<span></span> <button type="button" class="secondary" data-session-keep></button>';
        $("[data-session-keep]", box).textContent = t("Tetap masuk");
      }
      box.firstChild.textContent = t("Sesi masuk Anda berakhir pukul") + " " + clockTime(new Date(ends)) + ".";
    };
    const schedule = () => {
      clearTimeout(timer);
      const left = ends - Date.now();
      if (left <= 0) { showExpired(); return; }
      if (left <= warnBefore) {
        showWarning();
        timer = setTimeout(schedule, Math.min(left, 30000));
      } else {
        box.textContent = "";
        timer = setTimeout(schedule, Math.min(left - warnBefore, 2147483647));
      }
    };
    const extend = (seconds) => {
      ends = Date.now() + seconds * 1000;
      try { localStorage.setItem(shared, String(ends)); } catch (e) { /* private mode: this tab only */ }
      schedule();
    };
    box.addEventListener("click", (e) => {
      if (!e.target.closest("[data-session-keep]")) return;
      fetch("/sesi/tetap-masuk", { method: "POST", credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() } })
        .then((r) => r.json().catch(() => null))
        .then((d) => { if (d && d.ok) extend(d.expires_in); else { ends = 0; schedule(); } })
        .catch(() => {});
    });
    window.addEventListener("storage", (e) => {
      if (e.key === shared && e.newValue) { ends = Math.max(ends, parseInt(e.newValue, 10)); schedule(); }
    });
    schedule();
  }

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
        if (when) when.textContent = dateTime(new Date(draft.at));
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
      if (status) status.textContent = t("Draf tersimpan di peramban ini") + " " + clockTime(new Date());
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
    let queue = [];

    const addFiles = (files) => {
      Array.from(files).forEach((file) => {
        const li = document.createElement("li");
        const ext = (file.name.split(".").pop() || "").toLowerCase();
        li.innerHTML = '<span class="name"></span> <span class="size muted small"></span> <progress max="100" value="0"></progress> <span class="msg"></span>';
        $(".name", li).textContent = file.name;
        $(".size", li).textContent = fileSize(file.size);
        if (file.size > maxBytes) {
          $(".msg", li).textContent = t("Terlalu besar: batasnya") + " " + fileSize(maxBytes) + ".";
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
        } else if (xhr.status === 401 || (result && result.code === "session_lost")) {
          /* The session is gone: nothing was stored; sign in again and come back to this page. */
          entry.li.className = "error";
          msg.textContent = t("Sesi Anda telah berakhir; berkas ini belum diunggah.") + " ";
          const a = document.createElement("a");
          a.href = (result && result.login_url) || signInAgainUrl();
          a.textContent = t("Masuk lagi");
          msg.appendChild(a);
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
        set("[data-export-step]", s.progress_text || "");
        set("[data-export-state]", s.state_label);
        set("[data-export-label]", s.label || "");
        if (!s.active) { window.location.reload(); return; }
      }
    } catch (e) { /* a missed poll is retried below */ }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1000);
})();

// The top bar's menu on narrow screens: the "Menu" button shows and hides it (without JavaScript it stays open).
(function () {
  const header = document.querySelector(".topbar");
  const button = header && header.querySelector("[data-menu-toggle]");
  const menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  header.classList.add("has-menu-toggle");
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("is-open", open);
  });
})();

// Assignment: a person list marked data-units-of="<unit field>" offers only the people of the chosen unit (each
// option's data-units lists its person's units); no unit chosen, no person. The server refuses the others too.
(function () {
  document.querySelectorAll("select[data-units-of]").forEach((people) => {
    const unit = people.form && people.form.elements[people.dataset.unitsOf];
    if (!unit) return;
    const filter = () => {
      Array.from(people.options).forEach((option) => {
        if (option.dataset.units === undefined) return;
        const off = option.dataset.units.split(" ").indexOf(unit.value) < 0;
        option.hidden = off;
        option.disabled = off;
        if (off && option.selected) people.value = "0";
      });
    };
    unit.addEventListener("change", filter);
    filter();
  });
})();

// A person list that also has data-people-url lists only its unit's people (the indicator page: its length follows
// the unit, not the instansi): choosing another unit asks the server for that unit's people. Without JavaScript the
// unit is assigned first, and the page then offers its people.
(function () {
  document.querySelectorAll("select[data-people-url][data-units-of]").forEach((people) => {
    const unit = people.form && people.form.elements[people.dataset.unitsOf];
    if (!unit || !window.fetch) return;
    let asked = 0;
    unit.addEventListener("change", () => {
      asked += 1;
      const mine = asked;
      const chosen = unit.value;
      const keep = () => Array.from(people.options).filter((o) => o.dataset.units === undefined);
      const show = (found) => {
        const before = people.value;
        people.replaceChildren(...keep());
        found.forEach((p) => {
          const option = new Option(p.label, String(p.id));
          option.dataset.units = chosen;
          people.appendChild(option);
        });
        people.value = found.some((p) => String(p.id) === before) ? before : "0";
      };
      if (chosen === "0") { show([]); return; }
      const url = new URL(people.dataset.peopleUrl, window.location.href);
      url.searchParams.set("unit", chosen);
      fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((d) => { if (mine === asked) show(d.people || []); })
        .catch(() => { if (mine === asked) show([]); });
    });
  });
})();

// A block marked data-fold-narrow (open by default) starts folded on a phone-sized screen.
(function () {
  if (!window.matchMedia("(max-width: 760px)").matches) return;
  document.querySelectorAll("details[data-fold-narrow]").forEach((block) => { block.open = false; });
})();

// A select marked data-year-floor="<year field>": choosing an option with data-first-year raises a year below it
// (Pemdi 2026 is not assessed for 2025). The year stays editable.
(function () {
  document.querySelectorAll("select[data-year-floor]").forEach((select) => {
    const year = select.form && select.form.elements[select.dataset.yearFloor];
    if (!year) return;
    select.addEventListener("change", () => {
      const option = select.options[select.selectedIndex];
      const first = option ? Number(option.dataset.firstYear) : 0;
      if (first && !(Number(year.value) >= first)) year.value = String(first);
    });
  });
})();

// The indicator page's document picker: typing in the search box asks the server for matching documents (debounced)
// and lists them under it; ArrowDown/ArrowUp move through them, Enter (or a click) puts the document in the
// "Dokumen dari pustaka" choice, Escape closes the list; the live region says how many matched. Without JavaScript the
// box submits a GET to the page, which lists the matches in the choice itself.
(function () {
  const search = document.querySelector("form[data-doc-search]");
  const input = search && search.querySelector('input[type="search"]');
  const list = search && search.querySelector('[role="listbox"]');
  const status = search && search.querySelector('[role="status"]');
  const select = search && document.getElementById(search.dataset.select);
  if (!input || !list || !status || !select || !window.fetch) return;
  const linkForm = select.form;
  let results = [];
  let active = -1;
  let asked = 0;
  let timer = null;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  const say = (text) => { status.textContent = text; };
  const close = () => {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const highlight = (index) => {
    active = index;
    Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    const li = list.children[index];
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const show = (found, text) => {
    results = found;
    list.textContent = "";
    found.forEach((doc) => {
      const li = document.createElement("li");
      li.id = list.id + "-" + doc.id;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.lang = "id";
      const title = document.createElement("span");
      title.className = "doc-search-title";
      title.textContent = doc.title;
      li.appendChild(title);
      const more = [doc.number, doc.file_name].filter(Boolean).join(" · ");
      if (more) {
        const small = document.createElement("span");
        small.className = "doc-search-more small muted";
        small.textContent = more;
        li.appendChild(small);
      }
      list.appendChild(li);
    });
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(found.length > 0));
    active = -1;
    input.removeAttribute("aria-activedescendant");
    say(text);
  };
  const choose = (index) => {
    const doc = results[index];
    if (!doc) return;
    let option = Array.from(select.options).find((o) => o.value === String(doc.id));
    if (!option) {
      option = new Option(doc.title, String(doc.id));
      select.insertBefore(option, select.firstChild);
    }
    select.value = String(doc.id);
    if (linkForm) linkForm.hidden = false;
    input.value = doc.title;
    close();
    say((search.dataset.msgChosen || "{title}").replace("{title}", doc.title));
  };
  const ask = () => {
    clearTimeout(timer);
    const q = input.value.trim();
    asked += 1;
    const mine = asked;
    if (!q) { close(); results = []; say(status.dataset.initial || ""); return; }
    const url = new URL(search.dataset.searchUrl, window.location.href);
    url.searchParams.set("q", q);
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((d) => { if (mine === asked) show(d.results || [], d.status || ""); })
      .catch(() => { if (mine === asked) { close(); say(search.dataset.msgFailed || ""); } });
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 250); });
  input.addEventListener("keydown", (e) => {
    const open = !list.hidden && results.length > 0;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!results.length) return;
      e.preventDefault();
      if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      const step = e.key === "ArrowDown" ? 1 : -1;
      highlight(active < 0 ? (step > 0 ? 0 : results.length - 1) : (active + step + results.length) % results.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (open && active >= 0) choose(active); else ask();
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      close();
    }
  });
  search.addEventListener("submit", (e) => { e.preventDefault(); ask(); });
  /* A press on an option keeps the focus in the box; its click chooses it. */
  list.addEventListener("mousedown", (e) => e.preventDefault());
  list.addEventListener("click", (e) => {
    const li = e.target.closest('[role="option"]');
    if (li) choose(Array.from(list.children).indexOf(li));
  });
  input.addEventListener("blur", close);
})();

/* ViorNet field app: IndexedDB (idb) as the local database, an outbox of numbered
   operations pushed to /api/v1/sync/push, changes pulled from /api/v1/sync/pull. */
"use strict";
const T = JSON.parse(document.getElementById("i18n").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
let db, tab = "sell", receipt = null, status = "", editing = null;
let key = null;       // the AES-GCM key that seals codes at rest: in memory only, never stored clear
let pinMode = null;   // "set" or "unlock" while the PIN screen shows; its promise resolves after
let pinDone = null, syncing = null;

/* --- Codes at rest: sealed with AES-GCM under a random per-device key. That key is stored only
   wrapped (AES-KW) twice: by the server's per-user secret (/api/v1/sync/key, online) and by a
   key derived with PBKDF2 from the agent's PIN (offline, for FIELD_APP_OFFLINE_DAYS). --- */
const te = new TextEncoder(), td = new TextDecoder();
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const SECRET_FIELDS = ["code", "password", "payload", "detail", "reason", "device_value", "server_value",
  "sms_phone", "sms_note"];  // a sale's SMS number and what the server said of it
const PIN_ITERATIONS = 200000, MAX_PIN_FAILURES = 5;

async function seal(value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, te.encode(JSON.stringify(value)));
  return { iv: b64(iv), ct: b64(ct) };
}
async function unseal(box) {
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv) }, key, unb64(box.ct));
  return JSON.parse(td.decode(pt));
}
/* A record as stored: its secret fields moved into one sealed box; the rest (ids, status,
   amounts: what the screens filter on) stays readable. */
async function sealed(rec) {
  const secret = {}, rest = {};
  for (const [k, v] of Object.entries(rec)) (SECRET_FIELDS.includes(k) ? secret : rest)[k] = v;
  if (!Object.keys(secret).length) return rest;
  const prior = rest.box ? await unseal(rest.box) : {};
  return { ...rest, box: await seal({ ...prior, ...secret }) };
}
async function opened(rec) {
  if (!rec || !rec.box) return rec;
  const { box, ...rest } = rec;
  return { ...rest, ...(await unseal(box)) };
}
async function serverKek(secret) {
  return crypto.subtle.importKey("raw", unb64(secret), "AES-KW", false, ["wrapKey", "unwrapKey"]);
}
async function pinKek(pin, salt) {
  const base = await crypto.subtle.importKey("raw", te.encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", salt, iterations: PIN_ITERATIONS, hash: "SHA-256" },
    base, { name: "AES-KW", length: 256 }, false, ["wrapKey", "unwrapKey"]);
}
const wrap = async (kek) => b64(await crypto.subtle.wrapKey("raw", key, kek, "AES-KW"));
const unwrap = (wrapped, kek) => crypto.subtle.unwrapKey("raw", unb64(wrapped), kek, "AES-KW",
  { name: "AES-GCM" }, true, ["encrypt", "decrypt"]);

async function wipe() {
  key = null;
  db.close();
  await idb.deleteDB("viornet-field");
}

/* Online: the server's secret unwraps (or first wraps) the key and opens the offline window;
   the first time, the agent sets a PIN. Offline: the PIN unwraps it, within the window. */
async function unlock() {
  let info = null;
  if (navigator.onLine) {  // (no request at all offline: it would only fail)
    try { info = await api("/api/v1/sync/key"); } catch (e) { if (e.message === "401" || e.message === "403") return false; }
  }
  if (info) {
    const before = await db.get("meta", "user");
    if (before && before !== info.user) {
      const waiting = await db.count("outbox");
      if (waiting) {  // what the other person sold here is not sent: it must not vanish
        document.getElementById("main").innerHTML =
          `<p class="card" id="other-user">${esc(T.other_user.replace("%(n)s", waiting))}</p>`;
        document.body.dataset.locked = "1";
        return false;
      }
      await wipe(); await open();  // another person signs in on this phone: start clean
    }
    await db.put("meta", info.user, "user");
    await db.put("meta", { technician: info.technician, sites: info.sites }, "profile");
    await db.put("meta", { bytes: info.max_push_bytes, ops: info.max_push_ops }, "push_limits");
    const kek = await serverKek(info.secret);
    const wrapped = await db.get("meta", "key_server");
    if (wrapped) { try { key = await unwrap(wrapped, kek); } catch { key = null; } }
    if (!key && wrapped && (await db.get("meta", "key_pin"))) {
      await askPin("unlock");  // the password changed: the PIN still opens the old key
      if (!key) return false;
    }
    if (!key) {
      key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
      for (const s of ["vouchers", "sales", "conflicts", "outbox"]) await db.clear(s);  // unreadable now
      await db.delete("meta", "cursor");
      await db.delete("meta", "key_pin");
    }
    await db.put("meta", await wrap(kek), "key_server");
    await db.put("meta", Date.now() + info.offline_days * 86400e3, "unlock_until");
    await db.put("meta", 0, "pin_failures");
    await db.put("meta", info.pin_min_digits || PIN_MIN_DIGITS, "pin_min_digits");
    // No PIN yet, or one set under a weaker rule (4 digits before): choose one now.
    const policy = (await db.get("meta", "pin_policy")) || 0;
    if (!(await db.get("meta", "key_pin")) || policy < (info.pin_min_digits || PIN_MIN_DIGITS)) await askPin("set");
    return true;
  }
  const until = await db.get("meta", "unlock_until");
  if (!(await db.get("meta", "key_pin")) || !until || Date.now() > until) {
    document.getElementById("main").innerHTML = `<p class="card" id="locked">${esc(T.need_online)}</p>`;
    document.body.dataset.locked = "1";
    return false;
  }
  await askPin("unlock");
  return !!key;
}

const PIN_MIN_DIGITS = 6;
function weakPin(pin) {  // one digit repeated, a straight run up or down, or a repeated pair
  const d = [...pin].map(Number);
  const steps = new Set(d.slice(1).map((x, i) => (x - d[i] + 10) % 10));
  if (steps.size === 1 && [0, 1, 9].includes([...steps][0])) return true;
  return pin.length % 2 === 0 && pin === pin.slice(0, 2).repeat(pin.length / 2);
}
function askPin(mode) {
  pinMode = mode;
  render();
  return new Promise((resolve) => { pinDone = resolve; });
}

async function submitPin(ev) {
  ev.preventDefault();
  const pin = ev.target.pin.value;
  const msg = document.getElementById("pin-msg");
  if (pinMode === "set") {
    const least = (await db.get("meta", "pin_min_digits")) || PIN_MIN_DIGITS;
    if (!new RegExp(`^\\d{${least},12}$`).test(pin)) { msg.textContent = T.pin_format.replace("%(n)s", least); return; }
    if (weakPin(pin)) { msg.textContent = T.pin_weak; return; }
    await db.put("meta", least, "pin_policy");
    const salt = crypto.getRandomValues(new Uint8Array(16));
    await db.put("meta", b64(salt), "pin_salt");
    await db.put("meta", await wrap(await pinKek(pin, salt)), "key_pin");
  } else {
    if (!/^\d{4,12}$/.test(pin)) { msg.textContent = T.pin_wrong_format; return; }  // 4: set before
    try {
      key = await unwrap(await db.get("meta", "key_pin"), await pinKek(pin, unb64(await db.get("meta", "pin_salt"))));
      await db.put("meta", 0, "pin_failures");
    } catch {
      const failures = ((await db.get("meta", "pin_failures")) || 0) + 1;
      if (failures >= MAX_PIN_FAILURES) {
        await wipe();
        pinMode = null;
        document.getElementById("main").innerHTML = `<p class="card" id="wiped">${esc(T.pin_wiped)}</p>`;
        document.body.dataset.wiped = "1";
        pinDone(false);
        return;
      }
      await db.put("meta", failures, "pin_failures");
      msg.textContent = T.pin_wrong.replace("%(n)s", MAX_PIN_FAILURES - failures);
      ev.target.reset();
      return;
    }
  }
  pinMode = null;
  pinDone(true);
}

async function signOut() {
  if (await db.count("outbox")) await syncNow();
  if (await db.count("outbox")) { status = T.sync_first; render(); return; }  // cash taken: not lost
  await wipe();
  await fetch("/accounts/logout/", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": CSRF } });
  location.href = "/accounts/login/?next=/app/";
}

async function open() {
  db = await idb.openDB("viornet-field", 2, {
    upgrade(d, oldVersion) {
      if (oldVersion < 1) {
        d.createObjectStore("meta");
        d.createObjectStore("outbox", { keyPath: "seq" });
        for (const s of ["vouchers", "clients", "sales", "packages", "conflicts"]) {
          d.createObjectStore(s, { keyPath: "id" });
        }
      }
      if (oldVersion < 2) d.createObjectStore("faults", { keyPath: "id" });  // technicians
    },
  });
  if (!(await db.get("meta", "device_id"))) {
    await db.put("meta", crypto.randomUUID(), "device_id");
    await db.put("meta", 0, "seq");
  }
}

const now = () => new Date().toISOString();
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

async function enqueue(op, entity, id, payload) {
  const box = await seal(payload);  // before the transaction: an await on crypto would end it
  const tx = db.transaction(["meta", "outbox"], "readwrite");
  const seq = (await tx.objectStore("meta").get("seq")) + 1;
  await tx.objectStore("meta").put(seq, "seq");
  await tx.objectStore("outbox").put({
    device_id: await tx.objectStore("meta").get("device_id"),
    seq, op, entity, id, box, client_time: now(),
  });
  await tx.done;
}

async function sell(packageId) {
  const method = document.getElementById("method").value;
  const ref = document.getElementById("ref").value.trim();
  const clientId = document.getElementById("client").value;  // an existing client, or none
  const client = clientId ? await db.get("clients", clientId) : null;
  const phone = client ? client.phone : document.getElementById("phone").value.trim();
  const stock = (await db.getAll("vouchers")).filter((v) => v.package_id === packageId && v.status === "unused");
  if (!stock.length) return;
  stock.sort((a, b) => a.id - b.id);
  const v = await opened(stock[0]);
  await db.put("vouchers", { ...stock[0], status: "sold", is_synced: false, updated_at: now() });
  const id = crypto.randomUUID();
  const pkg = await db.get("packages", packageId);
  const payload = { code: v.code, payment_method: method };
  if (method === "mobile") payload.payment_reference = ref;
  if (client) payload.client_id = client.id;
  else if (phone) payload.client_phone = phone;
  await db.put("sales", await sealed({ id, code: v.code, package_id: packageId, amount: pkg.price, client_id: clientId || null,
    sms_phone: phone, payment_method: method, sold_at: now(), is_synced: false, last_synced_at: null, updated_at: now() }));
  await enqueue("sell", "sale", id, payload);
  receipt = { id };
  render();
}

async function saveClient(ev) {
  ev.preventDefault();
  const f = ev.target;
  const fields = { name: f.name.value.trim(), phone: f.phone.value.trim(), notes: f.notes.value.trim() };
  if (f.client_id.value) {  // an edit: send the values it replaces, so the server can tell
    const old = await db.get("clients", f.client_id.value);
    const changed = {}, base = {};
    for (const k of Object.keys(fields)) {
      if (fields[k] !== (old[k] || "")) { changed[k] = fields[k]; base[k] = old[k] || ""; }
    }
    if (Object.keys(changed).length) {
      await db.put("clients", { ...old, ...changed, is_synced: false, updated_at: now() });
      await enqueue("update", "client", old.id, { fields: changed, base });
    }
  } else {
    const id = crypto.randomUUID();
    await db.put("clients", { id, ...fields, is_synced: false, last_synced_at: null, updated_at: now() });
    await enqueue("create", "client", id, fields);
  }
  editing = null;
  f.reset();
  render();
}

async function api(path, body) {
  const r = await fetch(path, {
    method: body ? "POST" : "GET", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (r.status === 401 || r.status === 403) {
    // Signed out or deactivated: nothing waiting → wipe the phone's copy; else keep it until
    // someone signs in again and sends it (cash already taken must not vanish).
    if (!(await db.count("outbox"))) {
      db.close();
      await idb.deleteDB("viornet-field");
    }
    location.href = "/accounts/login/?next=/app/";
    throw new Error(r.status);
  }
  if (!r.ok) {  // the server answered and refused: say why (not "offline?")
    const refused = new Error(r.status);
    try { refused.detail = (await r.json()).detail || ""; } catch { refused.detail = ""; }
    throw refused;
  }
  return r.json();
}

const STORE = { voucher: "vouchers", client: "clients", sale: "sales", package: "packages", fault: "faults" };

let again = false, refusal = null;  // why the server refused the last sync, if it did
function syncNow() {
  document.body.dataset.sync = "running";  // set before any await: a test (or a tap) sees it at once
  if (syncing) { again = true; return syncing; }  // asked meanwhile: one more round after this one
  const badge = document.getElementById("badge");
  badge.classList.add("syncing");  // the badge shows a sync under way (started by hand or by itself)
  syncing = (async () => {
    let ok;
    do { again = false; ok = await doSync(); } while (again && ok);
    status = ok ? T.synced : refusal !== null ? T.sync_refused.replace("%(why)s", refusal || T.no_reason) : T.sync_failed;
    document.body.dataset.sync = ok ? "done" : "failed";
    await render();
  })().finally(() => { syncing = null; badge.classList.remove("syncing"); });
  return syncing;
}

async function forgetSynced() {
  for (const store of Object.values(STORE)) {
    for (const rec of await db.getAll(store)) if (rec.is_synced) await db.delete(store, rec.id);
  }
  await db.delete("meta", "cursor");
}
const PUSH_MAX_OPS = 200, PUSH_MAX_BYTES = 4 * 1024 * 1024;  // until the server has said its own
async function doSync() {  // one round: push everything, pull everything; true if it went through
  refusal = null;
  if (!key) return false;
  status = "…"; render();
  try {
    const limits = (await db.get("meta", "push_limits")) || {};
    // The server refuses a body over its limit unread: leave room for the envelope.
    const maxBytes = Math.floor((limits.bytes || PUSH_MAX_BYTES) * 0.9);
    const maxOps = Math.min(limits.ops || PUSH_MAX_OPS, PUSH_MAX_OPS);
    for (;;) {  // push the outbox in order, in pushes under the server's limits (photos add up)
      const queued = (await db.getAll("outbox")).sort((a, b) => a.seq - b.seq).slice(0, maxOps);
      const ops = [];
      let size = 16;  // {"ops":[]}
      for (const { box, ...op } of queued) {
        const full = { ...op, payload: await unseal(box) };
        const bytes = te.encode(JSON.stringify(full)).length + 1;
        if (ops.length && size + bytes > maxBytes) break;  // the rest goes in the next push
        ops.push(full);
        size += bytes;
      }
      if (!ops.length) break;
      const { results } = await api("/api/v1/sync/push", { ops });
      let progressed = false;
      for (const [i, r] of results.entries()) {
        if (r.retry) continue;
        progressed = true;
        await db.delete("outbox", ops[i].seq);
        for (const c of r.conflicts || []) await db.put("conflicts", await sealed({ ...c, reason: r.reason, seq: r.seq }));
        if (r.outcome === "rejected") await db.put("conflicts", await sealed({ id: "r" + r.seq, kind: "rejected", detail: r.reason, seq: r.seq }));
        if (ops[i].entity === "client" && r.outcome === "rejected") {  // kept here, marked: see Sync
          const local = await db.get("clients", ops[i].id);
          if (local) await db.put("clients", { ...local, refused: true, is_synced: true });
        }
        if (r.record && ops[i].entity === "client" && r.record.id) {
          if (r.record.id !== ops[i].id) await db.delete("clients", ops[i].id);
          await db.put("clients", { ...r.record, is_synced: true, last_synced_at: now() });
        }
        if (ops[i].op === "send_sms") {  // the receipt SMS: queued (or logged) or refused, and why
          const local = await db.get("sales", ops[i].id);
          const sms = { state: r.outcome === "applied" ? r.record.sms.state : "refused", via: ops[i].payload.via };
          const said = { sms_note: r.reason || "", sms_phone: (r.record && r.record.sms.phone) || ops[i].payload.phone || "" };
          if (local) await db.put("sales", await sealed({ ...local, sms, ...said }));
          continue;
        }
        if (ops[i].entity === "sale" && r.outcome !== "applied") {  // cash taken, no sale: flagged
          const local = await db.get("sales", ops[i].id);
          if (local) await db.put("sales", { ...local, conflict: true, is_synced: true, last_synced_at: now() });
        }
        if (ops[i].entity === "fault") {  // a reported fault: the server's record replaces the phone's
          if (r.outcome !== "applied") {
            const local = await db.get("faults", ops[i].id);
            if (local) await db.put("faults", { ...local, refused: true, is_synced: true });
          } else if (r.record) {
            if (r.record.id !== ops[i].id) await db.delete("faults", ops[i].id);
            await db.put("faults", { ...r.record, is_synced: true, last_synced_at: now() });
          }
        }
        if (r.record && ops[i].entity === "sale") {
          await db.put("sales", await sealed({ ...(await db.get("sales", ops[i].id)), ...r.record, id: ops[i].id,
            is_synced: true, last_synced_at: now() }));
        }
      }
      if (!progressed) break;
    }
    let cursor = await db.get("meta", "cursor");
    for (;;) {  // pull every page
      const query = new URLSearchParams({ device_id: await db.get("meta", "device_id") });
      if (cursor) query.set("cursor", cursor);
      let page;
      try { page = await api("/api/v1/sync/pull?" + query); } catch (e) {
        if (e.message !== "410" || !cursor) throw e;
        // The server pruned its change feed past this phone's cursor: copy everything again.
        // What is not synced yet (and the outbox) stays.
        await forgetSynced();
        cursor = null;
        continue;
      }
      const writes = [];  // sealed first: an await on crypto inside the transaction would end it
      for (const c of page.changes) {
        const store = STORE[c.entity];
        if (!store) continue;
        if (c.deleted) { writes.push([store, "delete", c.entity === "voucher" ? Number(c.id) : c.id]); continue; }
        const id = c.entity === "sale" ? c.data.idempotency_key : c.data.id;  // sales: by their idempotency key
        const prior = c.entity === "sale" ? (await db.get("sales", id)) || {} : {};
        let kept = {};  // a sale's SMS: the phone's own, kept when the sale comes again
        if (prior.sms) { const o = await opened(prior); kept = { sms: o.sms, sms_phone: o.sms_phone, sms_note: o.sms_note }; }
        writes.push([store, "put", await sealed({ ...kept, ...c.data, id, is_synced: true, last_synced_at: now() })]);
      }
      const tx = db.transaction(["vouchers", "clients", "sales", "packages", "faults", "meta"], "readwrite");
      for (const [store, how, value] of writes) await tx.objectStore(store)[how](value);
      cursor = page.cursor;
      await tx.objectStore("meta").put(cursor, "cursor");
      if (page.summary) await tx.objectStore("meta").put(page.summary, "summary");
      for (const [saleId, sms] of Object.entries((page.summary || {}).sms || {})) {
        const local = await tx.objectStore("sales").get(saleId);
        if (local) await tx.objectStore("sales").put({ ...local, sms: { ...local.sms, state: sms.state } });
      }
      await tx.done;
      if (!page.more) break;
    }
    await db.put("meta", now(), "last_synced_at");
    return true;
  } catch (e) {
    if (e.detail !== undefined) refusal = e.detail;  // what waits stays in the outbox
    return false;
  }
}

/* --- A sale's receipt SMS: through the phone's own SMS app (an sms: link, no data needed; the
   next sync logs it, so the office's gateway sends no second copy), or queued for the SMS
   gateway (send_sms). One per sale: once asked, the gateway button stays off unless the server
   refused it (a wrong number) or it failed or expired at the gateway (then it is sent again,
   "again": the failed one stays in the office's log); the state comes back with each sync. --- */
const SMS_FAILED = ["failed", "expired"];  // states after which the server sends it once more
const SMS_AGAIN = ["refused", ...SMS_FAILED];  // states after which the gateway may be asked again
async function saleView(rec) {  // what the SMS card shows of a local sale
  const sale = await opened(rec);
  const pkg = (await db.get("packages", sale.package_id)) || {};
  const client = sale.client_id ? await db.get("clients", sale.client_id) : null;
  return { ...sale, package: pkg.name || "", phone: sale.sms_phone || (client && client.phone) || "" };
}
const smsText = (s) => T.sms_text.replace("%(code)s", s.code).replace("%(package)s", s.package);
const smsHref = (s, phone) => "sms:" + encodeURIComponent(phone || "") + "?body=" + encodeURIComponent(smsText(s));
function smsCard(s) {
  const state = (s.sms || {}).state || "";
  const asked = state && !SMS_AGAIN.includes(state);
  const said = state ? `${esc(T["sms_state_" + state] || state)}${s.sms_note ? ": " + esc(s.sms_note) : ""}` : "";
  return `<div class="sms" data-sms-sale="${esc(s.id)}">
    <input type="tel" name="sms_phone" value="${esc(s.phone)}" placeholder="${esc(T.sms_number)}" aria-label="${esc(T.sms_number)}">
    <a class="primary" data-sms-via="phone" href="${esc(smsHref(s, s.phone))}">${esc(T.sms_phone_app)}</a>
    <button class="secondary" type="button" data-sms-via="gateway"${asked ? " disabled" : ""}>${esc(SMS_FAILED.includes(state) ? T.sms_gateway_again : T.sms_gateway)}</button>
    <p class="sms-state" data-state="${esc(state)}" role="status">${said}</p></div>`;
}
function bindSms(main, views) {
  for (const card of main.querySelectorAll("[data-sms-sale]")) {
    const s = views.get(card.dataset.smsSale);
    const input = card.querySelector("[name='sms_phone']");
    const link = card.querySelector("[data-sms-via='phone']");
    input.oninput = () => { link.href = smsHref(s, input.value.trim()); };
    link.onclick = () => { queueSms(s, "phone", input.value.trim()); };  // the link opens the SMS app
    card.querySelector("[data-sms-via='gateway']").onclick = () => queueSms(s, "gateway", input.value.trim());
  }
}
async function queueSms(s, via, phone) {
  const rec = await db.get("sales", s.id);
  const state = ((rec && rec.sms) || {}).state;
  if (!rec || (state && !SMS_AGAIN.includes(state))) return;  // asked once already: not twice
  const payload = { via };
  if (SMS_FAILED.includes(state)) payload.again = true;
  if (phone) payload.phone = phone;
  if (via === "phone") payload.text = smsText(s);
  await db.put("sales", await sealed({ ...rec, sms: { state: "waiting", via }, sms_phone: phone, sms_note: "" }));
  await enqueue("send_sms", "sale", s.id, payload);
  render();
}

/* --- Technicians: my faults, report one (with a photo, resized here), log a repair. --- */
const PHOTO_MAX_PX = 1280, PHOTO_QUALITY = 0.8;
let photo = null, repairing = null;

async function resizePhoto(file) {
  // The phone's camera gives megabytes: draw it at most PHOTO_MAX_PX wide or high, as JPEG.
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", PHOTO_QUALITY);
}

async function reportFault(ev) {
  ev.preventDefault();
  const f = ev.target;
  const id = crypto.randomUUID();
  const fields = { site_id: f.site_id.value, description: f.description.value.trim(),
    severity: f.severity.value, service_down: f.service_down.checked };
  await db.put("faults", { id, ...fields, status: "reported", reported_at: now(), has_photo: !!photo,
    is_synced: false, last_synced_at: null, updated_at: now() });
  await enqueue("report_fault", "fault", id, photo ? { ...fields, photo } : fields);
  photo = null;
  f.reset();
  render();
}

async function logRepair(ev) {
  ev.preventDefault();
  const f = ev.target;
  const fault = await db.get("faults", f.fault_id.value);
  const payload = { diagnosis: f.diagnosis.value.trim(), actions: f.actions.value.trim(),
    minutes_spent: Number(f.minutes_spent.value), cost: f.cost.value || "0" };
  for (const name of ["parts_installed", "parts_removed"]) {  // equipment ids, if any chosen
    const chosen = [...f.querySelectorAll(`[name='${name}']:checked`)].map((el) => el.value);
    if (chosen.length) payload[name] = chosen;
  }
  await enqueue("record_repair", "fault", fault.id, payload);
  await db.put("faults", { ...fault, status: "repaired", is_synced: false, updated_at: now() });
  repairing = null;
  render();
}

async function renderFaults(main) {
  const profile = (await db.get("meta", "profile")) || { sites: [] };
  const me = await db.get("meta", "user");
  const faults = (await db.getAll("faults")).sort((a, b) => (b.reported_at || "").localeCompare(a.reported_at || ""));
  const site = (id) => (profile.sites.find((s) => s.id === id) || {}).name || "";
  const r = repairing && faults.find((x) => x.id === repairing);
  let html = "";
  if (r) {
    // parts as of the last sync: put in from stock, taken out from the fault's site
    const parts = ((await db.get("meta", "summary")) || {}).parts || [];
    const pick = (name, list) => list.length ? `<fieldset class="parts" id="${name}"><legend>${esc(T[name])}</legend>${
      list.map((p) => `<label><input type="checkbox" name="${name}" value="${esc(p.id)}"> ${esc(p.label)}</label>`).join("")}</fieldset>` : "";
    html += `<form id="repair-form" class="card"><input type="hidden" name="fault_id" value="${esc(r.id)}">
      <div>${esc(T.repair_of)}: ${esc(r.description)}</div>
      <input name="diagnosis" required placeholder="${esc(T.diagnosis)}">
      <input name="actions" required placeholder="${esc(T.actions)}">
      <input name="minutes_spent" type="number" min="1" required placeholder="${esc(T.minutes)}">
      <input name="cost" type="number" min="0" step="any" placeholder="${esc(T.cost)}">
      ${pick("parts_installed", parts.filter((p) => p.status === "in_stock"))}
      ${pick("parts_removed", parts.filter((p) => p.site_id === r.site_id && p.status !== "in_repair"))}
      <button class="primary">${esc(T.log_repair)}</button></form>`;
  }
  html += `<h3>${esc(T.my_faults)}</h3><ul id="faults">${faults.map((x) => {
    const mine = x.assigned_to_id === me && x.status === "assigned";
    return `<li data-fault="${esc(x.id)}">${esc(site(x.site_id))} · ${esc(x.description)} · <b>${esc(T["status_" + x.status] || x.status)}</b>` +
      `${x.is_synced ? "" : " ⏳"}${x.refused ? " ⚠" : ""}${mine ? ` <button data-repair="${esc(x.id)}">${esc(T.log_repair)}</button>` : ""}</li>`;
  }).join("")}</ul>
    <form id="fault-form" class="card"><h3>${esc(T.report_fault)}</h3>
      <select name="site_id" required>${profile.sites.map((s) => `<option value="${esc(s.id)}">${esc(s.name)}</option>`).join("")}</select>
      <input name="description" required placeholder="${esc(T.what_is_wrong)}">
      <select name="severity"><option value="minor">${esc(T.sev_minor)}</option><option value="major">${esc(T.sev_major)}</option>
        <option value="critical">${esc(T.sev_critical)}</option></select>
      <label><input type="checkbox" name="service_down" style="width:auto"> ${esc(T.service_down)}</label>
      <label>${esc(T.photo)} <input id="photo" type="file" accept="image/*" capture="environment"></label>
      <p id="photo-status"${photo ? ' data-ready="1"' : ""}>${photo ? esc(T.photo_ready) : ""}</p>
      <div id="photo-box"${photo ? "" : " hidden"}><img id="photo-preview" alt="${esc(T.photo_preview)}" src="${photo ? esc(photo) : ""}">
        <button type="button" class="secondary" id="photo-drop">${esc(T.photo_drop)}</button></div>
      <button class="primary">${esc(T.report_fault)}</button></form>`;
  main.innerHTML = html;
  main.querySelector("#fault-form").onsubmit = reportFault;
  if (r) main.querySelector("#repair-form").onsubmit = logRepair;
  for (const b of main.querySelectorAll("[data-repair]")) b.onclick = () => { repairing = b.dataset.repair; render(); };
  document.getElementById("photo").onchange = async (e) => {
    const file = e.target.files[0];
    const out = document.getElementById("photo-status");
    photo = null;
    if (!file) return;
    try { photo = await resizePhoto(file); out.textContent = T.photo_ready; } catch { out.textContent = T.photo_bad; }
    out.dataset.ready = photo ? "1" : "0";
    // what will be sent, as it will be sent (resized): seen before the report goes
    document.getElementById("photo-preview").src = photo || "";
    document.getElementById("photo-box").hidden = !photo;
  };
  document.getElementById("photo-drop").onclick = () => {
    photo = null;
    document.getElementById("photo").value = "";
    document.getElementById("photo-box").hidden = true;
    const out = document.getElementById("photo-status");
    out.textContent = "";
    out.dataset.ready = "0";
  };
}

function renderPin() {
  document.getElementById("net").textContent = navigator.onLine ? T.online : T.offline;
  const main = document.getElementById("main");
  main.innerHTML = `<form id="pin-form" class="card"><p>${esc(pinMode === "set" ? T.pin_set : T.pin_unlock)}</p>
    <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" required>
    <button class="primary">${esc(pinMode === "set" ? T.save : T.unlock)}</button><p id="pin-msg"></p></form>`;
  main.querySelector("form").onsubmit = submitPin;
  document.getElementById("pin").focus();
}

/* A screen is drawn again when data changes (a sync ended, a sale was made): what the person
   was typing in a form stays, and so does the field they were in. */
const formKey = (form) => form.id + "|" + [...form.elements].filter((el) => el.type === "hidden").map((el) => el.value).join("|");
const fieldKey = (el) => (el.type === "checkbox" ? `${el.name}=${el.value}` : el.name);  // a list of boxes: each
function formState() {  // a form is the same form again if its id and its hidden ids are
  const saved = new Map();
  for (const form of document.querySelectorAll("#main form[id]")) {
    const fields = new Map();
    for (const el of form.elements) {
      if (!el.name || el.type === "file" || el.type === "hidden") continue;
      fields.set(fieldKey(el), [el.type === "checkbox" ? el.checked : el.value, el === document.activeElement]);
    }
    saved.set(formKey(form), fields);
  }
  return saved;
}
function restoreForms(saved) {
  for (const form of document.querySelectorAll("#main form[id]")) {
    const fields = saved.get(formKey(form));
    if (!fields) continue;
    for (const el of form.elements) {
      const kept = el.name && el.type !== "file" && el.type !== "hidden" && fields.get(fieldKey(el));
      if (!kept) continue;
      if (el.type === "checkbox") el.checked = kept[0]; else el.value = kept[0];
      if (kept[1]) el.focus();
    }
  }
}
async function renderStatus() {  // the header only: the network went or came, a timer ticked
  if (!key || pinMode) return;
  document.getElementById("badge").textContent = `${await db.count("outbox")} ${T.waiting}`;
  document.getElementById("net").textContent = navigator.onLine ? T.online : T.offline;
}
async function render() {
  if (pinMode) { renderPin(); return; }
  if (!key) return;
  const saved = formState();
  await draw();
  restoreForms(saved);
}
async function draw() {
  const outbox = await db.count("outbox");
  document.getElementById("badge").textContent = `${outbox} ${T.waiting}`;
  document.getElementById("net").textContent = navigator.onLine ? T.online : T.offline;
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("on", b.dataset.tab === tab);
  document.getElementById("faults-tab").hidden = !((await db.get("meta", "profile")) || {}).technician;
  const main = document.getElementById("main");
  const vouchers = await db.getAll("vouchers");
  const packages = (await db.getAll("packages")).filter((p) => p.is_active);
  const left = (pid) => vouchers.filter((v) => v.package_id === pid && v.status === "unused").length;
  if (tab === "sell") {
    let html = "";
    const views = new Map();
    const sold = receipt && (await db.get("sales", receipt.id));
    if (sold) {
      const s = await saleView(sold);
      views.set(s.id, s);
      html += `<div class="card" id="receipt"><div>${esc(T.receipt)} · ${esc(s.package)}</div>
        <div class="code">${esc(s.code)}</div>${smsCard(s)}</div>`;
    }
    const clients = (await db.getAll("clients")).sort((a, b) => (a.name || a.phone || "").localeCompare(b.name || b.phone || ""));
    html += `<select id="method"><option value="cash">${esc(T.cash)}</option><option value="mobile">${esc(T.mobile)}</option></select>
      <input id="ref" placeholder="${esc(T.reference)}"><select id="client"><option value="">${esc(T.no_client)}</option>
      ${clients.map((c) => `<option value="${esc(c.id)}">${esc(c.name || c.phone)} · ${esc(c.phone)}</option>`).join("")}</select>
      <input id="phone" type="tel" placeholder="${esc(T.phone)}">`;
    for (const p of packages) {
      const n = left(p.id);
      html += `<button class="pkg" data-sell="${esc(p.id)}" ${n ? "" : "disabled"}>${esc(p.name)} · ${esc(p.price)}
        <small>${n ? n + " " + esc(T.left) : esc(T.none_left)}</small></button>`;
    }
    main.innerHTML = html;
    bindSms(main, views);
    for (const b of main.querySelectorAll("[data-sell]")) b.onclick = () => sell(b.dataset.sell);
  } else if (tab === "clients") {
    const clients = await db.getAll("clients");
    const sales = await db.getAll("sales");
    const e = editing ? clients.find((c) => c.id === editing) || {} : {};
    main.innerHTML = `<form id="client-form"><input type="hidden" name="client_id" value="${esc(e.id || "")}">
      <input name="name" placeholder="${esc(T.name)}" value="${esc(e.name || "")}">
      <input name="phone" type="tel" required placeholder="+255…" value="${esc(e.phone || "")}">
      <input name="notes" placeholder="${esc(T.notes)}" value="${esc(e.notes || "")}">
      <button class="primary">${esc(e.id ? T.save : T.add_client)}</button></form>
      <ul>${clients.map((c) => {
        const bought = sales.filter((s) => s.client_id === c.id).length;
        return `<li data-client="${esc(c.id)}">${esc(c.name)} ${esc(c.phone)}${c.is_synced ? "" : " ⏳"}${c.refused ? " ⚠" : ""}` +
          ` · ${bought} ${esc(T.purchases)}${c.expires_at ? " · " + esc(T.until) + " " + esc(c.expires_at.slice(0, 10)) : ""}</li>`;
      }).join("")}</ul>`;
    main.querySelector("form").onsubmit = saveClient;
    for (const li of main.querySelectorAll("[data-client]")) li.onclick = () => { editing = li.dataset.client; render(); };
  } else if (tab === "sms") {
    const recent = (await db.getAll("sales")).filter((s) => !s.conflict)
      .sort((a, b) => (b.sold_at || "").localeCompare(a.sold_at || "")).slice(0, SMS_SCREEN_SALES);
    const views = new Map();
    for (const rec of recent) { const s = await saleView(rec); views.set(s.id, s); }
    main.innerHTML = `<h3>${esc(T.send_sms)}</h3>` + (views.size ? [...views.values()].map((s) =>
      `<div class="card" data-sale="${esc(s.id)}"><div><b class="sms-code">${esc(s.code)}</b> · ${esc(s.package)}` +
      ` · ${esc(s.sold_at ? new Date(s.sold_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "")}</div>` +
      `${smsCard(s)}</div>`).join("") : `<p>${esc(T.no_sales)}</p>`);
    bindSms(main, views);
  } else if (tab === "faults") {
    await renderFaults(main);
  } else if (tab === "stock") {
    main.innerHTML = `<ul>${packages.map((p) => `<li>${esc(p.name)}: <b>${left(p.id)}</b></li>`).join("")}</ul>`;
  } else if (tab === "day") {
    const today = new Date().toISOString().slice(0, 10);
    const sales = (await db.getAll("sales")).filter((s) => !s.conflict && (s.sold_at || "").slice(0, 10) === today);
    const cash = sales.reduce((t, s) => t + Number(s.amount || 0), 0);
    const summary = (await db.get("meta", "summary")) || {};
    main.innerHTML = `<div class="card">${esc(T.sales_today)}: <b id="sales-today">${sales.length}</b></div>
      <div class="card">${esc(T.cash_today)}: <b>${cash.toFixed(2)}</b></div>
      <div class="card">${esc(T.owed)}: <b>${esc(summary.balance_owed ?? "—")}</b></div>`;
  } else {
    const last = await db.get("meta", "last_synced_at");
    const conflicts = [];
    for (const c of await db.getAll("conflicts")) conflicts.push(await opened(c));
    main.innerHTML = `<p>${outbox} ${esc(T.waiting)} · ${esc(T.last_sync)}: <span id="last-sync">${esc(last ? new Date(last).toLocaleString() : T.never)}</span></p>
      <button class="primary" id="sync-now">${esc(T.sync_now)}</button><p id="sync-status">${esc(status)}</p>
      <h3>${esc(T.conflicts)}</h3><ul>${conflicts.map((c) => `<li><b>${esc(T["kind_" + c.kind] || c.kind)}</b>: ${esc(c.detail)}</li>`).join("")}</ul>
      <button id="sign-out">${esc(T.sign_out)}</button>`;
    document.getElementById("sync-now").onclick = syncNow;
    document.getElementById("sign-out").onclick = signOut;
  }
}

// Sync on its own: when the connection comes back, and every minute while something waits.
const AUTO_SYNC_MS = 60000;
const SMS_SCREEN_SALES = 30;  // the SMS screen lists the latest sales
async function autoSync() {
  if (key && navigator.onLine && !pinMode && (await db.count("outbox"))) await syncNow();
  else await renderStatus();
}

(async () => {
  await open();
  for (const b of document.querySelectorAll("[data-tab]")) b.onclick = () => { tab = b.dataset.tab; receipt = null; status = ""; render(); };
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  if (!(await unlock())) return;
  addEventListener("online", autoSync);
  addEventListener("offline", renderStatus);
  setInterval(autoSync, AUTO_SYNC_MS);
  await render();
  if (navigator.onLine && (!(await db.get("meta", "cursor")) || (await db.count("outbox")))) await syncNow();
  document.body.dataset.ready = "1";
})();

/* ViorNet field app: IndexedDB (idb) as the local database, an outbox of numbered
   operations pushed to /api/v1/sync/push, changes pulled from /api/v1/sync/pull. */
"use strict";
const T = JSON.parse(document.getElementById("i18n").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
let db, tab = "sell", receipt = null, status = "", editing = null;

async function open() {
  db = await idb.openDB("viornet-field", 1, {
    upgrade(d) {
      d.createObjectStore("meta");
      d.createObjectStore("outbox", { keyPath: "seq" });
      for (const s of ["vouchers", "clients", "sales", "packages", "conflicts"]) {
        d.createObjectStore(s, { keyPath: "id" });
      }
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
  const tx = db.transaction(["meta", "outbox"], "readwrite");
  const seq = (await tx.objectStore("meta").get("seq")) + 1;
  await tx.objectStore("meta").put(seq, "seq");
  await tx.objectStore("outbox").put({
    device_id: await tx.objectStore("meta").get("device_id"),
    seq, op, entity, id, payload, client_time: now(),
  });
  await tx.done;
}

async function sell(packageId) {
  const method = document.getElementById("method").value;
  const ref = document.getElementById("ref").value.trim();
  const phone = document.getElementById("phone").value.trim();
  const stock = (await db.getAll("vouchers")).filter((v) => v.package_id === packageId && v.status === "unused");
  if (!stock.length) return;
  stock.sort((a, b) => a.code.localeCompare(b.code));
  const v = stock[0];
  v.status = "sold"; v.is_synced = false; v.updated_at = now();
  await db.put("vouchers", v);
  const id = crypto.randomUUID();
  const pkg = await db.get("packages", packageId);
  const payload = { code: v.code, payment_method: method };
  if (method === "mobile") payload.payment_reference = ref;
  if (phone) payload.client_phone = phone;
  await db.put("sales", { id, code: v.code, package_id: packageId, amount: pkg.price,
    payment_method: method, sold_at: now(), is_synced: false, last_synced_at: null, updated_at: now() });
  await enqueue("sell", "sale", id, payload);
  receipt = { code: v.code, package: pkg.name, phone };
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
  if (!r.ok) throw new Error(r.status);
  return r.json();
}

const STORE = { voucher: "vouchers", client: "clients", sale: "sales", package: "packages" };

async function syncNow() {
  document.body.dataset.sync = "running";  // set before any await: a test (or a tap) sees it at once
  status = "…"; render();
  try {
    for (;;) {  // push the outbox in order, in chunks
      const ops = (await db.getAll("outbox")).sort((a, b) => a.seq - b.seq).slice(0, 200);
      if (!ops.length) break;
      const { results } = await api("/api/v1/sync/push", { ops });
      let progressed = false;
      for (const [i, r] of results.entries()) {
        if (r.retry) continue;
        progressed = true;
        await db.delete("outbox", ops[i].seq);
        for (const c of r.conflicts || []) await db.put("conflicts", { ...c, reason: r.reason, seq: r.seq });
        if (r.outcome === "rejected") await db.put("conflicts", { id: "r" + r.seq, kind: "rejected", detail: r.reason, seq: r.seq });
        if (r.record && ops[i].entity === "client" && r.record.id) {
          if (r.record.id !== ops[i].id) await db.delete("clients", ops[i].id);
          await db.put("clients", { ...r.record, is_synced: true, last_synced_at: now() });
        }
        if (ops[i].entity === "sale" && r.outcome !== "applied") {  // cash taken, no sale: flagged
          const local = await db.get("sales", ops[i].id);
          if (local) await db.put("sales", { ...local, conflict: true, is_synced: true, last_synced_at: now() });
        }
        if (r.record && ops[i].entity === "sale") {
          await db.put("sales", { ...(await db.get("sales", ops[i].id)), ...r.record, id: ops[i].id,
            is_synced: true, last_synced_at: now() });
        }
      }
      if (!progressed) break;
    }
    let cursor = await db.get("meta", "cursor");
    for (;;) {  // pull every page
      const query = new URLSearchParams({ device_id: await db.get("meta", "device_id") });
      if (cursor) query.set("cursor", cursor);
      const page = await api("/api/v1/sync/pull?" + query);
      const tx = db.transaction(["vouchers", "clients", "sales", "packages", "meta"], "readwrite");
      for (const c of page.changes) {
        const store = STORE[c.entity];
        if (!store) continue;
        if (c.deleted) { await tx.objectStore(store).delete(c.entity === "voucher" ? Number(c.id) : c.id); continue; }
        if (c.entity === "sale") {  // the device knows its sales by their idempotency key
          await tx.objectStore("sales").put({ ...c.data, id: c.data.idempotency_key, is_synced: true, last_synced_at: now() });
          continue;
        }
        await tx.objectStore(store).put({ ...c.data, is_synced: true, last_synced_at: now() });
      }
      cursor = page.cursor;
      await tx.objectStore("meta").put(cursor, "cursor");
      if (page.summary) await tx.objectStore("meta").put(page.summary, "summary");
      await tx.done;
      if (!page.more) break;
    }
    await db.put("meta", now(), "last_synced_at");
    status = T.synced;
    document.body.dataset.sync = "done";
  } catch (e) {
    status = T.sync_failed;
    document.body.dataset.sync = "failed";
  }
  await render();
}

async function render() {
  const outbox = await db.count("outbox");
  document.getElementById("badge").textContent = `${outbox} ${T.waiting}`;
  document.getElementById("net").textContent = navigator.onLine ? T.online : T.offline;
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("on", b.dataset.tab === tab);
  const main = document.getElementById("main");
  const vouchers = await db.getAll("vouchers");
  const packages = (await db.getAll("packages")).filter((p) => p.is_active);
  const left = (pid) => vouchers.filter((v) => v.package_id === pid && v.status === "unused").length;
  if (tab === "sell") {
    let html = "";
    if (receipt) {
      const sms = "sms:" + encodeURIComponent(receipt.phone || "") + "?body=" +
        encodeURIComponent(T.sms_text.replace("%(code)s", receipt.code).replace("%(package)s", receipt.package));
      html += `<div class="card" id="receipt"><div>${esc(T.receipt)} · ${esc(receipt.package)}</div>
        <div class="code">${esc(receipt.code)}</div><a class="primary" href="${esc(sms)}">${esc(T.send_sms)}</a></div>`;
    }
    html += `<select id="method"><option value="cash">${esc(T.cash)}</option><option value="mobile">${esc(T.mobile)}</option></select>
      <input id="ref" placeholder="${esc(T.reference)}"><input id="phone" type="tel" placeholder="${esc(T.phone)}">`;
    for (const p of packages) {
      const n = left(p.id);
      html += `<button class="pkg" data-sell="${esc(p.id)}" ${n ? "" : "disabled"}>${esc(p.name)} · ${esc(p.price)}
        <small>${n ? n + " " + esc(T.left) : esc(T.none_left)}</small></button>`;
    }
    main.innerHTML = html;
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
        return `<li data-client="${esc(c.id)}">${esc(c.name)} ${esc(c.phone)}${c.is_synced ? "" : " ⏳"}` +
          ` · ${bought} ${esc(T.purchases)}${c.expires_at ? " · " + esc(T.until) + " " + esc(c.expires_at.slice(0, 10)) : ""}</li>`;
      }).join("")}</ul>`;
    main.querySelector("form").onsubmit = saveClient;
    for (const li of main.querySelectorAll("[data-client]")) li.onclick = () => { editing = li.dataset.client; render(); };
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
    const conflicts = await db.getAll("conflicts");
    main.innerHTML = `<p>${outbox} ${esc(T.waiting)} · ${esc(T.last_sync)}: <span id="last-sync">${esc(last ? new Date(last).toLocaleString() : T.never)}</span></p>
      <button class="primary" id="sync-now">${esc(T.sync_now)}</button><p id="sync-status">${esc(status)}</p>
      <h3>${esc(T.conflicts)}</h3><ul>${conflicts.map((c) => `<li><b>${esc(T["kind_" + c.kind] || c.kind)}</b>: ${esc(c.detail)}</li>`).join("")}</ul>`;
    document.getElementById("sync-now").onclick = syncNow;
  }
}

(async () => {
  await open();
  for (const b of document.querySelectorAll("[data-tab]")) b.onclick = () => { tab = b.dataset.tab; receipt = null; status = ""; render(); };
  addEventListener("online", render);
  addEventListener("offline", render);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  await render();
  if (navigator.onLine && !(await db.get("meta", "cursor"))) await syncNow();
  document.body.dataset.ready = "1";
})();

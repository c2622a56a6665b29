// WorkLead sandbox web view: the sheet and the board side by side, live, editable, with Preview and Sync.
// Everything that comes from cells and cards is shown with textContent, never parsed as HTML.
"use strict";

const ROWNUM_WIDTH = 36;
const EDIT_MS = 5000;   // how long a change stays highlighted
const SYNC_MS = 8000;   // how long what a sync carried across stays highlighted

const $ = (id) => document.getElementById(id);
const EMPTY_LOG = $("run-empty");
const state = {
  snap: null,          // the latest snapshot from the sandbox
  version: -1,
  editing: null,       // the grid cell being edited, if any
  dragging: null,      // the id of the card being dragged, if any
  active: { row: 2, col: 1 },  // the grid cell that Tab reaches (roving focus)
  marks: new Map(),    // "cell:<lead>|<col>" or "card:<id>" -> {cls, until}
  pendingFocus: null,  // a card to focus after the next render (keyboard moves)
  polling: false,
};

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// -- talking to the sandbox ---------------------------------------------------------------
async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const answer = await fetch(path, { credentials: "same-origin", cache: "no-store", ...init });
  let data = null;
  try { data = await answer.json(); } catch (e) { data = null; }
  if (!answer.ok) {
    const err = new Error(answer.status === 401
      ? "This page needs the sandbox's token: open the address the sandbox printed again."
      : (data && data.error) || `The sandbox answered ${answer.status}.`);
    err.status = answer.status;
    throw err;
  }
  return data;
}

// The printed address carries the token in its fragment, which the browser never sends anywhere;
// the page trades it for a session cookie and takes it out of the address bar.
async function openSession() {
  const found = location.hash.match(/token=([^&]+)/);
  if (!found) return;
  history.replaceState(null, "", location.pathname);
  await fetch("/_sandbox/session", {
    method: "POST", credentials: "same-origin",
    headers: { Authorization: "Bearer " + decodeURIComponent(found[1]) },
  });
}

function setLive(on, text) {
  $("live").className = "live " + (on ? "on" : "off");
  $("live-text").textContent = text;
}

async function poll() {
  if (state.polling) return;
  state.polling = true;
  for (;;) {
    try {
      const snap = await api(`/_sandbox/view?after=${state.version}`);
      setLive(true, "Live");
      $("locked").hidden = true;
      accept(snap);
    } catch (err) {
      if (err.status === 401) {
        setLive(false, "Locked");
        $("locked").hidden = false;
        state.polling = false;
        return;  // opening the printed address (a new fragment) starts again
      }
      setLive(false, "Reconnecting");
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
}

async function send(body) {
  try {
    accept(await api("/_sandbox/view/edit", body));
  } catch (err) {
    toast(err.message);
  }
}

// -- a new snapshot: find what changed, then draw ---------------------------------------------
function accept(snap) {
  if (!snap || snap.version === undefined) return;
  if (state.snap && snap.version < state.version) return;  // an older answer overtaken by a newer one
  const before = state.snap;
  state.snap = snap;
  state.version = snap.version;
  if (before) markChanges(before, snap);
  render();
}

function syncing(before, snap) {
  const run = snap.run;
  if (!run || run.dry_run) return false;
  if (run.state === "running") return true;
  return Boolean(before.run && before.run.id === run.id && before.run.state === "running");
}

function markChanges(before, snap) {
  const sync = syncing(before, snap);
  const mark = { cls: sync ? "flash-sync" : "flash-edit", until: Date.now() + (sync ? SYNC_MS : EDIT_MS) };
  const old = sheetCells(before);
  for (const [key, value] of sheetCells(snap)) {
    if (old.has(key) ? old.get(key) !== value : value !== "") state.marks.set("cell:" + key, mark);
  }
  const oldCards = boardCards(before);
  for (const [id, sig] of boardCards(snap)) {
    if (oldCards.get(id) !== sig) state.marks.set("card:" + id, mark);
  }
  setTimeout(render, (sync ? SYNC_MS : EDIT_MS) + 50);
}

function idColumn(snap) {
  const header = (snap.sheet.rows[0] || { cells: [] }).cells.map((h) => h.trim().toLowerCase());
  return { header, id: header.indexOf("id"), status: header.indexOf("status") };
}

function rowKey(row, cols) {
  // A lead is followed by its id, so a row that moves (a deletion above it) is not "changed".
  const id = cols.id >= 0 ? (row.cells[cols.id] || "").trim() : "";
  return id && row.row > 1 ? "lead " + id : "row " + row.row;
}

function sheetCells(snap) {
  const cols = idColumn(snap);
  const cells = new Map();
  for (const row of snap.sheet.rows) {
    const key = rowKey(row, cols);
    row.cells.forEach((value, c) => cells.set(key + "|" + c, value));
  }
  return cells;
}

function boardCards(snap) {
  const cards = new Map();
  for (const list of snap.board.lists) {
    for (const card of list.cards) cards.set(card.id, list.id + "|" + card.name + "|" + card.desc);
  }
  for (const card of snap.board.archived) cards.set(card.id, "archived|" + card.name);
  return cards;
}

function markOf(key) {
  const mark = state.marks.get(key);
  if (!mark) return "";
  if (mark.until < Date.now()) { state.marks.delete(key); return ""; }
  return mark.cls;
}

// -- drawing ----------------------------------------------------------------------------------
function render() {
  const snap = state.snap;
  if (!snap) return;
  $("sheet-name").textContent = `${snap.sheet.title} / ${snap.sheet.worksheet}`;
  $("board-name").textContent = snap.board.name;
  if (!state.editing) renderSheet(snap);
  if (!state.dragging) renderBoard(snap);
  renderRun(snap);
  renderAddRow(snap);
  const running = Boolean(snap.run && snap.run.state === "running");
  for (const id of ["preview", "sync"]) {
    $(id).disabled = running || !snap.can_run;
    $(id).title = snap.can_run ? $(id).dataset.title : "Start the sandbox with `python main.py sandbox` to preview and sync from here";
  }
}

function renderSheet(snap) {
  const cols = idColumn(snap);
  const head = $("grid-head");
  head.replaceChildren(el("th", "rownum", ""));
  const widths = snap.sheet.columns.map((_, c) => columnWidth(cols.header[c]));
  snap.sheet.columns.forEach((name, c) => {
    const th = el("th", "", name);
    th.style.width = widths[c] + "px";
    head.appendChild(th);
  });
  // A fixed layout needs the table's own width, or it spreads the spare room over the columns.
  $("grid").style.width = ROWNUM_WIDTH + widths.reduce((a, b) => a + b, 0) + "px";
  const body = $("grid-body");
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#grid");
  const rows = snap.sheet.rows.map((row) => sheetRow(row, cols));
  body.replaceChildren(...rows);
  if (focused) focusActive();
}

function columnWidth(name) {
  return { id: 36, name: 132, email: 164, status: 106, source: 86, trello_card_id: 78 }[name] || 100;
}

function sheetRow(row, cols) {
  const tr = el("tr", row.row === 1 ? "header-row" : "");
  const num = el("td", "rownum");
  num.appendChild(el("span", "", row.row));
  if (row.row > 1) {
    const del = el("button", "del-row", "\u00d7");
    del.type = "button";
    const name = cols.header.indexOf("name") >= 0 ? row.cells[cols.header.indexOf("name")] : "";
    del.setAttribute("aria-label", `Delete row ${row.row}${name ? " (" + name + ")" : ""}`);
    del.title = "Delete this row";
    del.dataset.row = row.row;
    num.appendChild(del);
  }
  tr.appendChild(num);
  const key = rowKey(row, cols);
  row.cells.forEach((value, c) => {
    const td = el("td", "cell");
    td.dataset.row = row.row;
    td.dataset.col = c;
    td.tabIndex = row.row === state.active.row && c === state.active.col ? 0 : -1;
    td.title = value;
    if (row.row > 1 && c === cols.status) {
      td.classList.add("status-cell");
      if (value) {
        const known = state.snap.statuses.includes(value.trim().toUpperCase());
        td.appendChild(el("span", "pill " + (known ? value.trim().toUpperCase() : "other"), value));
      }
    } else {
      td.textContent = value;
    }
    const mark = markOf("cell:" + key + "|" + c);
    if (mark) td.classList.add(mark);
    tr.appendChild(td);
  });
  return tr;
}

function renderBoard(snap) {
  const board = $("board");
  const scrolls = new Map([...board.querySelectorAll(".list")].map((l) => [l.dataset.list, l.querySelector(".cards").scrollTop]));
  const left = board.scrollLeft;
  const lists = snap.board.lists.map((list) => boardList(list));
  board.replaceChildren(...lists);
  board.scrollLeft = left;
  for (const l of board.querySelectorAll(".list")) l.querySelector(".cards").scrollTop = scrolls.get(l.dataset.list) || 0;
  const archived = $("archived-list");
  archived.replaceChildren(...snap.board.archived.map(archivedCard));
  $("archived-count").textContent = snap.board.archived.length;
  if (state.pendingFocus) {
    const card = board.querySelector(`.card[data-id="${CSS.escape(state.pendingFocus)}"]`);
    if (card) card.focus();
    state.pendingFocus = null;
  }
}

function boardList(list) {
  const wrap = el("section", "list");
  wrap.dataset.list = list.id;
  wrap.setAttribute("aria-label", `List ${list.name}`);
  const head = el("div", "list-head");
  head.append(el("span", "list-name", list.name), el("span", "list-count", list.cards.length));
  const ul = el("ul", "cards");
  list.cards.forEach((card) => ul.appendChild(boardCard(card, list)));
  wrap.append(head, ul);
  return wrap;
}

function boardCard(card, list) {
  const li = el("li", "card");
  li.dataset.id = card.id;
  li.dataset.list = list.id;
  li.tabIndex = 0;
  li.draggable = true;
  li.setAttribute("aria-label", `${card.name}, in ${list.name}. Arrow keys left and right move it; A archives; Delete deletes.`);
  li.appendChild(el("div", "card-title", card.name));
  const meta = el("div", "card-meta");
  meta.appendChild(el("span", "card-lead", card.lead_id ? "Lead " + card.lead_id : "no lead marker"));
  const tools = el("span", "card-tools");
  tools.append(tool("\u2190", "move-left", "Move to the list on the left"),
               tool("\u2192", "move-right", "Move to the list on the right"),
               tool("\u2913", "archive", "Archive this card"),
               tool("\u2715", "delete", "Delete this card", "danger"));
  meta.appendChild(tools);
  li.appendChild(meta);
  const mark = markOf("card:" + card.id);
  if (mark) li.classList.add(mark);
  return li;
}

function tool(text, action, label, extra) {
  const b = el("button", "icon" + (extra ? " " + extra : ""), text);
  b.type = "button";
  b.dataset.action = action;
  b.title = label;
  b.setAttribute("aria-label", label);
  b.tabIndex = -1;  // the card itself takes the keyboard; these are for the mouse
  return b;
}

function archivedCard(card) {
  const li = el("li", "");
  li.dataset.id = card.id;
  li.append(el("span", "name", card.name), el("span", "from", card.list));
  const un = el("button", "btn small", "Unarchive");
  un.type = "button";
  un.dataset.action = "unarchive";
  const del = el("button", "btn small", "Delete");
  del.type = "button";
  del.dataset.action = "delete";
  li.append(un, del);
  const mark = markOf("card:" + card.id);
  if (mark) li.classList.add(mark);
  return li;
}

function renderAddRow(snap) {
  const fields = $("add-fields");
  const header = idColumn(snap).header;
  const want = header.filter((h) => h !== "trello_card_id").join(",");
  if (fields.dataset.header === want) return;  // keep what someone is typing
  fields.dataset.header = want;
  fields.replaceChildren(...header.map((name, c) => {
    if (name === "trello_card_id" || !name) return null;
    const input = el("input", name === "id" ? "narrow" : "");
    input.name = String(c);
    input.placeholder = name;
    input.setAttribute("aria-label", `New lead's ${name}`);
    if (name === "status") input.setAttribute("list", "statuses");
    return input;
  }).filter(Boolean));
  $("statuses").replaceChildren(...snap.statuses.map((s) => { const o = el("option"); o.value = s; return o; }));
}

// -- the run panel: actions as they happen, the plan, the summary ------------------------------
function renderRun(snap) {
  const run = snap.run;
  const log = $("run-log");
  const result = $("run-result");
  if (!run) {  // none yet, or the demo was reset
    log.replaceChildren(EMPTY_LOG);
    result.replaceChildren();
    return;
  }
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 30;
  const title = run.dry_run ? `Preview #${run.id}` : `Sync #${run.id}`;
  const status = { running: "running\u2026", done: "done", failed: "stopped" }[run.state];
  const parts = [el("p", "run-head", `${title}: ${status}`)];
  if (run.dry_run) {
    parts.push(run.summary ? planTable(run.summary.plan || [])
                           : el("p", "empty", "Reading both sides and planning; nothing will be changed\u2026"));
  } else if (!run.events.length && run.state !== "running") {
    parts.push(el("p", "empty", "Nothing to carry across: the sheet and the board are in step."));
  }
  for (const event of run.events) parts.push(eventLine(event));
  log.replaceChildren(...parts);
  if (atBottom) log.scrollTop = log.scrollHeight;
  result.replaceChildren(...runResult(run));
}

// Each action in the terminal's words: "Moved Daniel Novak's card (lead 4) from TODO to CONTACTED (...)".
function eventLine(event) {
  const row = el("div", "event" + (event.error ? " failed" : ""));
  row.appendChild(el("span", "what", event.sentence));
  return row;
}

function runResult(run) {
  const out = [];
  if (run.state === "failed") {
    out.push(el("p", "notice bad", run.error || "The run stopped."));
    return out;
  }
  if (!run.summary) return [el("p", "empty", "Working\u2026")];
  const s = run.summary;
  out.push(el("p", "run-head", s.title));
  const table = el("div", "summary");
  for (const [label, n] of s.counts) table.append(el("span", "label", label), el("span", "n" + (n ? "" : " zero"), n));
  out.push(table);
  if (!run.dry_run && (s.plan || []).length) out.push(planTable(s.plan, "Held back"));
  for (const notice of s.notices || []) out.push(el("p", "notice", notice));
  if (s.can_force) out.push(deleteAnyway(s.held_count));
  return out;
}

// The menu's y/N after a guard held deletions back: leaving the page as it is keeps them all.
function deleteAnyway(count) {
  const box = el("div", "force");
  box.appendChild(el("p", "", `Delete anyway: delete and archive these ${count} now. ` +
    "Or do nothing: they are all kept, and the next sync holds them back again."));
  const button = el("button", "btn danger", `Delete and archive these ${count} anyway`);
  button.type = "button";
  button.id = "force-delete";
  button.addEventListener("click", () => startRun(false, true));
  box.appendChild(button);
  return box;
}

function planTable(plan, title) {
  const wrap = el("div", "plan-wrap");
  if (!plan.length) {
    wrap.appendChild(el("p", "empty", "Nothing to do: the sheet and the board are in step."));
    return wrap;
  }
  wrap.appendChild(el("p", "run-head", title || "Preview: what a full sync would do"));
  const table = el("table", "plan");
  const head = el("tr");
  for (const name of ["Lead", "Change", "Reason"]) head.appendChild(el("th", "", name));
  table.appendChild(head);
  for (const a of plan) {
    const tr = el("tr", a.held ? "held" : "");
    tr.append(el("td", "", a.lead_id), el("td", "change", a.sentence + (a.held ? " (held back)" : "")),
              el("td", "", a.reason));
    table.appendChild(tr);
  }
  wrap.appendChild(table);
  return wrap;
}

// -- editing the sheet ----------------------------------------------------------------------------
function startEdit(td, typed) {
  if (state.editing) return;
  const row = Number(td.dataset.row), col = Number(td.dataset.col);
  const original = td.title;
  const input = el("input");
  input.value = typed !== undefined ? typed : original;
  input.setAttribute("aria-label", `Cell ${state.snap.sheet.columns[col]}${row}`);
  const header = idColumn(state.snap).header;
  if (header[col] === "status" && row > 1) input.setAttribute("list", "statuses");
  state.editing = { td, row, col, original };
  td.replaceChildren(input);
  input.focus();
  if (typed === undefined) input.select();
  let done = false;
  const finish = (save) => {
    if (done) return;
    done = true;
    state.editing = null;
    state.active = { row, col };
    if (save && input.value !== original) {
      td.textContent = input.value;
      send({ op: "set_cell", row, col, value: input.value }).then(() => focusActive());
    } else {
      render();
      focusActive();
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); finish(true); }
    else if (e.key === "Escape") { e.preventDefault(); finish(false); }
    else if (e.key === "Tab") { finish(true); }
  });
  input.addEventListener("blur", () => finish(true));
}

function focusActive() {
  const td = $("grid-body").querySelector(`td.cell[data-row="${state.active.row}"][data-col="${state.active.col}"]`);
  if (td) {
    for (const other of $("grid-body").querySelectorAll('td.cell[tabindex="0"]')) other.tabIndex = -1;
    td.tabIndex = 0;
    td.focus();
  }
}

function gridKey(e) {
  const td = e.target.closest("td.cell");
  if (!td || state.editing) return;
  const row = Number(td.dataset.row), col = Number(td.dataset.col);
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (moves[e.key]) {
    e.preventDefault();
    const rows = state.snap.sheet.rows.length, cols = state.snap.sheet.columns.length;
    state.active = { row: Math.min(rows, Math.max(1, row + moves[e.key][0])), col: Math.min(cols - 1, Math.max(0, col + moves[e.key][1])) };
    focusActive();
  } else if (e.key === "Enter" || e.key === "F2") {
    e.preventDefault();
    startEdit(td);
  } else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    startEdit(td, e.key);
  }
}

// -- moving cards: drag and drop, or the keyboard ---------------------------------------------------
function listIds() { return state.snap.board.lists.map((l) => l.id); }

function moveBy(cardId, listId, step) {
  const ids = listIds();
  const next = ids[ids.indexOf(listId) + step];
  if (!next) return;
  state.pendingFocus = cardId;
  send({ op: "move_card", card: cardId, list: next });
}

function cardAction(li, action) {
  const id = li.dataset.id;
  if (action === "move-left") moveBy(id, li.dataset.list, -1);
  else if (action === "move-right") moveBy(id, li.dataset.list, 1);
  else if (action === "archive") send({ op: "archive_card", card: id });
  else if (action === "delete") send({ op: "delete_card", card: id });
  else if (action === "unarchive") send({ op: "unarchive_card", card: id });
}

function cardKey(e) {
  const li = e.target.closest(".card");
  if (!li || e.target !== li) return;
  if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
    e.preventDefault();
    moveBy(li.dataset.id, li.dataset.list, e.key === "ArrowLeft" ? -1 : 1);
  } else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
    e.preventDefault();
    const sibling = e.key === "ArrowUp" ? li.previousElementSibling : li.nextElementSibling;
    if (sibling) sibling.focus();
  } else if (e.key === "a" || e.key === "A") {
    e.preventDefault();
    cardAction(li, "archive");
  } else if (e.key === "Delete" || e.key === "Backspace") {
    e.preventDefault();
    cardAction(li, "delete");
  }
}

function dropIndex(ul, y) {
  const cards = [...ul.querySelectorAll(".card:not(.dragging)")];
  const i = cards.findIndex((c) => { const r = c.getBoundingClientRect(); return y < r.top + r.height / 2; });
  return i < 0 ? cards.length : i;
}

function wireBoard() {
  const board = $("board");
  board.addEventListener("dragstart", (e) => {
    const li = e.target.closest && e.target.closest(".card");
    if (!li) return;
    state.dragging = li.dataset.id;
    li.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", li.dataset.id);
  });
  board.addEventListener("dragover", (e) => {
    const list = e.target.closest && e.target.closest(".list");
    if (!list || !state.dragging) return;
    e.preventDefault();
    for (const l of board.querySelectorAll(".list.drop")) if (l !== list) l.classList.remove("drop");
    list.classList.add("drop");
  });
  board.addEventListener("drop", (e) => {
    const list = e.target.closest && e.target.closest(".list");
    const id = state.dragging || e.dataTransfer.getData("text/plain");
    if (!list || !id) return;
    e.preventDefault();
    const index = dropIndex(list.querySelector(".cards"), e.clientY);
    state.dragging = null;
    send({ op: "move_card", card: id, list: list.dataset.list, index });
  });
  board.addEventListener("dragend", () => {
    state.dragging = null;
    render();
  });
  board.addEventListener("keydown", cardKey);
  board.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-action]");
    if (b) cardAction(b.closest(".card"), b.dataset.action);
  });
  $("archived-list").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-action]");
    if (b) cardAction(b.closest("li"), b.dataset.action);
  });
}

// -- the header buttons ----------------------------------------------------------------------------
async function startRun(dryRun, forceDelete = false) {
  try {
    accept(await api("/_sandbox/view/run", { dry_run: dryRun, force_delete: forceDelete }));
  } catch (err) {
    toast(err.message);
  }
}

async function reset() {
  try {
    await api("/_sandbox/reset", { seed: true });
    state.marks.clear();
    toast("The demo data is back; press Sync to create the cards.");
  } catch (err) {
    toast(err.message);
  }
}

let toastTimer = null;
function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
}

function wire() {
  for (const id of ["preview", "sync"]) $(id).dataset.title = $(id).title;
  $("preview").addEventListener("click", () => startRun(true));
  $("sync").addEventListener("click", () => startRun(false));
  $("reset").addEventListener("click", () => $("reset-dialog").showModal());
  $("reset-dialog").addEventListener("close", () => { if ($("reset-dialog").returnValue === "reset") reset(); });
  const body = $("grid-body");
  body.addEventListener("click", (e) => {
    const del = e.target.closest(".del-row");
    if (del) { send({ op: "delete_row", row: Number(del.dataset.row) }); return; }
    const td = e.target.closest("td.cell");
    if (td && !state.editing) startEdit(td);
  });
  body.addEventListener("keydown", gridKey);
  $("add-row").addEventListener("submit", (e) => {
    e.preventDefault();
    const width = state.snap.sheet.columns.length;
    const values = new Array(width).fill("");
    const inputs = [...$("add-fields").querySelectorAll("input")];
    for (const input of inputs) values[Number(input.name)] = input.value;
    while (values.length && values[values.length - 1] === "") values.pop();
    if (!values.some((v) => v.trim())) { toast("Type at least a name for the new lead."); return; }
    for (const input of inputs) input.value = "";
    send({ op: "add_row", values });
  });
  wireBoard();
}

wire();
window.addEventListener("hashchange", () => openSession().then(poll));
openSession().then(poll);

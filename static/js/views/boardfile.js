// Board files (docs/boardfile.md): "Save board" downloads the board as a .safetensors file a
// student opens in PyTorch; "Load board…", or a file dropped on the page, brings one back:
// into this board when its layer sizes are this board's, else as a new board from its config.
// The server reads and checks every file; this view only chooses between the two.

import { said, t } from "../lib/i18n.js";

const ICON_SAVE = `<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 4v11M7 10l5 5 5-5M5 20h14"/></svg>`;
const ICON_LOAD = `<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 15V4M7 9l5-5 5 5M5 20h14"/></svg>`;

/** fetch → {status, body} or {error: words}; a refusal's words are the server's own. */
async function call(method, url, body, headers = {}) {
  try {
    const res = await fetch(url, { method, body, headers: { "content-type": "application/octet-stream", ...headers } });
    let json = {};
    try { json = await res.json(); } catch { /* no JSON body: the status says it */ }
    if (!res.ok) return { error: said(json) || t("boardfile.status", { status: res.status }) };
    return { body: json };
  } catch {
    return { error: t("error.unreachable") };
  }
}

const sameSizes = (a, b) => Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((n, k) => n === b[k]);

export function createBoardFile(root, actions) {
  root.innerHTML = `
    <button type="button" class="boardfile-save" data-testid="save-board" title="${t("boardfile.save_title")}" aria-label="${t("boardfile.save")}">${ICON_SAVE} <span class="label">${t("boardfile.save")}</span></button>
    <button type="button" class="boardfile-load presenter-only" data-testid="load-board" title="${t("boardfile.load_title")}" aria-label="${t("boardfile.load")}">${ICON_LOAD} <span class="label">${t("boardfile.load")}</span></button>
    <input type="file" accept=".safetensors,application/octet-stream" data-testid="board-file" hidden>
    <div class="boardfile-drop" hidden aria-hidden="true"><p>${t("boardfile.drop")}</p></div>`;
  const save = root.querySelector(".boardfile-save");
  const loadBtn = root.querySelector(".boardfile-load");
  const input = root.querySelector("input[type=file]");
  const dropHint = root.querySelector(".boardfile-drop");
  let session = null;
  let readOnly = true;

  save.addEventListener("click", () => {
    if (!session) return;
    const a = document.createElement("a");
    a.href = `/api/sessions/${encodeURIComponent(session.id)}/board.safetensors`;
    a.download = "";   // the server's Content-Disposition names the file
    a.click();
  });
  loadBtn.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    input.value = "";   // the same file chosen again is a new choice
    if (file) load(file);
  });

  const carriesFiles = (e) => [...(e.dataTransfer?.types || [])].includes("Files");
  window.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    dropHint.hidden = false;
  });
  for (const type of ["dragleave", "dragend"]) {
    window.addEventListener(type, (e) => { if (type === "dragend" || !e.relatedTarget) dropHint.hidden = true; });
  }
  window.addEventListener("drop", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    dropHint.hidden = true;
    const file = e.dataTransfer.files?.[0];
    if (file) load(file);
  });

  async function load(file) {
    if (!session) return;
    if (readOnly) { actions.toast(t("boardfile.watching"), "notice"); return; }
    const target = session;
    const read = await call("POST", "/api/board-files", file);
    if (read.error) { actions.toast(t("boardfile.refused", { file: file.name, why: read.error })); return; }
    const info = read.body;
    if (session !== target) return;   // another board replaced this one meanwhile
    if (!info.config || sameSizes(info.layers, target.sizes)) {
      const put = await call("PUT", `/api/sessions/${encodeURIComponent(target.id)}/board.safetensors`, file,
        { authorization: `Bearer ${actions.controlToken()}` });
      if (put.error) { actions.toast(t("boardfile.refused", { file: file.name, why: put.error })); return; }
      const notes = put.body.differences || [];
      actions.toast(t("boardfile.restored", { file: file.name }) + (notes.length ? t("boardfile.differs", { notes: notes.join("; ") }) : ""), "notice");
      return;
    }
    const failed = await actions.create(info.config);   // the page's own toast says a refusal
    if (!failed) actions.toast(t("boardfile.opened", { file: file.name, layers: info.layers.join("-") }), "notice");
  }

  function update(state) {
    session = state.session;
    readOnly = state.ui.readOnly;
    save.disabled = !session;
    loadBtn.hidden = readOnly;
  }

  return { update };
}

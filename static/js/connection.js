// The one owner of the websocket: connects, claims control, decodes state frames,
// reconnects with backoff, and coalesces dial turns to one `set` per dial per animation frame
// (the server allows 120 messages/s; a drag at 60 Hz stays under it).

import { decodeSafetensors } from "./lib/safetensors.js";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

export function createConnection({ sessionId, token, seat, onHello, onFrame, onMessage, onStatus }) {
  let ws = null;
  let attempts = 0;
  let closed = false;
  let everOpened = false;
  let retryTimer = 0;
  const pendingSets = new Map();
  let flushScheduled = false;

  function url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/ws/sessions/${encodeURIComponent(sessionId)}`;
  }

  function open() {
    ws = new WebSocket(url());
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      attempts = 0;
      onStatus({ state: "open", reconnected: everOpened });
      everOpened = true;
      if (token) sendNow({ type: "control", token });
      else if (seat) sendNow({ type: "seat", seat });   // a student: the dials handed to this tab
    };
    ws.onmessage = (event) => receive(event.data);
    ws.onclose = () => scheduleReconnect();
  }

  function receive(data) {
    if (typeof data !== "string") {
      let frame;
      try { frame = decodeSafetensors(data); }
      catch (err) { onStatus({ state: "bad-frame", message: String(err.message || err) }); return; }
      onFrame(frame);
      return;
    }
    const msg = JSON.parse(data);
    if (msg.type === "hello") onHello(msg);
    else onMessage(msg);
  }

  async function scheduleReconnect() {
    if (closed) return;
    const delay = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length - 1)];
    attempts += 1;
    const gone = attempts >= 2 && (await sessionGone());
    if (gone) { onStatus({ state: "gone" }); closed = true; return; }
    onStatus({ state: "reconnecting", delay, attempts });
    retryTimer = setTimeout(open, delay);
  }

  async function sessionGone() {
    try {
      const res = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}`);
      return res.status === 404;
    } catch { return false; }
  }

  function sendNow(msg) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  function send(msg) {
    if (msg.type === "set") return queueSet(msg);
    const ok = sendNow(msg);
    if (!ok) onStatus({ state: "not-sent", type: msg.type });
    return ok;
  }

  function queueSet(msg) {
    pendingSets.set(`${msg.name}[${msg.index}]`, msg);
    if (!flushScheduled) {
      flushScheduled = true;
      requestAnimationFrame(flushSets);
    }
    return true;
  }

  function flushSets() {
    flushScheduled = false;
    for (const msg of pendingSets.values()) sendNow(msg);
    pendingSets.clear();
  }

  function close() {
    closed = true;
    clearTimeout(retryTimer);
    if (ws) ws.close();
  }

  open();
  return { send, close, get sessionId() { return sessionId; } };
}

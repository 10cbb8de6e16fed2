// REST calls and where a presenter's session lives between reloads: the URL fragment
// (#session=ID&token=T, never sent to the server in requests) and sessionStorage.

async function json(res) {
  try { return await res.json(); } catch { return {}; }
}

export const api = {
  async createSession(config) {
    try {
      const res = await fetch("/api/sessions", {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(config),
      });
      const body = await json(res);
      if (!res.ok) return { error: detail(body) || `The server refused the board (${res.status}).` };
      return body;
    } catch {
      return { error: "Cannot reach the Dialboard server." };
    }
  },
  async presets() { return (await fetch("/api/presets")).json(); },
  async datasets() { return (await fetch("/api/datasets")).json(); },
  /** The server's vocabulary (option lists, formulas, phase words), fetched once per page. */
  async meta() { return (await fetch("/api/meta")).json(); },
  async exists(id) {
    try { return (await fetch(`/api/sessions/${encodeURIComponent(id)}`)).ok; } catch { return false; }
  },
  /** {inputs, targets, test: {inputs, targets}} when the server offers the points. */
  async datasetPoints(url) {
    try {
      const res = await fetch(url);
      if (!res.ok) return null;
      const body = await res.json();
      if (!body.train) return body;
      return { ...body.train, test: body.test || { inputs: [], targets: [] } };
    } catch { return null; }
  },
};

function detail(body) {
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return "";
}

export const sessionLink = {
  remember(id, token, preset) {
    const hash = new URLSearchParams({ session: id, token });
    const url = new URL(location.href);
    url.hash = hash.toString();
    if (preset) url.searchParams.set("preset", preset); else url.searchParams.delete("preset");
    history.replaceState(null, "", url);
    sessionStorage.setItem("dialboard-session", JSON.stringify({ id, token, preset }));
  },
  /** The session to resume: the fragment's, else this tab's last one if it was the same preset. */
  resume(preset, presetAsked) {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("session") && hash.get("token")) {
      return { id: hash.get("session"), token: hash.get("token"), preset };
    }
    try {
      const saved = JSON.parse(sessionStorage.getItem("dialboard-session") || "null");
      if (saved && (!presetAsked || saved.preset === preset)) return saved;
    } catch { /* a damaged entry is as good as none */ }
    return null;
  },
};

// The lessons' REST calls (docs/protocol.md): the menu's list and one lesson, in the page's
// language; each answers the server's JSON, or {error: words}.

import { lang, said, t } from "./i18n.js";

async function get(url) {
  try {
    const res = await fetch(url);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return { error: said(body) || t("error.no_answer", { status: res.status }) };
    return body;
  } catch {
    return { error: t("error.unreachable") };
  }
}

export const lessonApi = {
  list: () => get(`/api/lessons?lang=${encodeURIComponent(lang())}`),
  lesson: (id) => get(`/api/lessons/${encodeURIComponent(id)}?lang=${encodeURIComponent(lang())}`),
};

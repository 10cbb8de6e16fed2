// The page gets its strings table from the server; Node tests feed the English one, the same
// file the server serves, so a test of words checks the table's words.
import { readFileSync } from "node:fs";
import { setStrings } from "../../static/js/lib/i18n.js";

setStrings(JSON.parse(readFileSync(new URL("../../app/server/strings/en.json", import.meta.url), "utf8")));

// Run in the page by test_language.py: every piece of visible text, aria-label, title and
// placeholder, the document title and every string drawn on a canvas (recorded by the spy in
// window.__canvasTexts) that is not wholly the pseudo-language's ⟦…⟧ or allowed notation.
([gaps, allowed, mathsWords]) => {
  const skip = (el) => !el || el.closest([...gaps, ...allowed].join(","));
  const visible = (el) => el.checkVisibility({ visibilityProperty: true });
  const strip = (s) => {
    let prev;
    do { prev = s; s = s.replace(/⟦[^⟦⟧]*⟧/g, " "); } while (s !== prev);
    return s;
  };
  const words = new RegExp(mathsWords, "g");
  // Two letters in a row, subscripts (modifier letters: aⱼ, wᵢ) not counted, or a lone bracket.
  const bad = (s) => /[\p{Lu}\p{Ll}\p{Lt}\p{Lo}]{2,}/u.test(strip(s).replace(words, " ")) || /[⟦⟧]/.test(strip(s));
  const where = (el) => `<${el.tagName.toLowerCase()} class="${el.className}">`;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || skip(el) || ["SCRIPT", "STYLE"].includes(el.tagName) || !visible(el)) continue;
    if (bad(n.textContent)) found.push(`text in ${where(el)}: ${n.textContent.trim()}`);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
    if (skip(el)) continue;
    for (const a of ["aria-label", "title", "placeholder"]) {
      const v = el.getAttribute(a);
      if (v && bad(v)) found.push(`${a} of ${where(el)}: ${v}`);
    }
  }
  if (bad(document.title)) found.push(`document title: ${document.title}`);
  for (const s of window.__canvasTexts) if (bad(s)) found.push(`drawn on a canvas: ${s}`);
  return found;
}

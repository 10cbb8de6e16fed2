// Small inline SVG icons (fonts on a classroom machine may lack media glyphs).

const svg = (body, cls = "icon") => `<svg class="${cls}" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

/** Glyphs in a line of text (a button with one is not an icon button: `button:has(.icon)`). */
export const GLYPHS = {
  viewers: svg('<circle cx="12" cy="8" r="3.5"/><path d="M5 20a7 7 0 0 1 14 0"/>', "glyph"),
};

export const ICONS = {
  undo: svg('<path d="M9 14 4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 0 12h-3"/>'),
  phase: svg('<path d="M5 12h11"/><path d="m12 7 5 5-5 5"/><path d="M20 5v14"/>'),
  step: svg('<path d="M5 5l9 7-9 7z" fill="currentColor"/><path d="M18 5v14"/>'),
  play: svg('<path d="M7 4.5l12 7.5-12 7.5z" fill="currentColor"/>'),
  pause: svg('<path d="M8 5v14M16 5v14" stroke-width="3.2"/>'),
  reset: svg('<path d="M3 12a9 9 0 1 0 3-6.7"/><path d="M3 4v5h5"/>'),
  projector: svg('<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>'),
  theme: svg('<circle cx="12" cy="12" r="8"/><path d="M12 4a8 8 0 0 1 0 16z" fill="currentColor"/>'),
  add: svg('<path d="M12 5v14M5 12h14"/>'),
  share: svg('<circle cx="6" cy="12" r="2.5"/><circle cx="18" cy="6" r="2.5"/><circle cx="18" cy="18" r="2.5"/><path d="m8.2 10.8 7.6-3.6M8.2 13.2l7.6 3.6"/>'),
};

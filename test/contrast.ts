/**
 * A WCAG 2 contrast check over a page's computed styles, run in the browser: every visible element with its own
 * text (and every form control's value) is measured against the background it is drawn on — the first opaque
 * background among it and its ancestors, with translucent ones blended in — and must reach AA: 4.5:1, or 3:1 for
 * large text (24 px, or 18.66 px bold). Disabled controls are measured too (the issue found them at 1.6:1).
 *
 * The code that runs in the page is plain JavaScript in a string: a function passed to page.evaluate would be
 * serialized after the test transform, which may wrap inner functions in helpers the page does not have.
 */
import type { Page } from 'playwright-core';

export interface ContrastFailure {
  element: string;
  text: string;
  ratio: number;
  needed: number;
  color: string;
  background: string;
}

/** The relative luminance and ratio of WCAG 2.x, for colours as [r, g, b] in 0–255 (also used from Node). */
export function luminance([r, g, b]: number[]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

export function contrastRatio(a: number[], b: number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const IN_PAGE = `(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lin = (v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1); };
  // The background an element is drawn on: its own and its ancestors' colours, blended from the page's up.
  const backgroundOf = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let base = [255, 255, 255, 1];
    const rootBg = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (rootBg[3] >= 1) base = rootBg;
    else if (matchMedia('(prefers-color-scheme: dark)').matches) base = [18, 18, 18, 1];
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  };
  const opacityOf = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    const s = getComputedStyle(el);
    if (s.visibility !== 'visible' || s.display === 'none') return false;
    // Visually hidden (the sr-only pattern): clipped to a pixel.
    if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return false;
    return el.checkVisibility ? el.checkVisibility({ opacityProperty: false, visibilityProperty: true }) : true;
  };
  const failures = [];
  const check = (el, text) => {
    if (!visible(el)) return;
    const s = getComputedStyle(el);
    const fg = parse(s.color);
    const bg = backgroundOf(el);
    const shown = over([fg[0], fg[1], fg[2], fg[3] * opacityOf(el)], bg);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const r = ratio(shown, bg);
    if (r + 1e-6 < needed) failures.push({ element: el.outerHTML.slice(0, 100), text: text.slice(0, 60), ratio: Math.round(r * 100) / 100, needed, color: s.color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(', ') + ')' });
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'VIDEO', 'IMG', 'svg', 'OPTION'].includes(el.tagName)) continue;
    if (el.matches('input, textarea, select')) {
      const v = el.tagName === 'SELECT' ? (el.selectedOptions[0] ? el.selectedOptions[0].textContent : '') : el.value;
      if (v && el.type !== 'file' && el.type !== 'checkbox' && el.type !== 'radio') check(el, v);
      continue;
    }
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (own) check(el, own);
  }
  return failures;
})()`;

/** Every text on the page below WCAG AA, with what it measured (empty when the page passes). */
export async function contrastFailures(page: Page): Promise<ContrastFailure[]> {
  return page.evaluate(IN_PAGE) as Promise<ContrastFailure[]>;
}

/** The page's width beyond the window's (0 when nothing makes it scroll sideways). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate('Math.max(0, document.documentElement.scrollWidth - window.innerWidth)') as Promise<number>;
}

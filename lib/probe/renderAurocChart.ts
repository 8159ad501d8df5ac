/**
 * Hand-written SVG line chart of AUROC by layer (cross-validated and held-out), with
 * the chosen layer marked. No chart library: a few dozen points need only paths.
 */
import type { LayerResult } from './calibrateProbe';

/** Chart size in pixels. Defaults used by {@link renderAurocChart}. */
export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 320;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** SVG document plotting `cvAuroc` and `heldOutAuroc` of each layer; y from 0.4 to 1. */
export function renderAurocChart(layers: readonly LayerResult[], bestLayer: number, title = 'Routing probe AUROC by layer'): string {
  const w = CHART_WIDTH;
  const h = CHART_HEIGHT;
  const m = { left: 48, right: 16, top: 32, bottom: 40 };
  const yMin = 0.4; // below chance is rare and uninteresting; keeps the top of the range readable
  const maxLayer = Math.max(1, ...layers.map((l) => l.layer));
  const x = (layer: number) => m.left + ((w - m.left - m.right) * layer) / maxLayer;
  const y = (v: number) => m.top + (h - m.top - m.bottom) * (1 - (Math.max(yMin, Math.min(1, Number.isFinite(v) ? v : 0.5)) - yMin) / (1 - yMin));
  const path = (key: 'cvAuroc' | 'heldOutAuroc') => layers.map((l, i) => `${i ? 'L' : 'M'}${x(l.layer).toFixed(1)},${y(l[key]).toFixed(1)}`).join(' ');
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${w}" height="${h}" fill="white"/>`);
  parts.push(`<text x="${w / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  for (let v = yMin; v <= 1.0001; v += 0.1) {
    parts.push(`<line x1="${m.left}" x2="${w - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  const step = maxLayer > 20 ? 5 : maxLayer > 10 ? 2 : 1;
  for (let l = 0; l <= maxLayer; l += step) parts.push(`<text x="${x(l).toFixed(1)}" y="${h - m.bottom + 16}" text-anchor="middle">${l}</text>`);
  parts.push(`<text x="${w / 2}" y="${h - 6}" text-anchor="middle">layer (0 = embeddings)</text>`);
  parts.push(`<line x1="${x(bestLayer).toFixed(1)}" x2="${x(bestLayer).toFixed(1)}" y1="${m.top}" y2="${h - m.bottom}" stroke="#999" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${(x(bestLayer) + 4).toFixed(1)}" y="${m.top + 10}">chosen: L${bestLayer}</text>`);
  parts.push(`<path d="${path('cvAuroc')}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  parts.push(`<path d="${path('heldOutAuroc')}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="6 3"/>`);
  const lx = w - m.right - 170;
  const ly = h - m.bottom - 40;
  parts.push(`<rect x="${lx}" y="${ly}" width="166" height="34" fill="white" stroke="#ccc"/>`);
  parts.push(`<line x1="${lx + 8}" x2="${lx + 32}" y1="${ly + 12}" y2="${ly + 12}" stroke="#1f77b4" stroke-width="2"/><text x="${lx + 38}" y="${ly + 15}">cross-validated (train)</text>`);
  parts.push(`<line x1="${lx + 8}" x2="${lx + 32}" y1="${ly + 26}" y2="${ly + 26}" stroke="#d62728" stroke-width="2" stroke-dasharray="6 3"/><text x="${lx + 38}" y="${ly + 29}">held-out</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

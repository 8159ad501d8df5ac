import type { BenchSummary } from './summarize';
import type { Proportion } from './wilson';

/** The metrics drawn, with their bar colours. */
const SERIES: { name: string; pick: (s: BenchSummary) => Proportion; colour: string }[] = [
  { name: 'Syntax valid', pick: (s) => s.syntaxValid, colour: '#4e79a7' },
  { name: 'Correct (pass@1)', pick: (s) => s.correct, colour: '#59a14f' },
  { name: 'Self-corrects', pick: (s) => s.selfCorrected, colour: '#f28e2b' },
  { name: 'Coherent', pick: (s) => s.coherent, colour: '#b07aa1' },
];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A grouped bar chart, hand-written SVG: one group per approach, one bar per metric,
 * with the 95% Wilson interval as a whisker. A metric with no tasks (n = 0) gets no bar.
 */
export function renderChart(summaries: readonly BenchSummary[], title: string): string {
  const barW = 22;
  const gap = 6;
  const groupW = SERIES.length * (barW + gap) + 30;
  const left = 50;
  const top = 40;
  const plotH = 220;
  const width = left + Math.max(1, summaries.length) * groupW + 20;
  const height = top + plotH + 80;
  const y = (v: number) => top + plotH * (1 - v);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`);
  for (let t = 0; t <= 100; t += 25) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(t / 100)}" y2="${y(t / 100)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(t / 100) + 4}" text-anchor="end">${t}%</text>`);
  }
  summaries.forEach((s, g) => {
    const x0 = left + g * groupW + 15;
    SERIES.forEach((series, i) => {
      const p = series.pick(s);
      const x = x0 + i * (barW + gap);
      if (p.n > 0) {
        parts.push(`<rect x="${x}" y="${y(p.rate)}" width="${barW}" height="${plotH * p.rate}" fill="${series.colour}"><title>${escape(`${s.label}: ${series.name} ${p.k}/${p.n}`)}</title></rect>`);
        const cx = x + barW / 2;
        parts.push(`<path d="M${cx},${y(p.low)}V${y(p.high)}M${cx - 4},${y(p.low)}H${cx + 4}M${cx - 4},${y(p.high)}H${cx + 4}" stroke="#333"/>`);
      }
    });
    parts.push(`<text x="${x0 + (SERIES.length * (barW + gap)) / 2}" y="${top + plotH + 16}" text-anchor="middle">${escape(s.label)}</text>`);
    parts.push(`<text x="${x0 + (SERIES.length * (barW + gap)) / 2}" y="${top + plotH + 30}" text-anchor="middle" fill="#666">n=${s.tasks}</text>`);
  });
  SERIES.forEach((series, i) => {
    const x = left + i * 130;
    parts.push(`<rect x="${x}" y="${height - 22}" width="10" height="10" fill="${series.colour}"/>`);
    parts.push(`<text x="${x + 14}" y="${height - 13}">${escape(series.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

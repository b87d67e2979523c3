// docs/performance.svg: one horizontal bar per figure, the ratio Canopy/ZooKeeper on a log2 scale around
// the 1.0 line (a ratio of 2 and one of 0.5 are equally far from even). Green where Canopy's figure is the
// better one, red where ZooKeeper's is, grey within the even band. Plain SVG, no scripts or fonts to load.
import type { Row } from './summary.js';
import { betterSystem } from './table.js';
import { SHAPES } from './plan.js';

const WIDTH = 960;
const LABEL_WIDTH = 360;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_WIDTH = 500;
const ROW_HEIGHT = 22;
const TOP = 56;
const BOTTOM = 40;
/** The widest scale: ratios beyond 2^±6 are drawn at the edge (their value is still written). */
const SCALE_EXPONENT_MAX = 6;

const COLOURS = { Canopy: '#2e7d32', ZooKeeper: '#c62828', even: '#9e9e9e', 'n/a': '#9e9e9e' } as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function shapeShort(name: string): string {
  return SHAPES.find((s) => s.name === name)?.label ?? name;
}

export function renderChart(rows: readonly Row[], title: string): string {
  const charted = rows.filter((r) => r.ratio !== undefined && r.ratio > 0);
  const exponentMax = Math.min(SCALE_EXPONENT_MAX, Math.max(1, ...charted.map((r) => Math.ceil(Math.abs(Math.log2(r.ratio!))))));
  const x = (ratio: number): number => {
    const e = Math.max(-exponentMax, Math.min(exponentMax, Math.log2(ratio)));
    return PLOT_LEFT + ((e + exponentMax) / (2 * exponentMax)) * PLOT_WIDTH;
  };
  const height = TOP + charted.length * ROW_HEIGHT + BOTTOM;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${WIDTH / 2}" y="38" text-anchor="middle" fill="#555">ratio Canopy/ZooKeeper (log scale); green: Canopy better, red: ZooKeeper better, grey: within 5%</text>`,
  ];
  for (let e = -exponentMax; e <= exponentMax; e++) {
    const ratio = 2 ** e;
    const tx = x(ratio);
    parts.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${height - BOTTOM + 4}" stroke="${e === 0 ? '#000' : '#e0e0e0'}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
    parts.push(`<text x="${tx}" y="${height - BOTTOM + 18}" text-anchor="middle" fill="#555">${e < 0 ? `1/${2 ** -e}` : String(ratio)}</text>`);
  }
  charted.forEach((r, i) => {
    const y = TOP + i * ROW_HEIGHT;
    const x1 = x(1);
    const x2 = x(r.ratio!);
    const label = `${r.caseId}: ${r.label} (${shapeShort(r.shape)})`;
    parts.push(`<text x="${LABEL_WIDTH}" y="${y + 15}" text-anchor="end">${escapeXml(label)}</text>`);
    parts.push(`<rect x="${Math.min(x1, x2)}" y="${y + 4}" width="${Math.max(Math.abs(x2 - x1), 1)}" height="${ROW_HEIGHT - 8}" fill="${COLOURS[betterSystem(r)]}"/>`);
    const valueX = x2 >= x1 ? x2 + 4 : x2 - 4;
    parts.push(`<text x="${valueX}" y="${y + 15}" text-anchor="${x2 >= x1 ? 'start' : 'end'}" fill="#333">${r.ratio!.toFixed(2)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** One bar of a chart: its label (a day) and its value. */
export interface Bar {
  label: string;
  value: number;
}

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A small bar chart as inline SVG, drawn on the server: no script, no chart library, nothing the page's CSP must
 * allow. Bars scale to the largest value; each has a <title> (its label and value) for a pointer or a screen reader.
 */
export function barChart(bars: Bar[], options: { width?: number; height?: number; label: string }): string {
  const width = options.width ?? 280;
  const height = options.height ?? 64;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = width / Math.max(1, bars.length);
  const bar = Math.max(2, slot - 3);
  const rects = bars
    .map((b, i) => {
      const h = b.value === 0 ? 1 : Math.max(2, Math.round((b.value / max) * (height - 14)));
      const x = (i * slot).toFixed(1);
      return `<rect x="${x}" y="${height - h}" width="${bar.toFixed(1)}" height="${h}" class="${b.value === 0 ? 'bar zero' : 'bar'}"><title>${escapeXml(b.label)}: ${b.value}</title></rect>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.label)}" preserveAspectRatio="none"><text x="0" y="10" class="chart-max">${max}</text>${rects}</svg>`;
}

/** A share as a horizontal gauge (the SMS budget): used against size. */
export function gauge(used: number, size: number, label: string): string {
  const share = size > 0 ? Math.min(1, used / size) : 0;
  const width = 280;
  const cls = share >= 0.8 ? 'gauge-fill warn' : 'gauge-fill';
  return `<svg class="chart" viewBox="0 0 ${width} 16" width="${width}" height="16" role="img" aria-label="${escapeXml(label)}"><rect x="0" y="0" width="${width}" height="16" rx="3" class="gauge"/><rect x="0" y="0" width="${Math.round(share * width)}" height="16" rx="3" class="${cls}"/></svg>`;
}

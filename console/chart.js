// Two small SVG drawings: a bar of parts (pool use) and a column chart (values handed out per day).
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** One horizontal bar split into parts [{ label, value, kind }]; `label` says it in words for screen readers. */
export function partsBar(parts, label) {
  const total = parts.reduce((a, p) => a + p.value, 0) || 1;
  const root = svg('svg', { class: 'bar', viewBox: '0 0 1000 24', preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
  root.append(svg('rect', { class: 'bar-track', x: 0, y: 0, width: 1000, height: 24, rx: 4 }));
  let x = 0;
  for (const p of parts) {
    const w = (p.value / total) * 1000;
    if (w > 0) root.append(svg('rect', { class: `bar-${p.kind}`, x, y: 0, width: Math.max(w, 2), height: 24 }));
    x += w;
  }
  return root;
}

/** Columns for [{ label, value }] with the values written above them. */
export function columns(data, label) {
  const width = Math.max(320, data.length * 48);
  const height = 160;
  const top = Math.max(1, ...data.map((d) => d.value));
  const root = svg('svg', { class: 'columns', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  const slot = width / Math.max(1, data.length);
  data.forEach((d, i) => {
    const h = (d.value / top) * (height - 50);
    const x = i * slot + slot * 0.15;
    root.append(svg('rect', { class: 'column', x, y: height - 24 - h, width: slot * 0.7, height: h }));
    root.append(svg('text', { class: 'column-value', x: x + slot * 0.35, y: height - 30 - h, 'text-anchor': 'middle' }, String(d.value)));
    root.append(svg('text', { class: 'column-label', x: x + slot * 0.35, y: height - 8, 'text-anchor': 'middle' }, d.label));
  });
  return root;
}

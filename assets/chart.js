// The dashboard chart: calls and errors per bucket as an SVG drawn here
// (bars for calls, a line for errors), sized by its viewBox so it scales
// with the page. Colours come from CSS classes, so the theme applies.
const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function label(d, hourly) {
  const t = new Date(d);
  return hourly ? t.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : t.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

function niceMax(v) {
  if (v <= 4) return 4;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

export function timelineChart(timeline, period) {
  const W = 720;
  const H = 220;
  const L = 40;
  const R = 12;
  const T = 14;
  const B = 30;
  const pts = timeline || [];
  const max = niceMax(Math.max(1, ...pts.map((p) => p.calls)));
  const hourly = period === "24h";
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": "Tool calls and errors over time" });
  svg.append(s("title", {}, "Tool calls and errors over time"));
  const iw = W - L - R;
  const ih = H - T - B;
  for (let k = 0; k <= 4; k++) {
    const y = T + ih - (ih * k) / 4;
    svg.append(s("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y + 4, class: "axis", "text-anchor": "end" }, String(Math.round((max * k) / 4))));
  }
  const n = Math.max(pts.length, 1);
  const bw = iw / n;
  const every = Math.ceil(n / 8);
  pts.forEach((p, i) => {
    const x = L + i * bw;
    const bh = (ih * p.calls) / max;
    const bar = s("rect", { x: x + bw * 0.15, y: T + ih - bh, width: Math.max(bw * 0.7, 1), height: bh, class: "bar" });
    bar.append(s("title", {}, `${label(p.bucket, hourly)}: ${p.calls} calls, ${p.errors} errors`));
    svg.append(bar);
    if (i % every === 0) {
      svg.append(s("text", { x: x + bw / 2, y: H - 10, class: "axis", "text-anchor": "middle" }, label(p.bucket, hourly)));
    }
  });
  if (pts.length) {
    const d = pts.map((p, i) => `${i ? "L" : "M"}${(L + i * bw + bw / 2).toFixed(1)},${(T + ih - (ih * p.errors) / max).toFixed(1)}`).join(" ");
    svg.append(s("path", { d, class: "err-line" }));
    pts.forEach((p, i) => {
      if (p.errors) svg.append(s("circle", { cx: L + i * bw + bw / 2, cy: T + ih - (ih * p.errors) / max, r: 3, class: "err-dot" }));
    });
  }
  return svg;
}

// A line diff: the longest common subsequence of the two line lists, then
// a walk that emits kept, removed and added lines. The common head and
// tail are trimmed first, so the quadratic table covers only what changed.
import { h } from "./ui.js";
import { highlightLine } from "./highlight.js";

const CELLS_MAX = 4000000;

export function diffLines(a, b) {
  const A = a.split("\n");
  const B = b.split("\n");
  let s = 0;
  while (s < A.length && s < B.length && A[s] === B[s]) s++;
  let ea = A.length;
  let eb = B.length;
  while (ea > s && eb > s && A[ea - 1] === B[eb - 1]) {
    ea--;
    eb--;
  }
  const out = [];
  for (let i = 0; i < s; i++) out.push({ op: " ", text: A[i], a: i + 1, b: i + 1 });
  const n = ea - s;
  const m = eb - s;
  if (n * m > CELLS_MAX) {
    for (let i = s; i < ea; i++) out.push({ op: "-", text: A[i], a: i + 1 });
    for (let j = s; j < eb; j++) out.push({ op: "+", text: B[j], b: j + 1 });
  } else {
    // L[i][j] = LCS length of A[s+i..ea) and B[s+j..eb).
    const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i][j] = A[s + i] === B[s + j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && A[s + i] === B[s + j]) {
        out.push({ op: " ", text: A[s + i], a: s + i + 1, b: s + j + 1 });
        i++;
        j++;
      } else if (i < n && (j >= m || L[i + 1][j] >= L[i][j + 1])) {
        // Removals before additions, as unified diffs read.
        out.push({ op: "-", text: A[s + i], a: s + i + 1 });
        i++;
      } else {
        out.push({ op: "+", text: B[s + j], b: s + j + 1 });
        j++;
      }
    }
  }
  for (let i = ea, j = eb; i < A.length; i++, j++) out.push({ op: " ", text: A[i], a: i + 1, b: j + 1 });
  return out;
}

// A unified view; unchanged runs longer than 2*context are folded. With
// `plain`, lines are not highlighted as Python (a definition, a schema).
export function diffView(oldText, newText, { context = 3, oldLabel = "before", newLabel = "after", plain = false, what = "the code" } = {}) {
  const d = diffLines(oldText || "", newText || "");
  const added = d.filter((x) => x.op === "+").length;
  const removed = d.filter((x) => x.op === "-").length;
  const body = h("tbody");
  const near = d.map(() => false);
  d.forEach((x, i) => {
    if (x.op === " ") return;
    for (let k = Math.max(0, i - context); k <= Math.min(d.length - 1, i + context); k++) near[k] = true;
  });
  let folded = 0;
  const flush = () => {
    if (!folded) return;
    body.append(h("tr", { class: "diff-fold" }, h("td", { colspan: 3 }, `⋯ ${folded} unchanged line${folded > 1 ? "s" : ""}`)));
    folded = 0;
  };
  d.forEach((x, i) => {
    if (!near[i] && x.op === " ") {
      folded++;
      return;
    }
    flush();
    const cls = x.op === "+" ? "diff-add" : x.op === "-" ? "diff-del" : "diff-ctx";
    body.append(h("tr", { class: cls },
      h("td", { class: "ln" }, x.a ? String(x.a) : ""),
      h("td", { class: "ln" }, x.b ? String(x.b) : ""),
      h("td", { class: "diff-text" }, h("span", { class: "diff-op", "aria-hidden": "true" }, x.op), plain ? x.text : highlightLine(x.text))));
  });
  flush();
  return h("div", { class: "diff", dataset: { testid: "diff" } },
    h("div", { class: "diff-head" },
      h("span", null, `${oldLabel} → ${newLabel}`),
      h("span", { class: "diff-stat" }, h("span", { class: "add" }, `+${added}`), " ", h("span", { class: "del" }, `−${removed}`))),
    added || removed ? h("div", { class: "diff-scroll" }, h("table", null, body)) : h("p", { class: "muted pad" }, `No changes to ${what}.`));
}

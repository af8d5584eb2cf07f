// A small Python highlighter: one pass of a tokenizer, spans built with
// textContent (never innerHTML). It knows comments, strings (prefixes,
// triple quotes), numbers, keywords, builtins, decorators and the names
// after def/class; everything else is plain text.
import { h } from "./ui.js";

const KEYWORDS = new Set(("False None True and as assert async await break class continue def del elif else " +
  "except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield " +
  "match case").split(" "));
const BUILTINS = new Set(("abs all any bool bytes callable chr dict dir divmod enumerate filter float format " +
  "frozenset getattr hasattr hash hex id int isinstance issubclass iter len list map max min next object oct " +
  "ord pow print range repr reversed round set setattr slice sorted str sum super tuple type zip self cls " +
  "Exception ValueError TypeError KeyError IndexError RuntimeError").split(" "));

const RE = new RegExp([
  "(#[^\\n]*)",                                                        // 1 comment
  "((?:[rRbBuUfF]{1,2})?(?:'''[\\s\\S]*?(?:'''|$)|\"\"\"[\\s\\S]*?(?:\"\"\"|$)))", // 2 triple string
  "((?:[rRbBuUfF]{1,2})?(?:'(?:\\\\.|[^'\\\\\\n])*'?|\"(?:\\\\.|[^\"\\\\\\n])*\"?))", // 3 string
  "(\\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\\d[\\d_]*\\.?[\\d_]*(?:[eE][+-]?\\d+)?j?)\\b|\\.\\d+)", // 4 number
  "(@[A-Za-z_][\\w.]*)",                                                 // 5 decorator
  "([A-Za-z_]\\w*)",                                                    // 6 name
].join("|"), "g");

export function tokens(code) {
  const out = [];
  let last = 0;
  let prevKw = "";
  RE.lastIndex = 0;
  let m;
  while ((m = RE.exec(code)) !== null) {
    if (m[0] === "") {
      RE.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(["", code.slice(last, m.index)]);
    let cls = "";
    if (m[1]) cls = "com";
    else if (m[2] || m[3]) cls = "str";
    else if (m[4]) cls = "num";
    else if (m[5]) cls = "dec";
    else if (m[6]) {
      const w = m[6];
      if (prevKw === "def" || prevKw === "class") cls = "fn";
      else if (KEYWORDS.has(w)) cls = "kw";
      else if (BUILTINS.has(w)) cls = "bi";
      prevKw = KEYWORDS.has(w) ? w : "";
    }
    if (!m[6]) prevKw = "";
    out.push([cls, m[0]]);
    last = RE.lastIndex;
  }
  if (last < code.length) out.push(["", code.slice(last)]);
  return out;
}

// Split tokens into lines, so each line can be numbered.
function lines(code) {
  const rows = [[]];
  for (const [cls, text] of tokens(code)) {
    const parts = text.split("\n");
    parts.forEach((p, i) => {
      if (i > 0) rows.push([]);
      if (p) rows[rows.length - 1].push([cls, p]);
    });
  }
  return rows;
}

export function lineNodes(text) {
  return text.map(([cls, t]) => (cls ? h("span", { class: "tok-" + cls }, t) : document.createTextNode(t)));
}

export function highlightLine(line) {
  return lineNodes(lines(line)[0] || []);
}

export function codeView(code, opts = {}) {
  const rows = lines(code || "");
  const body = h("code", { class: "lang-python" });
  rows.forEach((r, i) => {
    body.append(h("span", { class: "ln", "aria-hidden": "true" }, String(i + 1)),
      h("span", { class: "line" }, lineNodes(r)), "\n");
  });
  return h("pre", { class: "code code-lines" + (opts.compact ? " compact" : ""), dataset: { testid: opts.testid || "code" } }, body);
}

"""The texts MCPbox says, read from the C sources: no run of spaces in a
message where a C string continues on the next line.

A message split over lines is adjacent string literals the compiler
joins ("... must approve it in the MCPbox " "panel"). A literal that ends
in a space followed by one that starts with a space says "MCPbox  panel";
inside SQL (SQL_* strings), a quoted SQL literal continued on a line
indented like the SQL around it says "stopped   this server". Plain SQL
between the quotes may be laid out with any spaces: only what lies inside
'...' is a message. No server or database is needed."""
import os
import re
import unittest

import harness

SRC = os.path.join(harness.ROOT, "src")
# A joined string is SQL when it reads like a statement (quoted text in
# it is then a message); anything else is a message as a whole.
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|FROM|WHERE|WITH \w+ AS)\b|\$\d")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"',
           "'": "'"}


def literals(text):
    """The groups of adjacent string literals of a C file: for each
    literal its line and its text, escapes decoded. Comments are skipped;
    a macro between two literals ("..." TOOL_FILTER "...", PRIu64) stays
    in the group as an empty literal (an SQL fragment macro holds its own
    quotes in pairs); anything else (a comma, a parenthesis) ends it."""
    groups, cur = [], []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        m = IDENT.match(text, i) if cur else None
        if m:
            j = skip_space(text, m.end())
            if j < n and text[j] == "(":
                j = skip_space(text, balanced(text, j))
            if j < n and text[j] == '"':
                cur.append((line, ""))
                line += text.count("\n", i, j)
                i = j
                continue
            groups.append(cur)
            cur = []
            i = m.end()
        elif c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f\v":
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "#" and (i == 0 or text[text.rfind("\n", 0, i) + 1:i].strip() == ""):
            # A preprocessor line (continued with backslashes) ends a group.
            if cur:
                groups.append(cur)
                cur = []
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    line += 1
                    i += 1
                i += 1
        elif c == '"':
            j, s = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    s.append(ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                    j += 2
                else:
                    s.append(text[j])
                    j += 1
            cur.append((line, "".join(s)))
            line += text.count("\n", i, j)
            i = j + 1
        elif c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            if cur:
                groups.append(cur)
                cur = []
            i = j + 1
        else:
            if cur:
                groups.append(cur)
                cur = []
            i += 1
    if cur:
        groups.append(cur)
    return groups


IDENT = re.compile(r"[A-Za-z_]\w*")


def skip_space(text, i):
    """The offset of the next character that is not blank or a comment."""
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = len(text) if j < 0 else j + 2
        else:
            return i
    return i


def balanced(text, i):
    """The offset just past the parenthesis that closes the one at i
    (string literals inside are skipped whole)."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def in_sql_quote(sql, pos):
    """Whether offset pos of SQL text lies inside a '...' literal ('' is a
    quote inside one and toggles twice)."""
    return sql.count("'", 0, pos) % 2 == 1


def spaced(groups):
    """(line, excerpt) of each run of two or more spaces a line break in
    the source put into a message."""
    out = []
    for g in groups:
        if len(g) < 2:
            continue
        joined = "".join(s for _, s in g)
        sql = SQL.search(joined) is not None
        pos = 0
        for k in range(len(g) - 1):
            pos += len(g[k][1])
            a, b = g[k][1], g[k + 1][1]
            # The run of spaces around the join.
            lo = pos - (len(a) - len(a.rstrip(" ")))
            hi = pos + (len(b) - len(b.lstrip(" ")))
            if hi - lo < 2 or not a.strip() or not b.strip():
                continue
            if sql and not in_sql_quote(joined, pos):
                continue
            if not sql and (a.endswith("\n") or b.startswith("\n")):
                continue
            out.append((g[k + 1][0], joined[max(lo - 30, 0):hi + 30]))
    return out


def source_files():
    for d, dirs, files in os.walk(SRC):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            # migrations_embed.c, assets_table.c: made from other files.
            if text.startswith("/* Generated by "):
                continue
            yield path, text


class MessageTextTest(unittest.TestCase):
    def test_scanner_finds_a_split_with_spaces(self):
        # The scanner itself, on the shapes it must tell apart.
        bad_c = 'x = f("an admin must approve it in the MCPbox "\n    " panel");'
        bad_sql = ('const char Q[] = "SELECT api_error(\'conflict\', \'an admin stopped "\n'
                   '    "  this server\') FROM t";')
        ok_sql = 'const char Q[] = "SELECT 1 "\n    "  FROM t WHERE a = \'x\'";'
        ok_c = 'x = f("one line\\n"\n    "  indented");'
        self.assertEqual(len(spaced(literals(bad_c))), 1)
        self.assertEqual(len(spaced(literals(bad_sql))), 1)
        self.assertEqual(spaced(literals(ok_sql)), [])
        self.assertEqual(spaced(literals(ok_c)), [])

    def test_no_runs_of_spaces_in_messages(self):
        found = []
        for path, text in source_files():
            for line, excerpt in spaced(literals(text)):
                found.append(f"{os.path.relpath(path, harness.ROOT)}:{line}: {excerpt!r}")
        self.assertEqual(found, [], f"{len(found)} messages with runs of spaces:\n  " + "\n  ".join(found))


if __name__ == "__main__":
    unittest.main()

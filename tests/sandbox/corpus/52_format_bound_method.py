# layer: format rewrite (bound and unbound format reached indirectly)
# expect: ToolError
# match: not allowed
def main(x):
    f = "{0.__class__.__mro__}".format
    g = getattr(str, "format")
    out = []
    for fn in (lambda: f(1), lambda: g("{0.__init__.__globals__}", len)):
        out.append(fn())
    return out

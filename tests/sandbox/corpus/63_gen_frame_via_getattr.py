# layer: guarded getattr (frame attributes by computed name) + audit hook
# expect: ToolError
# match: not allowed
def main(x):
    def g():
        yield 1
    gen = g()
    fr = getattr(gen, "gi_" + "frame")
    return getattr(fr, "f_" + "globals")

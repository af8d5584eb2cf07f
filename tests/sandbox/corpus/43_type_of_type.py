# layer: restricted builtins (type never hands out a metaclass)
# expect: ToolError
# match: exactly one argument
def main(x):
    T = type(type(0))
    K = T("K", (object,), {"__getattr__": lambda s, n: n})
    return K().anything

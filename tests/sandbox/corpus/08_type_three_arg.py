# layer: restricted builtins (one-argument type)
# expect: ToolError
def main(x):
    X = type("X", (object,), {"run": lambda self: 1})
    return X().run()

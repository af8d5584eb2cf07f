# layer: restricted builtins (guarded getattr)
# expect: ToolError
def main(x):
    name = "".join(["_", "_", "s", "e", "l", "f", "_", "_"])
    b = getattr(len, name)
    return getattr(b, "open")("/etc/passwd").read()

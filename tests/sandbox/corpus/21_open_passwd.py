# layer: restricted builtins (no open)
# expect: ToolError
def main(x):
    return open("/etc/passwd").read()

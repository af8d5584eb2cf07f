# layer: module stand-in (no string.Formatter)
# expect: ToolError
import string
def main(x):
    fmt = string.Formatter()
    b = fmt.get_field("0.__self__", [print], {})[0]     # builtins module
    return b.open("/etc/passwd").read()

# layer: result encoding (lone surrogates are not UTF-8)
# expect: ToolError
# match: surrogate
def main(x):
    return "a" + chr(0xD800) + "b"

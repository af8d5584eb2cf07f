# layer: format rewrite (safe Formatter)
# expect: ToolError
def main(x):
    return "{m.__globals__}".format_map({"m": main})

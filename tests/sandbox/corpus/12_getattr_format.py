# layer: guarded getattr + format rewrite
# expect: ToolError
def main(x):
    fmt = getattr("{0.__init__.__globals__}", "format")
    return fmt(http)

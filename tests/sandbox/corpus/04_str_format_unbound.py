# layer: format rewrite (str.format unbound)
# expect: ToolError
def main(x):
    f = str.format
    return f("{0.__init__.__globals__}", http)

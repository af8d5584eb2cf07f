# layer: interpreter recursion limit
# expect: ToolError
def main(x):
    def f(n):
        return f(n + 1) + 1
    return f(0)

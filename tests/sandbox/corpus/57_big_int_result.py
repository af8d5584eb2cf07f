# layer: supervisor re-validates every child frame
# expect: ToolError
# match: 64 bits
def main(x):
    return 10 ** 40

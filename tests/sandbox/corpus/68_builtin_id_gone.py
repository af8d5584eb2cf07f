# layer: restricted builtins (no object addresses)
# expect: ToolError
# match: NameError: name 'id' is not defined
def main(x):
    return id(x)

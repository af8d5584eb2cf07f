# layer: secrets are a read-only mapping
# expect: ToolError
# match: does not support item assignment
def main(x):
    secrets["API_KEY"] = "x"
    return 1

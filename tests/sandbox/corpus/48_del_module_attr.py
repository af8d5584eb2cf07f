# layer: read-only module stand-ins (del syntax)
# expect: ToolError
# match: read-only
import json
def main(x):
    del json.loads
    return 1

# layer: read-only module stand-ins (assignment syntax)
# expect: ToolError
# match: read-only
import json
def main(x):
    json.dumps = lambda *a, **k: "forged"
    return json.dumps(1)

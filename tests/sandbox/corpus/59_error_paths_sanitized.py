# layer: error sanitizing (no host paths or harness names in messages)
# expect: ToolError
# match: JSONDecodeError
import json
def main(x):
    return json.loads("{")

# layer: fresh child per call; the harness encodes through private copies
# expect: ok
# match: "result": \{"a": 1\}
import json
def main(x):
    json.JSONEncoder.encode = lambda self, o: "forged"
    json.JSONEncoder.iterencode = lambda self, o, _one_shot=False: iter(["forged"])
    return {"a": 1}

# layer: result encoding (NaN is not JSON)
# expect: ToolError
# match: NaN
def main(x):
    return {"v": [1.0, float("nan")]}

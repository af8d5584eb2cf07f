# layer: result encoding (Infinity) and stdout cleaning (surrogates)
# expect: ToolError
# match: NaN or Infinity
def main(x):
    print(chr(0xDC00))
    return float("inf")

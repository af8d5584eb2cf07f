# layer: AST (breakpoint is not available)
# expect: ValidationError
def main(x):
    breakpoint()

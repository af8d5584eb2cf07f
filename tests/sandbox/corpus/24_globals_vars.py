# layer: AST (globals is not available)
# expect: ValidationError
def main(x):
    return globals()["__builtins__"]

# layer: AST (dunder name)
# expect: ValidationError
def main(x):
    return __builtins__["__import__"]("os").system("id")

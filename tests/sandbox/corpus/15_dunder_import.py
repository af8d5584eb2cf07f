# layer: AST (dunder name)
# expect: ValidationError
def main(x):
    return __import__("os").system("id")

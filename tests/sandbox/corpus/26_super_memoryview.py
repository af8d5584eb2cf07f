# layer: AST (super is blocked everywhere)
# expect: ValidationError
def main(x):
    return memoryview(b"abc").obj, super

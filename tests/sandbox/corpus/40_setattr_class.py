# layer: AST (underscore attribute)
# expect: ValidationError
class A:
    pass
def main(x):
    a = A()
    a.__class__ = type
    setattr(A, "x", 1)

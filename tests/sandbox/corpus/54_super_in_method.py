# layer: AST (super is blocked everywhere, including methods)
# expect: ValidationError
# match: super
class A:
    def f(self):
        return 1
class B(A):
    def f(self):
        return super().f()
def main(x):
    return B().f()

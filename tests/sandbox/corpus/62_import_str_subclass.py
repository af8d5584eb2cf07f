# layer: AST + restricted builtins (exact-str checks in the import path)
# expect: ValidationError
# match: not allowed
class S(str):
    def __eq__(self, o):
        return True
def main(x):
    import os
    return os.getcwd()

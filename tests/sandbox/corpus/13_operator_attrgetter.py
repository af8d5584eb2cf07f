# layer: AST (import allowlist)
# expect: ValidationError
import operator
def main(x):
    return operator.attrgetter("__class__.__mro__")(1)

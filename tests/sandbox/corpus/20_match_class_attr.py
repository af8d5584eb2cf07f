# layer: AST (match-class attribute)
# expect: ValidationError
def main(x):
    match print:
        case object(__self__=b):
            return b.open("/etc/passwd").read()

# layer: AST (underscore attribute)
# expect: ValidationError
def main(x):
    b = (lambda p=print: p.__self__)()
    return b.open("/etc/passwd").read()

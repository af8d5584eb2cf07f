# layer: AST (eval is not available)
# expect: ValidationError
@eval
@lambda f: "__import__('os').system('id')"
def pwn():
    pass
def main(x):
    return pwn

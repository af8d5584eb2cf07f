# layer: AST (import allowlist)
# expect: ValidationError
import os
def main(x):
    return os.system("id")

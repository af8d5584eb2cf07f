# layer: AST (import allowlist)
# expect: ValidationError
import os
def main(x):
    while True:
        os.fork()

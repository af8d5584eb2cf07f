# layer: AST (import allowlist)
# expect: ValidationError
import importlib, builtins, sys
def main(x):
    return importlib.import_module("os").system("id")

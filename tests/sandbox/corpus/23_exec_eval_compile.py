# layer: AST (exec is not available)
# expect: ValidationError
def main(x):
    exec("import os; os.system('id')")

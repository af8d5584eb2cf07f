# layer: AST (underscore attribute)
# expect: ValidationError
def main(x):
    return http.request.__func__.__globals__["os"].system("id")

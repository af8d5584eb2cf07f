# layer: AST (frame attributes)
# expect: ValidationError
def main(x):
    try:
        1 / 0
    except Exception as e:
        f = e.__traceback__.tb_frame.f_back
        return f.f_globals["os"].system("id")

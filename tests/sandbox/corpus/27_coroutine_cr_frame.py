# layer: AST (coroutine frame attribute)
# expect: ValidationError
def main(x):
    async def c():
        return 1
    co = c()
    fr = co.cr_frame
    co.close()
    return fr.f_globals["__builtins__"]["open"]("/etc/passwd").read()

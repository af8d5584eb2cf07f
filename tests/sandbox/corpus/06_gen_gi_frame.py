# layer: AST (frame attributes)
# expect: ValidationError
def main(x):
    def g():
        yield gen.gi_frame.f_back.f_back.f_globals
    gen = g()
    glb = next(gen)
    return glb["__builtins__"]["open"]("/etc/passwd").read()

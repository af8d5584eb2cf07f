# layer: AST (dunder definition)
# expect: ValidationError
import functools
GOT = []
class Sink:
    def __setattr__(self, k, v):
        GOT.append(v)
def main(x):
    # update_wrapper does getattr(wrapped, "__globals__") for us and hands the
    # value to our __setattr__; http.request's globals are the harness module's
    functools.update_wrapper(Sink(), http.request, assigned=("__globals__",), updated=())
    return GOT[0]["os"].system("id")

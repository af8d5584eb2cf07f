# layer: module stand-in (functools allowlist)
# expect: ToolError
import functools
def main(x):
    return functools.update_wrapper(lambda: 0, http.request, assigned=("__globals__",), updated=())

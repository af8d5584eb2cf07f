# layer: fresh process per call (the crash ends only this call's child)
# expect: SandboxError
# match: crashed \(stack or memory exhausted\)
# skip_asan: ASan reports the overflow itself instead of letting it crash
import sys
def main(x):
    # Python-to-Python calls no longer use the C stack; repr of a deeply
    # nested list does, once the recursion limit no longer stops it.
    sys.setrecursionlimit(10 ** 8)
    deep = []
    for _ in range(10 ** 6):
        deep = [deep]
    return repr(deep)

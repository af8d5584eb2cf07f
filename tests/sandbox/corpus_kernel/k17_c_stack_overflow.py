# layer: wall-clock deadline / RLIMIT_CPU
# expect: Timeout
# timeout_ms: 2000
import sys
def main(x):
    sys.setrecursionlimit(10 ** 7)
    def f(n):
        return f(n + 1)
    return f(0)

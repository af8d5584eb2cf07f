# layer: seccomp (clock_gettime with a negative id: EINVAL)
# expect: ToolError
# match: Invalid argument
import time
def main(x):
    # Another process's CPU clock: a timing side channel on other calls.
    return time.clock_gettime(((~1) << 3) | 2)

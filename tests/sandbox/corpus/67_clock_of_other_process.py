# layer: stand-in audit (clock ids naming another process's CPU clock)
# expect: ToolError
# match: only the time.CLOCK_\* constants
import time
def main(x):
    return time.clock_gettime(((~1) << 3) | 2)

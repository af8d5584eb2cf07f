# layer: stand-in audit (reads through its argument as a thread pointer)
# expect: ToolError
# match: has no attribute 'pthread_getcpuclockid'
import time
def main(x):
    return time.pthread_getcpuclockid(id(x) - 0x2d0)

# layer: stand-in audit (sets the host's clock)
# expect: ToolError
# match: has no attribute 'clock_settime'
import time
def main(x):
    return time.clock_settime(time.CLOCK_REALTIME, 0)

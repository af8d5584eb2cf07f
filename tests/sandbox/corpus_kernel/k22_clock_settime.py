# layer: seccomp (clock_settime is not on the allowlist: killed)
# expect: SandboxError
import time
def main(x):
    time.clock_settime(time.CLOCK_REALTIME, 0)
    return "clock set"

# layer: wall-clock deadline (SIGKILL)
# expect: Timeout
import time
def main(x):
    time.sleep(3600)

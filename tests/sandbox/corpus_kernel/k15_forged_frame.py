# layer: supervisor frame-length check
# expect: OutputLimit
import os
def main(x):
    os.write(4, b"\xff\xff\xff\x7f" + b"A" * 100)   # claims a 2 GiB frame
    import time; time.sleep(10)

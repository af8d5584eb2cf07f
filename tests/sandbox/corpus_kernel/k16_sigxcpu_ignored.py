# layer: seccomp (openat EACCES: signal not importable)
# expect: ToolError
import signal
def main(x):
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    while True:
        pass

# layer: seccomp (openat EACCES: signal not importable; kill EPERM)
# expect: ToolError
import os, signal
def main(x):
    os.kill(os.getppid(), signal.SIGKILL)
    return "sent SIGKILL to supervisor"

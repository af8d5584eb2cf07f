# layer: stand-in audit (hands its internal memoryview to the caller's object)
# expect: ToolError
# match: has no attribute 'file_digest'
import hashlib
class F:
    def readinto(self, buf):
        global leaked
        leaked = buf
        return 0
    def readable(self):
        return True
def main(x):
    hashlib.file_digest(F(), "sha256")
    return repr(leaked)

# layer: seccomp (clone kill)
# expect: SandboxError
# the json.decoder escape from the Python corpus, run with all Python layers off
from json import decoder
def main(x):
    return decoder.re.enum.sys.modules["os"].system("id")

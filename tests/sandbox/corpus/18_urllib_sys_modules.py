# layer: module stand-in (no re-exported modules)
# expect: ToolError
import urllib.parse
def main(x):
    return urllib.parse.sys.modules["os"].system("id")

# layer: module stand-in (no re-exported modules)
# expect: ToolError
import uuid
def main(x):
    return uuid.os.system("id")

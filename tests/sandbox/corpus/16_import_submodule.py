# layer: AST (from-import of a missing name)
# expect: ValidationError
from json import decoder          # IMPORT_FROM falls back to sys.modules["json.decoder"]
def main(x):
    return decoder.re.enum.sys.modules["os"].system("id")

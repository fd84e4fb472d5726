import sys
print("vault: permission denied", file=sys.stderr)
sys.exit(2)

import sys
sys.stdout.write("x" * (8 << 20))

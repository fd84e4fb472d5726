import sys
sys.stdout.buffer.write(b"tok\xff\xfeen\n")

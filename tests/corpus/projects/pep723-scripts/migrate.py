# /// script
# requires-python = ">=3.9"
# dependencies = ["requests-lite"]
#
# [[tool.uv.index]]
# name = "internal"
# url = "@D@"
# default = true
# ///
print("migrate")

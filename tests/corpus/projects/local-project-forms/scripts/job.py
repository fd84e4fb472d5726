# /// script
# requires-python = ">=3.9"
# dependencies = ["billing"]
#
# [tool.uv]
# index-url = "@A@"
#
# [tool.uv.sources]
# billing = { path = "../libs/billing" }
# ///
print("job")

# /// script
# requires-python = ">=3.9"
# dependencies = ["corp-lib", "rich-lite"]
#
# [tool.uv]
# index-url = "@A@"
# extra-index-url = ["@B@"]
# ///
print("report")
